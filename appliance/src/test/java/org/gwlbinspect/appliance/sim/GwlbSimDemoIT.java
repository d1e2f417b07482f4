package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.sim.demo.DemoScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code gwlb-sim --demo} end to end, as root: the appliance from target/appliance.jar with the demo policy, nginx and
 * dnsmasq in the server namespace, curl, openssl and dig in the client namespace, every request through the simulated
 * GWLB. Needs the demo's tools (.ci/run installs them); a missing one fails with its apt-get line.
 */
class GwlbSimDemoIT {
    private static final Path WORK = Path.of("target/gwlb-sim-demo-it").toAbsolutePath();

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void everyDemoRequestGetsItsPolicyVerdictThroughTheSimulator() throws Exception {
        DemoScenario demo = new DemoScenario();
        SimOptions options = new SimOptions(
                1,
                CookieRotation.NEVER,
                IdleTimeouts.GWLB_DEFAULTS,
                null,
                Path.of("target/appliance.jar").toAbsolutePath(),
                demo.policy(),
                WORK,
                SimStateFiles.DEFAULT_DIRECTORY,
                120_000);
        demo.prepare(options);
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        GwlbSimulator sim = GwlbSimulator.start(options);
        int code;
        try (sim) {
            code = demo.run(sim, new PrintStream(table, true, StandardCharsets.UTF_8));
        }
        String output = table.toString(StandardCharsets.UTF_8);

        assertThat(code).as(output).isZero();
        assertThat(output).containsPattern("(\\d+) requests, \\1 as expected, 0 differ");
        SimReport report = sim.report();
        assertThat(report.flows()).isGreaterThanOrEqualTo(10);
        assertThat(report.dropped())
                .containsEntry("unknown_flow", 0L)
                .containsEntry("wrong_outer_port", 0L)
                .containsEntry("header_mismatch", 0L);
        // Every datagram the appliance returned was accepted and delivered; the drops were the appliance's.
        assertThat(report.forwarded()).isEqualTo(report.returned()).isLessThan(report.sentToAppliance());
    }
}
