package org.gwlbinspect.detect.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gwlbinspect.detect.match.Payloads.ascii;

import java.lang.foreign.Arena;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MatchStreamTest {
    static final int STREAM = 0;

    final Arena arena = Arena.ofConfined();
    final MatchScratch scratch = new MatchScratch(16);

    @AfterEach
    void tearDown() {
        scratch.close();
        arena.close();
    }

    @Test
    void findsLiteralSplitAcrossThreeSegmentsWithStreamOffsets() throws Exception {
        try (CompiledPatterns patterns = new PatternSet()
                .addLiteral(11, STREAM, ascii("malware.exe"), true)
                .compile()) {
            MatchStream stream = new MatchStream();
            assertThat(stream.open(patterns, STREAM)).isTrue();

            assertThat(stream.scan(Payloads.of(arena, "GET /MAL"), scratch)).isZero();
            assertThat(stream.scan(Payloads.of(arena, "WARE"), scratch)).isZero();
            assertThat(stream.scan(Payloads.of(arena, ".exe HTTP/1.1"), scratch))
                    .isEqualTo(1);

            assertThat(scratch.patternId(0)).isEqualTo(11);
            assertThat(scratch.startOffset(0)).isEqualTo(5);
            assertThat(scratch.endOffset(0)).isEqualTo(16);
            assertThat(stream.close(scratch)).isZero();
            assertThat(stream.isOpen()).isFalse();
        }
    }

    @Test
    void reportsEndAnchoredMatchWhenTheFlowEnds() throws Exception {
        try (CompiledPatterns patterns =
                new PatternSet().addPcre(4, STREAM, "bye$", Set.of()).compile()) {
            MatchStream stream = new MatchStream();
            stream.open(patterns, STREAM);

            assertThat(stream.scan(Payloads.of(arena, "good"), scratch)).isZero();
            assertThat(stream.scan(Payloads.of(arena, "bye"), scratch)).isZero();
            assertThat(stream.close(scratch)).isEqualTo(1);
            assertThat(scratch.endOffset(0)).isEqualTo(7);
        }
    }

    @Test
    void reportsSlowPatternPrefilterHitAsUnconfirmedInStreamMode() throws Exception {
        try (CompiledPatterns patterns =
                new PatternSet().addPcre(8, STREAM, "(ab)\\1", Set.of()).compile()) {
            MatchStream stream = new MatchStream();
            stream.open(patterns, STREAM);

            stream.scan(Payloads.of(arena, "xxa"), scratch);
            assertThat(stream.scan(Payloads.of(arena, "bab"), scratch)).isEqualTo(1);

            assertThat(scratch.patternId(0)).isEqualTo(8);
            assertThat(scratch.unconfirmed(0)).isTrue();
            assertThat(patterns.confirmationPattern(8).matcher("xxabab").find()).isTrue();
            stream.discard();
        }
    }

    @Test
    void findsNothingOnBufferWithoutPatternsOrAfterDiscard() throws Exception {
        try (CompiledPatterns patterns =
                new PatternSet().addLiteral(1, STREAM, ascii("x"), false).compile()) {
            MatchStream stream = new MatchStream();
            assertThat(stream.open(patterns, 3)).isFalse();
            assertThat(stream.scan(Payloads.of(arena, "xxx"), scratch)).isZero();

            stream.open(patterns, STREAM);
            stream.discard();
            assertThat(stream.isOpen()).isFalse();
            assertThat(stream.scan(Payloads.of(arena, "xxx"), scratch)).isZero();
            assertThat(stream.close(scratch)).isZero();
        }
    }

    @Test
    void refusesToOpenAnOpenStream() throws Exception {
        try (CompiledPatterns patterns =
                new PatternSet().addLiteral(1, STREAM, ascii("x"), false).compile()) {
            MatchStream stream = new MatchStream();
            stream.open(patterns, STREAM);

            assertThatThrownBy(() -> stream.open(patterns, STREAM)).isInstanceOf(IllegalStateException.class);
            stream.discard();
        }
    }

    @Test
    void keepsScanningOnTheSnapshotItWasOpenedOnAfterANewOneIsInstalled() throws Exception {
        try (CompiledPatterns old = new PatternSet()
                        .addLiteral(1, STREAM, ascii("oldword"), false)
                        .compile();
                CompiledPatterns next = new PatternSet()
                        .addLiteral(2, STREAM, ascii("newword"), false)
                        .compile()) {
            MatchStream established = new MatchStream();
            established.open(old, STREAM);
            established.scan(Payloads.of(arena, "old"), scratch);

            scratch.prepare(next);
            MatchStream fresh = new MatchStream();
            fresh.open(next, STREAM);

            assertThat(established.scan(Payloads.of(arena, "word newword"), scratch))
                    .isEqualTo(1);
            assertThat(scratch.patternId(0)).isEqualTo(1);
            assertThat(fresh.scan(Payloads.of(arena, "oldword newword"), scratch))
                    .isEqualTo(1);
            assertThat(scratch.patternId(0)).isEqualTo(2);
            assertThat(established.snapshot()).isSameAs(old);
            established.close(scratch);
            fresh.close(scratch);
        }
    }
}
