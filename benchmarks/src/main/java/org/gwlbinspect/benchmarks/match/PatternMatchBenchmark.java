package org.gwlbinspect.benchmarks.match;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.detect.match.CompiledPatterns;
import org.gwlbinspect.detect.match.MatchScratch;
import org.gwlbinspect.detect.match.MatchStream;
import org.gwlbinspect.detect.match.PatternCompileException;
import org.gwlbinspect.detect.match.PatternSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hyperscan matching of one 1500-byte payload (random lowercase text, in native memory) against {@code literals}
 * random literals of 6 to 16 bytes, half of them {@code nocase}, one of which is the payload's last 12 bytes: a block scan
 * ({@code scanBlock}), and a stream scan of the same bytes fed as three 500-byte segments of one long-lived flow
 * ({@code scanStreamThreeSegments}). Baselines over the same bytes in the same run: a byte loop counting one byte
 * value (memchr-like, {@code baselineCountByte}) and {@code Arrays.mismatch} against an equal copy, which the JDK
 * vectorises ({@code baselineMismatch}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class PatternMatchBenchmark {
    static final int PAYLOAD_BYTES = 1500;
    static final int SEGMENT_BYTES = 500;
    static final byte[] TEXT = randomLowercase(new SplittableRandom(7), PAYLOAD_BYTES);

    private final Arena arena = Arena.ofShared();
    private byte[] bytes;
    private byte[] copy;
    private MemorySegment payload;

    /** The compiled literal set and the worker state that scans with it. */
    @State(Scope.Thread)
    public static class Matcher {
        @Param({"10", "1000", "10000"})
        int literals;

        CompiledPatterns patterns;
        final MatchScratch scratch = new MatchScratch(256);
        final MatchStream stream = new MatchStream();

        @Setup(Level.Trial)
        public void compile() throws PatternCompileException {
            SplittableRandom random = new SplittableRandom(42);
            PatternSet set = new PatternSet();
            for (int i = 0; i < literals - 1; i++)
                set.addLiteral(i, 0, randomLowercase(random, 6 + random.nextInt(11)), i % 2 == 0);
            set.addLiteral(literals - 1, 0, Arrays.copyOfRange(TEXT, PAYLOAD_BYTES - 12, PAYLOAD_BYTES), false);
            patterns = set.compile();
            scratch.prepare(patterns);
            stream.open(patterns, 0);
        }

        @TearDown(Level.Trial)
        public void close() {
            stream.discard();
            scratch.close();
            patterns.close();
        }
    }

    @Setup(Level.Trial)
    public void fillPayload() {
        bytes = TEXT.clone();
        copy = bytes.clone();
        payload = arena.allocate(PAYLOAD_BYTES);
        MemorySegment.copy(bytes, 0, payload, ValueLayout.JAVA_BYTE, 0, PAYLOAD_BYTES);
    }

    @TearDown(Level.Trial)
    public void freePayload() {
        arena.close();
    }

    @Benchmark
    public int scanBlock(Matcher matcher) {
        return matcher.patterns.scanBlock(0, payload.address(), PAYLOAD_BYTES, matcher.scratch);
    }

    @Benchmark
    public int scanStreamThreeSegments(Matcher matcher) {
        long address = payload.address();
        int found = matcher.stream.scan(address, SEGMENT_BYTES, matcher.scratch);
        found += matcher.stream.scan(address + SEGMENT_BYTES, SEGMENT_BYTES, matcher.scratch);
        return found + matcher.stream.scan(address + 2 * SEGMENT_BYTES, SEGMENT_BYTES, matcher.scratch);
    }

    @Benchmark
    public int baselineCountByte() {
        int found = 0;
        for (byte b : bytes) if (b == 'q') found++;
        return found;
    }

    @Benchmark
    public int baselineMismatch() {
        return Arrays.mismatch(bytes, copy);
    }

    static byte[] randomLowercase(SplittableRandom random, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) out.append((char) ('a' + random.nextInt(26)));
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
