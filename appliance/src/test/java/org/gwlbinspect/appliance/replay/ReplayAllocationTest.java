package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay loop ({@link Replay#replayAll}: reading, encapsulation, the pipeline, the summary's counters) allocates
 * nothing per frame once compiled, also when packets are dropped and counted by reason.
 *
 * <p>Measured as the difference between a replay of 3 000 and one of 6 000 flows, per extra frame: each replay builds
 * a new pipeline, whose pooled stream states allocate their lookback buffer once, on first use (detect's {@code
 * StreamMatchState}); both replays use the same states, so what differs is what the extra frames cost.
 */
class ReplayAllocationTest {
    private static final int FLOWS = 3000;
    private static final int WARM_UP_REPLAYS = 4;
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final PrintStream NO_OUTPUT = new PrintStream(PrintStream.nullOutputStream());

    @Test
    void replaysWithoutAPolicyAllocatingNothingPerFrame(@TempDir Path dir) throws Exception {
        assertThat(bytesPerExtraFrame(dir, null, 0, 0)).isLessThan(1.0);
    }

    @Test
    void countsStreamExceptionDropsAllocatingNothingPerFrame(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(
                dir.resolve("payload.rules"),
                "drop tcp any any -> any any (content:\"never-in-these-flows\"; msg:\"payload\"; sid:1;)\n");
        CompiledPolicy policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(rules);
        try {
            // 100 stream states for SyntheticFlows' waves of 256 flows in flight: each wave's flows beyond them lose
            // their ClientHello and 4 data packets (a flow gives its state back at its first encrypted record,
            // stateful.encryptionHandling default, before the next wave starts).
            assertThat(bytesPerExtraFrame(dir, policy, 100, 5)).isLessThan(1.0);
        } finally {
            policy.patterns().close();
        }
    }

    /**
     * Bytes allocated per frame of the second capture beyond the first, both replayed until compiled.
     *
     * @param droppedPerFlow packets dropped of each flow beyond the {@code streams} stream states (0: none dropped)
     */
    private static double bytesPerExtraFrame(Path dir, CompiledPolicy policy, int streams, int droppedPerFlow)
            throws Exception {
        ReplayOptions small = options(capture(dir, FLOWS), policy, streams);
        ReplayOptions large = options(capture(dir, 2 * FLOWS), policy, streams);
        for (int i = 0; i < WARM_UP_REPLAYS; i++) {
            allocated(small, FLOWS, streams, droppedPerFlow);
            allocated(large, 2 * FLOWS, streams, droppedPerFlow);
        }
        long extra =
                allocated(large, 2 * FLOWS, streams, droppedPerFlow) - allocated(small, FLOWS, streams, droppedPerFlow);
        return (double) extra / (FLOWS * 8);
    }

    /** This thread's allocation around {@code replayAll}, after checking what the replay counted. */
    private static long allocated(ReplayOptions options, int flows, int streams, int droppedPerFlow) throws Exception {
        try (Replay replay = Replay.open(options, NO_OUTPUT)) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            ReplaySummary summary = replay.replayAll();
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertThat(summary.frames()).isEqualTo(flows * 8L);
            assertThat(summary.droppedTotal()).isEqualTo(flowsBeyondStreams(flows, streams) * droppedPerFlow);
            return allocated;
        }
    }

    /** Flows of each of {@link SyntheticFlows}' waves beyond the stream states. */
    private static long flowsBeyondStreams(int flows, int streams) {
        long beyond = 0;
        for (int first = 0; first < flows; first += SyntheticFlows.WAVE_FLOWS) {
            beyond += Math.max(0, Math.min(SyntheticFlows.WAVE_FLOWS, flows - first) - streams);
        }
        return beyond;
    }

    private static ReplayOptions options(Path capture, CompiledPolicy policy, int streams) {
        FlowTableConfig d = FlowTableConfig.defaults();
        return new ReplayOptions(
                capture,
                policy,
                new FlowTableConfig(8192, d.tcpIdleTimeout(), d.otherIdleTimeout(), d.fragmentTimeout()),
                null,
                null,
                null,
                ReplayOptions.DEFAULT_ENDPOINT_ID,
                0,
                ReplayOptions.DEFAULT_MAX_DATAGRAM_BYTES,
                "gwlb-inspect",
                "replay",
                streams);
    }

    /** {@link SyntheticFlows} as an Ethernet pcap, 1 ms apart: TLS flows of 8 packets. */
    private static Path capture(Path dir, int flowCount) throws Exception {
        SyntheticFlows flows = new SyntheticFlows(flowCount, 4, 300);
        byte[] packet = new byte[flows.maxPacketBytes()];
        PcapFiles pcap = new PcapFiles(1);
        long micros = 1_700_000_000_000_000L;
        for (long n = 0; n < flows.packets(); n++) {
            int length = flows.write(n, packet);
            pcap.add(
                    micros + n * Duration.ofMillis(1).toNanos() / 1000,
                    PcapFiles.ethernet(0x0800, Arrays.copyOf(packet, length)));
        }
        return pcap.write(dir.resolve("synthetic-" + flowCount + ".pcap"));
    }
}
