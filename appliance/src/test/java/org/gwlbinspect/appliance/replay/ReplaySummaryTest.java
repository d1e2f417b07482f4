package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.Test;

class ReplaySummaryTest {
    private static final long[] NO_SIDS = new long[0];

    @Test
    void countsEveryVerdictDropReasonSkipAndSidAndPrintsThemSorted() {
        ReplaySummary summary = new ReplaySummary("x.pcap");
        for (int i = 0; i < 1000; i++) summary.verdict(Verdict.DROP, DropReason.POLICY_DROP, NO_SIDS, 0);
        summary.verdict(Verdict.DROP, DropReason.of(DecodeStatus.GENEVE_BAD_VERSION), NO_SIDS, 0);
        summary.verdict(Verdict.PASS, null, new long[] {7, -2}, 2);
        summary.verdict(Verdict.REJECT, null, new long[] {7}, 1);
        summary.skipped(CaptureFeed.FRAME_TRUNCATED);
        summary.skipped(CaptureFeed.FRAME_TRUNCATED);
        summary.skipped("not_ip");

        assertThat(summary.dropped()).isEqualTo(Map.of("policy_drop", 1000L, "geneve_bad_version", 1L));
        assertThat(summary.droppedTotal()).isEqualTo(1001);
        assertThat(summary.skipped()).isEqualTo(Map.of("frame_truncated", 2L, "not_ip", 1L));
        assertThat(summary.skippedTotal()).isEqualTo(3);
        assertThat(summary.alertsBySid()).isEqualTo(Map.of(-2L, 1L, 7L, 2L));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        summary.print(new PrintStream(out, true, StandardCharsets.UTF_8), "p.rules");
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("  dropped   1001 (geneve_bad_version: 1, policy_drop: 1000)\n")
                .contains("  skipped   3 (frame_truncated: 2, not_ip: 1)\n")
                .contains("  alerts    0 (sid -2: 1, sid 7: 2)\n");
    }

    @Test
    void printsTheLoopsCpuTimePerPacketOnlyWhenMeasured() {
        ReplaySummary summary = new ReplaySummary("x.pcap");
        for (int i = 0; i < 4; i++) {
            summary.frame(i);
            summary.verdict(Verdict.PASS, null, NO_SIDS, 0);
        }
        ByteArrayOutputStream unmeasured = new ByteArrayOutputStream();
        summary.print(new PrintStream(unmeasured, true, StandardCharsets.UTF_8), "no policy");
        assertThat(summary.cpuNanosPerPacket()).isEqualTo(-1);
        assertThat(unmeasured.toString(StandardCharsets.UTF_8)).doesNotContain("cpu");

        summary.cpu(1_500_000_006L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        summary.print(new PrintStream(out, true, StandardCharsets.UTF_8), "no policy");
        assertThat(summary.cpuNanosPerPacket()).isEqualTo(375_000_001.5);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("\n  cpu       1.500 s of the replay thread, 375000002 ns per packet\n  passed    4\n");
    }

    @Test
    void sidCountsAgreeWithAMapThroughGrowth() {
        SplittableRandom random = new SplittableRandom(6);
        ReplaySummary.SidCounts counts = new ReplaySummary.SidCounts();
        Map<Long, Long> expected = new TreeMap<>();
        for (int i = 0; i < 200_000; i++) {
            // Mostly a few hot sids, some spread over a wide range (both signs: default actions are negated sids).
            long sid = random.nextInt(4) == 0 ? random.nextLong(-1_000_000, 1_000_000) : random.nextInt(20);
            counts.increment(sid);
            expected.merge(sid, 1L, Long::sum);
        }
        assertThat(counts.toMap()).isEqualTo(expected);
    }
}
