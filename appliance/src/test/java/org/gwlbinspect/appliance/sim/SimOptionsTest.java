package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SimOptionsTest {
    private static SimOptions options() {
        return new SimOptions(
                1,
                CookieRotation.NEVER,
                IdleTimeouts.GWLB_DEFAULTS,
                null,
                Path.of("appliance.jar"),
                null,
                Path.of("work"),
                Path.of("state"),
                1_000);
    }

    @Test
    void linksHaveAnEthernetMtuUnlessToldOtherwise() {
        assertThat(options().linkMtu()).isEqualTo(1500);
        assertThat(options().withLinkMtu(8500).linkMtu()).isEqualTo(8500);
        assertThat(options().withLinkMtu(1280).linkMtu()).isEqualTo(1280);
        assertThat(options().withLinkMtu(8500).withLinkMtu(1500)).isEqualTo(options());
    }

    @Test
    void refusesLinkMtusGwlbOrIpv6CannotCarry() {
        assertThatThrownBy(() -> options().withLinkMtu(8501))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the link MTU must be 1280..8500, got 8501");
        assertThatThrownBy(() -> options().withLinkMtu(1279))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the link MTU must be 1280..8500, got 1279");
    }

    @Test
    void anOptionOutOfRangeIsReportedAsAMessageNotAStackTrace() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        GwlbSimCommand command = new GwlbSimCommand(
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

        command.onError(null, null, new IllegalArgumentException("the link MTU must be 1280..8500, got 9000"));

        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("gwlb-sim: the link MTU must be 1280..8500, got 9000" + System.lineSeparator());
    }
}
