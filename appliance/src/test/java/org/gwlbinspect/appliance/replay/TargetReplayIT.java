package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.gwlbinspect.appliance.TestAppliance;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code replay --target}: the TLS capture sent as GENEVE over loopback to an appliance started in this process with
 * the example egress allow-list, from another loopback address as GWLB; what comes back is counted against the verdicts of the local
 * pipeline.
 */
class TargetReplayIT {
    private static final Path ALLOWLIST = ReplayTest.POLICIES.resolve("egress-strict-allowlist.json");
    private static final Path TLS = ReplayTest.PCAPS.resolve("tls.pcapng");

    /**
     * GWLB's address: a loopback address of this test's own, so that its port 6081 (where the appliance sends replies)
     * is not the one other tests' GWLB peers bind (127.0.0.2).
     */
    private static Inet4Address gwlb() throws Exception {
        int b = 100 + (int) (ProcessHandle.current().pid() % 100);
        return (Inet4Address) InetAddress.getByAddress(new byte[] {127, (byte) b, 0, 2});
    }

    private static TargetSummary send(TestAppliance appliance, CompiledPolicy local, int loops, PrintStream progress)
            throws Exception {
        return TargetReplay.run(
                new TargetReplay.Options(
                        ReplayOptions.of(TLS).withPolicy(local),
                        new InetSocketAddress("127.0.0.1", appliance.dataPort),
                        gwlb(),
                        2000,
                        loops,
                        Duration.ofSeconds(2)),
                progress,
                false);
    }

    @Test
    void theAppliancesReturnsEveryPacketTheLocalPipelinePassesByteForByte(@TempDir Path logs) throws Exception {
        CompiledPolicy policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(ALLOWLIST);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        try (TestAppliance appliance = TestAppliance.start(
                "policy.path=" + ALLOWLIST.toAbsolutePath(),
                "logs.alertFile=" + logs.resolve("alert.json"),
                "logs.flowFile=" + logs.resolve("flow.json"))) {
            TargetSummary summary = send(appliance, policy, 2, new PrintStream(progress, true, StandardCharsets.UTF_8));

            // 47 packets twice, as two endpoints' flows; 35 passed each time (expected-verdicts.tsv), 12 dropped.
            assertThat(summary.sent()).isEqualTo(94);
            assertThat(summary.expectedBack()).isEqualTo(70);
            assertThat(summary.returned()).isEqualTo(70);
            assertThat(summary.lost()).isZero();
            assertThat(summary.unexpected()).isZero();
            assertThat(summary.mismatched()).isZero();
            assertThat(summary.resets()).isZero();
            assertThat(summary.sendErrors()).isZero();
            assertThat(appliance.metric("appliance_dropped_packets_total{reason=\"policy_drop\"}"))
                    .isEqualTo(24);
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("sent 94/94 (100%)");

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            summary.print(new PrintStream(out, true, StandardCharsets.UTF_8), "tls.pcapng", "127.0.0.1");
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("  returned       70 byte for byte\n")
                    .contains("  lost           0 (0.000 % of expected)\n");
        } finally {
            policy.patterns().close();
        }
    }

    @Test
    void countsWhatThePolicyDropsAsLostWhenTheLocalPipelineHasNoPolicy() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + ALLOWLIST.toAbsolutePath())) {
            TargetSummary summary = send(appliance, null, 1, new PrintStream(PrintStream.nullOutputStream()));

            assertThat(summary.sent()).isEqualTo(47);
            assertThat(summary.expectedBack()).isEqualTo(47);
            assertThat(summary.returned()).isEqualTo(35);
            assertThat(summary.lost()).isEqualTo(12);
            assertThat(summary.mismatched()).isZero();
        }
    }

    @Test
    void syntheticFlowsComeBackWithTheirLatencyThroughputAndTheAppliancesCpuPerPacket() throws Exception {
        try (TestAppliance appliance = TestAppliance.start()) {
            URI metrics = URI.create("http://127.0.0.1:" + appliance.adminPort + "/metrics");
            TargetSummary summary = TargetReplay.run(
                    new TargetReplay.Options(
                            new ReplayOptions(
                                    null,
                                    null,
                                    ReplayOptions.of(TLS).flows(),
                                    null,
                                    null,
                                    null,
                                    0x0ABC_0000_0000_0100L,
                                    0,
                                    ReplayOptions.DEFAULT_MAX_DATAGRAM_BYTES,
                                    "gwlb-inspect",
                                    "replay",
                                    0),
                            new InetSocketAddress("127.0.0.1", appliance.dataPort),
                            gwlb(),
                            5000,
                            1,
                            Duration.ofSeconds(2),
                            300,
                            200,
                            metrics),
                    new PrintStream(PrintStream.nullOutputStream()),
                    false);

            // 300 flows of 10 packets (SYN, SYN-ACK, ACK, ClientHello, 6 data packets), all passed by both.
            assertThat(summary.sent()).isEqualTo(3000);
            assertThat(summary.expectedBack()).isEqualTo(3000);
            assertThat(summary.returned()).isEqualTo(3000);
            assertThat(summary.lost()).isZero();
            assertThat(summary.mismatched()).isZero();
            assertThat(appliance.metricSum("appliance_received_packets_total")).isEqualTo(3000);
            TargetSummary.Latency latency = summary.latency();
            assertThat(latency.samples()).isEqualTo(3000);
            assertThat(latency.p50Nanos()).isPositive();
            assertThat(latency.p50Nanos())
                    .isLessThanOrEqualTo(latency.p99Nanos())
                    .isLessThanOrEqualTo(latency.p999Nanos())
                    .isLessThanOrEqualTo(latency.maxNanos())
                    .isLessThan(Duration.ofSeconds(2).toNanos());
            assertThat(summary.returnNanos()).isGreaterThanOrEqualTo(summary.sendNanos());
            assertThat(summary.returnedPerSecond()).isPositive();
            // The appliance did work for these packets: some CPU time, and less than the run's wall time × cores.
            assertThat(summary.applianceCpuSeconds())
                    .isPositive()
                    .isLessThan(
                            summary.returnNanos() / 1e9 * Runtime.getRuntime().availableProcessors() + 1);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            summary.print(new PrintStream(out, true, StandardCharsets.UTF_8), "300 synthetic flows", "127.0.0.1");
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("  returned       3000 byte for byte\n")
                    .contains("  lost           0 (0.000 % of expected)\n")
                    .containsPattern("  throughput     \\d+ packets/s returned")
                    .containsPattern(
                            "  latency        p50 [\\d.]+ (µs|ms)  p99 [\\d.]+ (µs|ms)  p99\\.9 [\\d.]+ (µs|ms)  max ")
                    .containsPattern("  appliance CPU  \\d+\\.\\d{3} s, \\d+\\.\\d{2} µs per packet sent\n");
        }
    }
}
