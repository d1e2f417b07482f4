package org.gwlbinspect.appliance.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.gwlbinspect.appliance.replay.ReplayOptions;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.verdict.Enforcement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataPathWarmupTest {
    private static final int MAX_DATAGRAM = ReplayOptions.DEFAULT_MAX_DATAGRAM_BYTES;
    private static final Duration GENEROUS = Duration.ofSeconds(60);

    @Test
    void runsEveryPacketThroughThePolicyOnceBeforeStartReturns(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(
                dir.resolve("mixed.rules"),
                "drop tls any any -> any any (tls.sni; content:\"host-7.example.net\"; endswith; sid:1;)\n"
                        + "alert tcp any any -> any 443 (content:\"never-in-synthetic-payloads\"; sid:2;)\n");
        CompiledPolicy policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(rules);
        try {
            DataPathWarmup warmup = new DataPathWarmup(() -> policy, 5_000, GENEROUS, MAX_DATAGRAM, System::nanoTime);
            warmup.start(); // returns once done
            assertThat(warmup.packetsDone()).isEqualTo(5_000);
            warmup.start(); // once only
            assertThat(warmup.packetsDone()).isEqualTo(5_000);
            // In monitor mode the same packets take the would-drop paths (the host-7 flow's ClientHello, say).
            DataPathWarmup monitor = new DataPathWarmup(
                    () -> policy, Enforcement.MONITOR, 5_000, GENEROUS, MAX_DATAGRAM, System::nanoTime);
            monitor.start();
            assertThat(monitor.packetsDone()).isEqualTo(5_000);
        } finally {
            policy.patterns().close();
        }
    }

    @Test
    void moreThanTheFlowsHoldReplaysThemAgainWithoutFailing() {
        long packets = DataPathWarmup.FLOW_CAPACITY / 2L * (4 + DataPathWarmup.DATA_PACKETS) + 1_000;
        DataPathWarmup warmup = new DataPathWarmup(() -> null, packets, GENEROUS, MAX_DATAGRAM, System::nanoTime);
        warmup.start();
        assertThat(warmup.packetsDone()).isEqualTo(packets);
    }

    @Test
    void zeroPacketsTurnsItOff() {
        AtomicLong clockReads = new AtomicLong();
        DataPathWarmup warmup = new DataPathWarmup(() -> null, 0, GENEROUS, MAX_DATAGRAM, clockReads::incrementAndGet);
        warmup.start();
        assertThat(warmup.packetsDone()).isZero();
        assertThat(clockReads).hasValue(0);
    }

    @Test
    void theTimeoutCutsItShort() {
        // Every reading of this clock is 1 ms later: the 50 ms budget runs out after about 50 packets.
        AtomicLong clock = new AtomicLong();
        DataPathWarmup warmup = new DataPathWarmup(
                () -> null, 1_000_000, Duration.ofMillis(50), MAX_DATAGRAM, () -> clock.addAndGet(1_000_000));
        warmup.start();
        assertThat(warmup.packetsDone()).isBetween(40L, 60L);
    }

    @Test
    void aFailingWarmUpIsLoggedAndNeverStopsTheAppliance() {
        DataPathWarmup warmup = new DataPathWarmup(
                () -> {
                    throw new IllegalStateException("policy gone");
                },
                10_000,
                GENEROUS,
                MAX_DATAGRAM,
                System::nanoTime);
        warmup.start(); // does not throw
        assertThat(warmup.packetsDone()).isZero();
    }

    @Test
    void tooLittleFreeHeapSkipsItRatherThanRiskAnOutOfMemoryExit() {
        AtomicLong clockReads = new AtomicLong();
        DataPathWarmup warmup = new DataPathWarmup(
                () -> null,
                Enforcement.ENFORCE,
                10_000,
                GENEROUS,
                MAX_DATAGRAM,
                clockReads::incrementAndGet,
                () -> DataPathWarmup.HEAP_NEEDED_BYTES - 1);
        warmup.start();
        assertThat(warmup.packetsDone()).isZero();
        assertThat(clockReads).hasValue(0);
    }

    @Test
    void negativePacketCountsAreRejected() {
        assertThatThrownBy(() -> new DataPathWarmup(() -> null, -1, GENEROUS, MAX_DATAGRAM, System::nanoTime))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("warm-up packets must not be negative, got -1");
    }
}
