package org.gwlbinspect.benchmarks.replay;

import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.replay.CaptureReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;

/**
 * Reading a capture, per frame: {@code replay.CaptureReader} (the flyweight over the file, read a window at a time, that
 * replay uses)
 * against libpcap through pcap4j (the reader replay used before, the reference), over the same 100 000-frame synthetic
 * capture ({@link SyntheticCapture}: 10 000 TLS flows, 400-byte payloads, 54–514-byte frames). The baseline of
 * {@link ReplayThroughputBenchmark} in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CaptureReaderBenchmark {
    static final int FLOWS = 10_000;
    static final int PAYLOAD_BYTES = 400;
    static final int FRAMES = FLOWS * (4 + SyntheticCapture.DATA_PACKETS);

    private Path capture;

    @Setup
    public void writeCapture() throws Exception {
        capture = Files.createTempFile("synthetic", ".pcap");
        SyntheticCapture.write(capture, FLOWS, PAYLOAD_BYTES);
    }

    @TearDown
    public void deleteCapture() throws Exception {
        Files.deleteIfExists(capture);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long flyweightReader() throws Exception {
        long bytes = 0;
        try (CaptureReader reader = CaptureReader.open(capture)) {
            while (reader.next()) bytes += reader.frameLength() + reader.frameBytes()[reader.frameLength() - 1];
        }
        return check(bytes);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long pcap4jReader() throws Exception {
        long bytes = 0;
        PcapHandle handle = Pcaps.openOffline(capture.toString(), PcapHandle.TimestampPrecision.NANO);
        try {
            while (true) {
                byte[] frame;
                try {
                    frame = handle.getNextRawPacketEx();
                } catch (EOFException e) {
                    break;
                }
                // what the old reader also read per frame
                bytes += frame.length
                        + frame[frame.length - 1]
                        + handle.getTimestamp().getNanos() % 2
                        + handle.getOriginalLength() % 2;
            }
        } finally {
            handle.close();
        }
        return bytes;
    }

    private static long check(long bytes) {
        if (bytes == 0) throw new IllegalStateException("read nothing");
        return bytes;
    }
}
