package org.gwlbinspect.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyLoadOptionsTest {

    @Test
    void defaultHomeNetCoversPrivateSharedAndUniqueLocalRanges() {
        assertThat(PolicyLoadOptions.defaults().homeNet())
                .containsExactly("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7");
    }

    @Test
    void rejectsInvalidConfiguredHomeNetNamingTheKey() {
        assertThatThrownBy(() -> new PolicyLoadOptions(List.of("10.0.0.0/8", "10.0.0/8"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("policy.homeNet: invalid CIDR '10.0.0/8'");
        assertThatThrownBy(() -> new PolicyLoadOptions(List.of(), Map.of())).hasMessageContaining("at least one CIDR");
    }
}
