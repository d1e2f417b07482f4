package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EveLogConfigTest {

    private static final Path ALERT = Path.of("/var/log/gwlb/alert.json");
    private static final Path FLOW = Path.of("/var/log/gwlb/flow.json");

    private static EveLogConfig config(
            Path alert, Path flow, long rotateBytes, int keep, int ring, String name, String az) {
        return new EveLogConfig(alert, flow, rotateBytes, keep, ring, name, az);
    }

    @Test
    void acceptsSensibleValues() {
        EveLogConfig c = config(ALERT, FLOW, 100L << 20, 5, 4096, "fw", "us-east-1a");
        assertThat(c.ringSize()).isEqualTo(4096);
    }

    @Test
    void namesTheKeyOfEachInvalidValue() {
        assertThatThrownBy(() -> config(null, FLOW, 1 << 20, 5, 4096, "fw", "az"))
                .hasMessageContaining("logs.alertFile");
        assertThatThrownBy(() -> config(ALERT, null, 1 << 20, 5, 4096, "fw", "az"))
                .hasMessageContaining("logs.flowFile");
        assertThatThrownBy(() -> config(ALERT, ALERT, 1 << 20, 5, 4096, "fw", "az"))
                .hasMessageContaining("logs.flowFile");
        assertThatThrownBy(() -> config(ALERT, FLOW, 1000, 5, 4096, "fw", "az"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logs.rotateBytes");
        assertThatThrownBy(() -> config(ALERT, FLOW, 1 << 20, -1, 4096, "fw", "az"))
                .hasMessageContaining("logs.keepFiles");
        assertThatThrownBy(() -> config(ALERT, FLOW, 1 << 20, 5, 1000, "fw", "az"))
                .hasMessageContaining("logs.ringSize");
        assertThatThrownBy(() -> config(ALERT, FLOW, 1 << 20, 5, 0, "fw", "az")).hasMessageContaining("logs.ringSize");
        assertThatThrownBy(() -> config(ALERT, FLOW, 1 << 20, 5, 4096, " ", "az"))
                .hasMessageContaining("logs.firewallName");
        assertThatThrownBy(() -> config(ALERT, FLOW, 1 << 20, 5, 4096, "fw", null))
                .hasMessageContaining("logs.availabilityZone");
        assertThatThrownBy(() -> config(ALERT, FLOW, 1 << 20, 5, 4096, "fw", "a\nz"))
                .hasMessageContaining("logs.availabilityZone");
    }
}
