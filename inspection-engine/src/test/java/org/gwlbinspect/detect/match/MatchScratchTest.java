package org.gwlbinspect.detect.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gwlbinspect.detect.match.Payloads.ascii;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class MatchScratchTest {

    @Test
    void growsScratchForASecondSnapshotAndStaysValidForTheFirst() throws Exception {
        PatternSet bigger = new PatternSet();
        for (int i = 0; i < 2_000; i++) bigger.addLiteral(i, 0, ascii("<needle" + i + ">"), false);
        bigger.addPcre(5_000, 0, "a[^b]{10,200}c", PcreFlag.parse("s"));
        try (Arena arena = Arena.ofConfined();
                MatchScratch scratch = new MatchScratch(8);
                CompiledPatterns small =
                        new PatternSet().addLiteral(1, 0, ascii("x"), false).compile();
                CompiledPatterns large = bigger.compile()) {
            assertThat(scratch.scratchBytes()).isZero();
            scratch.prepare(small);
            long smallBytes = scratch.scratchBytes();

            scratch.prepare(large);

            assertThat(scratch.scratchBytes()).isGreaterThan(smallBytes);
            MemorySegment payload = Payloads.of(arena, "x <needle1999> <needle0>");
            assertThat(large.scanBlock(0, payload, scratch)).isEqualTo(2);
            assertThat(small.scanBlock(0, payload, scratch)).isEqualTo(1);
        }
    }

    @Test
    void preparesItselfForASnapshotOnFirstScan() throws Exception {
        try (Arena arena = Arena.ofConfined();
                MatchScratch scratch = new MatchScratch(8);
                CompiledPatterns patterns =
                        new PatternSet().addLiteral(1, 0, ascii("x"), false).compile()) {
            assertThat(patterns.scanBlock(0, Payloads.of(arena, "x"), scratch)).isEqualTo(1);
            assertThat(scratch.scratchBytes()).isPositive();
        }
    }

    @Test
    void refusesAClosedSnapshot() throws Exception {
        CompiledPatterns patterns =
                new PatternSet().addLiteral(1, 0, ascii("x"), false).compile();
        patterns.close();
        try (MatchScratch scratch = new MatchScratch(8)) {
            assertThatThrownBy(() -> scratch.prepare(patterns)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void rejectsZeroCapacity() {
        assertThatThrownBy(() -> new MatchScratch(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
