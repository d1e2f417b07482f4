package org.gwlbinspect.detect.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gwlbinspect.detect.match.Payloads.ascii;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CompiledPatternsTest {
    static final int PAYLOAD = 0;
    static final int TLS_SNI = 1;

    final Arena arena = Arena.ofConfined();
    final MatchScratch scratch = new MatchScratch(64);

    @AfterEach
    void tearDown() {
        scratch.close();
        arena.close();
    }

    /** The matches of the last scan as "id@start-end" (start -1 when unknown), in reporting order. */
    List<String> matches() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < scratch.matchCount(); i++)
            out.add(scratch.patternId(i) + "@" + scratch.startOffset(i) + "-" + scratch.endOffset(i));
        return out;
    }

    @Test
    void findsLiteralWithStartAndEndOffsets() throws Exception {
        try (CompiledPatterns patterns =
                new PatternSet().addLiteral(7, PAYLOAD, ascii("evil"), false).compile()) {
            MemorySegment payload = Payloads.of(arena, "GET /evil/x?evil=1");

            assertThat(patterns.scanBlock(PAYLOAD, payload, scratch)).isEqualTo(2);
            assertThat(matches()).containsExactly("7@5-9", "7@12-16");
        }
    }

    @Test
    void findsCaselessLiteralInAnyCaseButExactLiteralOnlyAsWritten() throws Exception {
        try (CompiledPatterns patterns = new PatternSet()
                .addLiteral(1, PAYLOAD, ascii("Example.COM"), true)
                .addLiteral(2, PAYLOAD, ascii("Example.COM"), false)
                .compile()) {
            patterns.scanBlock(PAYLOAD, Payloads.of(arena, "host: eXaMpLe.com"), scratch);
            assertThat(matches()).containsExactly("1@6-17");

            patterns.scanBlock(PAYLOAD, Payloads.of(arena, "host: Example.COM"), scratch);
            assertThat(matches()).containsExactlyInAnyOrder("1@6-17", "2@6-17");
        }
    }

    @Test
    void findsHexBytesIncludingNulAndRegexMetacharacters() throws Exception {
        byte[] literal = {0x00, (byte) 0xFF, '.', '*', '|', '\\', 'x'};
        try (CompiledPatterns patterns =
                new PatternSet().addLiteral(3, PAYLOAD, literal, true).compile()) {
            byte[] payload = {'a', 0x00, (byte) 0xFF, '.', '*', '|', '\\', 'X', 'b'};
            assertThat(patterns.scanBlock(PAYLOAD, Payloads.of(arena, payload), scratch))
                    .isEqualTo(1);
            assertThat(matches()).containsExactly("3@1-8");

            byte[] near = {'a', 0x00, (byte) 0xFF, 'z', '*', '|', '\\', 'x'};
            assertThat(patterns.scanBlock(PAYLOAD, Payloads.of(arena, near), scratch))
                    .isZero();
        }
    }

    @Test
    void appliesPcreFlagsCaselessDotallMultilineAndExtended() throws Exception {
        try (CompiledPatterns patterns = new PatternSet()
                .addPcre(1, PAYLOAD, "user-agent: curl", PcreFlag.parse("i"))
                .addPcre(2, PAYLOAD, "a.b", PcreFlag.parse("s"))
                .addPcre(3, PAYLOAD, "^second$", PcreFlag.parse("m"))
                .addPcre(4, PAYLOAD, "sec ond # a comment", PcreFlag.parse("x"))
                .addPcre(5, PAYLOAD, "a.b", Set.of())
                .addPcre(6, PAYLOAD, "^second$", Set.of())
                .compile()) {
            patterns.scanBlock(PAYLOAD, Payloads.of(arena, "User-Agent: CURL\na\nb\nsecond\nthird"), scratch);

            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < scratch.matchCount(); i++) ids.add(scratch.patternId(i));
            assertThat(ids).containsExactlyInAnyOrder(1, 2, 3, 4);
            assertThat(patterns.slowPatterns()).isEmpty();
        }
    }

    @Test
    void confirmsBackReferenceWithJdkRegexOnlyOnPrefilterHitsAndListsItAsSlow() throws Exception {
        try (CompiledPatterns patterns = new PatternSet()
                .addLiteral(1, PAYLOAD, ascii("zz"), false)
                .addPcre(2, PAYLOAD, "(a)\\1", Set.of())
                .addPcre(3, PAYLOAD, "foo(?!bar)", Set.of())
                .compile()) {
            assertThat(patterns.slowPatterns()).containsExactly(2, 3);

            patterns.scanBlock(PAYLOAD, Payloads.of(arena, "xxaaxx foobar"), scratch);
            assertThat(matches()).containsExactly("2@2-4");

            patterns.scanBlock(PAYLOAD, Payloads.of(arena, "xxabxx foobaz aa"), scratch);
            assertThat(matches()).containsExactlyInAnyOrder("2@14-16", "3@7-10");

            patterns.scanBlock(PAYLOAD, Payloads.of(arena, "a a foobar"), scratch);
            assertThat(matches()).isEmpty();
        }
    }

    @Test
    void rejectsInvalidPcreWithPatternIdAndHyperscanMessage() {
        PatternSet set =
                new PatternSet().addLiteral(1, PAYLOAD, ascii("fine"), false).addPcre(42, PAYLOAD, "[a-z", Set.of());

        assertThatThrownBy(set::compile)
                .isInstanceOfSatisfying(PatternCompileException.class, e -> {
                    assertThat(e.patternId()).isEqualTo(42);
                    assertThat(e.reason()).isEqualTo("Hyperscan: Unterminated character class starting at index 0.");
                })
                .hasMessage("pattern 42 pcre:\"/[a-z/\": Hyperscan: Unterminated character class starting at index 0.");
    }

    @Test
    void rejectsPcreMatchingEmptyBufferNamingThePatternInItsDatabase() {
        PatternSet set = new PatternSet()
                .addLiteral(1, TLS_SNI, ascii("fine"), false)
                .addLiteral(2, PAYLOAD, ascii("fine"), false)
                .addPcre(9, PAYLOAD, "a*", Set.of());

        assertThatThrownBy(set::compile).isInstanceOfSatisfying(PatternCompileException.class, e -> {
            assertThat(e.patternId()).isEqualTo(9);
            assertThat(e.reason())
                    .isEqualTo("Hyperscan (block mode): Pattern matches empty buffer;"
                            + " use HS_FLAG_ALLOWEMPTY to enable support.");
        });
    }

    @Test
    void rejectsPcreThatNeitherHyperscanNorJdkCompiles() {
        PatternSet set = new PatternSet().addPcre(5, PAYLOAD, "(a)\\g1", Set.of()); // PCRE's \g back-reference

        assertThatThrownBy(set::compile).isInstanceOfSatisfying(PatternCompileException.class, e -> {
            assertThat(e.patternId()).isEqualTo(5);
            assertThat(e.reason()).startsWith("Hyperscan: Back-references are unsupported.; java.util.regex: ");
        });
    }

    @Test
    void matchesOnlyThePatternsOfTheScannedBuffer() throws Exception {
        try (CompiledPatterns patterns = new PatternSet()
                .addLiteral(1, PAYLOAD, ascii("example"), false)
                .addLiteral(2, TLS_SNI, ascii("example"), false)
                .compile()) {
            MemorySegment sni = Payloads.of(arena, "www.example.com");

            patterns.scanBlock(TLS_SNI, sni, scratch);
            assertThat(matches()).containsExactly("2@4-11");
            assertThat(patterns.scanBlock(7, sni, scratch)).isZero();
            assertThat(patterns.hasPatterns(7)).isFalse();
        }
    }

    @Test
    void countsMatchesBeyondScratchCapacity() throws Exception {
        try (MatchScratch small = new MatchScratch(2);
                CompiledPatterns patterns = new PatternSet()
                        .addLiteral(1, PAYLOAD, ascii("a"), false)
                        .compile()) {
            assertThat(patterns.scanBlock(PAYLOAD, Payloads.of(arena, "aaaaa"), small))
                    .isEqualTo(2);
            assertThat(small.droppedMatches()).isEqualTo(3);
        }
    }

    @Test
    void reportsEachPatternOnceWhenAskedForFirstMatchOnly() throws Exception {
        try (CompiledPatterns patterns = new PatternSet()
                .addLiteral(1, PAYLOAD, ascii("a"), false)
                .reportFirstMatchOnly(true)
                .compile()) {
            patterns.scanBlock(PAYLOAD, Payloads.of(arena, "aaaaa"), scratch);
            assertThat(matches()).containsExactly("1@0-1");
        }
    }

    @Test
    void compilesAndMatchesTenThousandLiterals() throws Exception {
        PatternSet set = new PatternSet();
        for (int i = 0; i < 10_000; i++) set.addLiteral(i, PAYLOAD, ascii("domain" + i + ".example"), i % 2 == 0);
        try (CompiledPatterns patterns = set.compile()) {
            assertThat(patterns.patternCount()).isEqualTo(10_000);

            patterns.scanBlock(
                    PAYLOAD, Payloads.of(arena, "GET http://DOMAIN9998.example/ domain4321.example"), scratch);
            assertThat(matches()).containsExactly("9998@11-29", "4321@31-49");
        }
    }

    @Test
    void scanningAllocatesNothingOnTheHeap() throws Exception {
        try (CompiledPatterns patterns = new PatternSet()
                .addLiteral(1, PAYLOAD, ascii("evil"), true)
                .addPcre(2, PAYLOAD, "x[0-9]+y", Set.of())
                .compile()) {
            MemorySegment payload = Payloads.of(arena, "x123y EVIL " + "-".repeat(1400) + " evil");
            MatchStream stream = new MatchStream();
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long found = scanRepeatedly(patterns, payload, stream, 10_000); // warm-up: JIT and scratch preparation

            long before = threads.getCurrentThreadAllocatedBytes();
            found += scanRepeatedly(patterns, payload, stream, 10_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;

            assertThat(found).isEqualTo(20_000L * 6);
            assertThat(allocated).isLessThan(1024);
        }
    }

    private long scanRepeatedly(CompiledPatterns patterns, MemorySegment payload, MatchStream stream, int times) {
        long found = 0;
        for (int i = 0; i < times; i++) {
            found += patterns.scanBlock(PAYLOAD, payload.address(), (int) payload.byteSize(), scratch);
            stream.open(patterns, PAYLOAD);
            found += stream.scan(payload.address(), (int) payload.byteSize(), scratch);
            found -= stream.close(scratch);
        }
        return found;
    }

    @Test
    void listsLiteralsAndStreamMemoryOfEachBuffer() throws Exception {
        try (CompiledPatterns patterns =
                new PatternSet().addLiteral(1, PAYLOAD, ascii("abc"), false).compile()) {
            assertThat(patterns.streamSizeBytes(PAYLOAD)).isPositive().isLessThan(4096);
            assertThat(patterns.streamSizeBytes(TLS_SNI)).isZero();
            assertThat(patterns.databaseBytes()).isPositive();
        }
    }
}
