package org.gwlbinspect.benchmarks.replay;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.replay.Replay;
import org.gwlbinspect.appliance.replay.ReplayOptions;
import org.gwlbinspect.appliance.replay.ReplaySummary;
import org.gwlbinspect.detect.CompiledPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Offline {@code replay} of a whole capture, per frame: {@code Replay.replayAll} as {@code appliance.jar replay
 * CAPTURE --policy FILE} runs it without outputs (read, unwrap, encapsulate, the whole pipeline, the summary), on one
 * thread, over the same 100 000-frame synthetic capture as {@link CaptureReaderBenchmark} (its baseline: reading
 * alone). Each invocation replays the file once with a new pipeline, as the command does; every frame passes. The
 * pipeline is built before each invocation and not timed, as the command's packets/s does not time it (it allocates
 * the flow table and 160 MB of L7 parser and stream state, which {@code -prof gc} still counts: about 1.8 KB per frame
 * of this capture).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReplayThroughputBenchmark {
    private static final PrintStream NO_OUTPUT = new PrintStream(PrintStream.nullOutputStream());

    @Param({"none", "domains-100", "mixed-10000"})
    public String policy;

    private Path capture;
    private CompiledPolicy compiled;
    private ReplayOptions options;

    @Setup
    public void setUp() throws Exception {
        Quiet.logs();
        capture = Files.createTempFile("synthetic", ".pcap");
        SyntheticCapture.write(capture, CaptureReaderBenchmark.FLOWS, CaptureReaderBenchmark.PAYLOAD_BYTES);
        compiled = ReplayPipelineBenchmark.compile(policy);
        options = ReplayOptions.of(capture).withPolicy(compiled);
    }

    @TearDown
    public void tearDown() throws Exception {
        if (compiled != null) compiled.close();
        Files.deleteIfExists(capture);
    }

    private Replay replay;

    @Setup(Level.Invocation)
    public void openReplay() throws Exception {
        replay = Replay.open(options, NO_OUTPUT);
    }

    @TearDown(Level.Invocation)
    public void closeReplay() throws Exception {
        replay.close();
    }

    @Benchmark
    @OperationsPerInvocation(CaptureReaderBenchmark.FRAMES)
    public long replay() throws Exception {
        ReplaySummary summary = replay.replayAll();
        if (summary.passed() != CaptureReaderBenchmark.FRAMES)
            throw new IllegalStateException("passed " + summary.passed() + " of " + summary.frames() + ", dropped "
                    + summary.dropped() + ", skipped " + summary.skipped());
        return summary.passed();
    }
}
