package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The stateful stage's inspection-time histogram is measured on a sample of the inspected packets (two clock reads
 * per packet were a few per cent of the stage), each sample standing for {@link StatefulInspector#TIMING_SAMPLE}
 * packets, while the inspected count stays exact.
 */
class InspectionTimingTest {
    private static final int SAMPLE = StatefulInspector.TIMING_SAMPLE;
    private static final byte[] QUERY = "no rule matches this".getBytes(StandardCharsets.US_ASCII);

    private final StatefulHarness h = new StatefulHarness(StatefulHarness.SMALL)
            .use(StatefulHarness.compile("timing.rules", "alert udp any any -> any any (content:\"zzz\"; sid:1;)\n"));

    @Test
    void everyInspectedPacketIsCountedAndOneInTheSampleIsTimedForAllOfIt() {
        for (int i = 1; i < SAMPLE; i++)
            assertThat(h.udpToServer(40_000, 9_999, QUERY)).isEqualTo(Verdict.PASS);
        assertThat(h.counters.inspectedPackets()).isEqualTo(SAMPLE - 1);
        assertThat(timedPackets()).isZero();
        assertThat(h.counters.inspectionNanos()).isZero();

        h.udpToServer(40_000, 9_999, QUERY); // the SAMPLE-th: timed, for itself and the SAMPLE - 1 before it
        assertThat(h.counters.inspectedPackets()).isEqualTo(SAMPLE);
        assertThat(timedPackets()).isEqualTo(SAMPLE);
        long oneSample = h.counters.inspectionNanos();
        assertThat(oneSample).isPositive().isEqualTo(oneSample / SAMPLE * SAMPLE);

        int total = 5 * SAMPLE + 3;
        for (int i = SAMPLE; i < total; i++) h.udpToServer(40_001 + i % 7, 9_999, QUERY);
        assertThat(h.counters.inspectedPackets()).isEqualTo(total);
        assertThat(timedPackets()).isEqualTo(5 * SAMPLE);
        assertThat(h.counters.inspectionNanos())
                .isGreaterThan(oneSample)
                .isEqualTo(h.counters.inspectionNanos() / SAMPLE * SAMPLE);
    }

    /** The packets the histogram holds: its top bucket's cumulative count. */
    private long timedPackets() {
        return h.counters.inspectedWithin(StatefulCounters.TIME_BUCKET_COUNT - 1);
    }
}
