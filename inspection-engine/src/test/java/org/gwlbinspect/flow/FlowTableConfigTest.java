package org.gwlbinspect.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlowTableConfigTest {

    private static final Duration S30 = Duration.ofSeconds(30);

    @Test
    void defaultsMatchGwlbTimeoutsAndOneMillionFlows() {
        FlowTableConfig config = FlowTableConfig.defaults();
        assertThat(config.capacity()).isEqualTo(1_048_576);
        assertThat(config.tcpIdleTimeout()).isEqualTo(Duration.ofSeconds(350));
        assertThat(config.otherIdleTimeout()).isEqualTo(Duration.ofSeconds(120));
        assertThat(config.fragmentTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void acceptsCapacityThatIsNotAPowerOfTwo() {
        assertThat(new FlowTableConfig(1000, S30, S30, S30).capacity()).isEqualTo(1000);
    }

    @Test
    void rejectsNonPositiveCapacityNamingItsKey() {
        assertThatThrownBy(() -> new FlowTableConfig(0, S30, S30, S30))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("flows.capacity");
    }

    @Test
    void rejectsCapacityAboveTheMaximum() {
        assertThatThrownBy(() -> new FlowTableConfig(FlowTableConfig.MAX_CAPACITY + 1, S30, S30, S30))
                .hasMessageContaining("flows.capacity");
    }

    @Test
    void rejectsZeroOrNegativeTimeoutsNamingTheirKeys() {
        assertThatThrownBy(() -> new FlowTableConfig(10, Duration.ZERO, S30, S30))
                .hasMessageContaining("flows.tcpIdleTimeout");
        assertThatThrownBy(() -> new FlowTableConfig(10, S30, Duration.ofSeconds(-1), S30))
                .hasMessageContaining("flows.otherIdleTimeout");
        assertThatThrownBy(() -> new FlowTableConfig(10, S30, S30, Duration.ZERO))
                .hasMessageContaining("flows.fragmentTimeout");
    }

    @Test
    void rejectsMissingTimeoutNamingItsKey() {
        assertThatThrownBy(() -> new FlowTableConfig(10, S30, S30, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("flows.fragmentTimeout");
    }

    @Test
    void rejectsTimeoutLongerThanADay() {
        assertThatThrownBy(() -> new FlowTableConfig(10, Duration.ofDays(2), S30, S30))
                .hasMessageContaining("flows.tcpIdleTimeout");
    }
}
