package org.gwlbinspect.benchmarks.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.stream.StreamConfig;
import org.gwlbinspect.stream.StreamDataSink;
import org.gwlbinspect.stream.StreamEvent;
import org.gwlbinspect.stream.StreamEventCounters;
import org.gwlbinspect.stream.TcpStreamPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Per-segment cost of TCP stream reassembly on one worker, for 1448-byte segments (a 1500-byte MTU with timestamps)
 * of one long flow: {@code inOrder} delivers each segment from the packet and, every second segment, takes the
 * receiver's ACK (delayed ACK) from the other direction; {@code outOfOrderSwappedPairs} sends each pair of segments
 * second-first, so one of two is copied into the chunk pool and released by the other. {@code historyBytes} 0 turns off
 * the copy kept to compare retransmissions with. {@code baselineSink} is the detector callback alone over the same
 * bytes. Run with {@code -prof gc}: every method allocates 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class StreamReassemblyBenchmark {
    private static final int MSS = 1448;
    private static final int HEADROOM = 52; // IPv4 + TCP with timestamps: the payload's offset in the packet
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;
    private static final int SYN = 0x02;
    private static final long CLIENT_ISN = 0xFFF0_0000L; // wraps within the first seconds of the run
    private static final long SERVER_ISN = 7;

    @Param({"0", "16384"})
    int historyBytes;

    private final StreamEventCounters counters = new StreamEventCounters();
    private final ByteBuf packet = Unpooled.directBuffer(HEADROOM + MSS);
    private final ByteBuf empty = Unpooled.directBuffer(HEADROOM).writeZero(HEADROOM);
    private final CountingSink sink = new CountingSink();
    private TcpStreamPool pool;
    private int handle;
    private long seq; // next client sequence number
    private long segments;

    /** Stands in for the detector: touches one byte per range so the JIT cannot skip the call. */
    static final class CountingSink implements StreamDataSink {
        long bytes;
        int lastByte;

        @Override
        public void onStreamData(ByteBuf buffer, int offset, int length, long streamOffset) {
            bytes += length;
            lastByte = buffer.getByte(offset + length - 1);
        }
    }

    @Setup
    public void setUp() {
        byte[] payload = new byte[HEADROOM + MSS];
        new SplittableRandom(1).nextBytes(payload);
        packet.writeBytes(payload);
        pool = new TcpStreamPool(new StreamConfig(1024, 2048, 4096, 0, 64 * 1024, 32, 128 * 1024, historyBytes));
        handle = pool.acquire(counters);
        seq = CLIENT_ISN + 1;
        pool.accept(handle, 0, CLIENT_ISN, 0, SYN, empty, HEADROOM, 0, sink, counters);
        pool.accept(handle, 1, SERVER_ISN, seq, SYN | ACK, empty, HEADROOM, 0, sink, counters);
    }

    @Benchmark
    public int baselineSink() {
        sink.onStreamData(packet, HEADROOM, MSS, seq);
        seq += MSS;
        return sink.lastByte;
    }

    @Benchmark
    public StreamEvent inOrder() {
        StreamEvent event =
                pool.accept(handle, 0, seq, SERVER_ISN + 1, ACK | PSH, packet, HEADROOM, MSS, sink, counters);
        seq += MSS;
        if ((++segments & 1) == 0) acknowledge();
        return event;
    }

    @Benchmark
    @OperationsPerInvocation(2)
    public StreamEvent outOfOrderSwappedPairs() {
        StreamEvent later =
                pool.accept(handle, 0, seq + MSS, SERVER_ISN + 1, ACK | PSH, packet, HEADROOM, MSS, sink, counters);
        StreamEvent filler =
                pool.accept(handle, 0, seq, SERVER_ISN + 1, ACK | PSH, packet, HEADROOM, MSS, sink, counters);
        seq += 2 * MSS;
        acknowledge();
        return later == StreamEvent.OUT_OF_ORDER ? filler : later;
    }

    /** Fails the run if the measured path was not the normal one (a stop or an unsafe packet). */
    @TearDown
    public void checkStreamStayedHealthy() {
        if (!pool.direction(handle, 0).isInspecting()) throw new IllegalStateException("stream stopped");
        for (StreamEvent event : StreamEvent.values()) {
            if (event.effect().compareTo(StreamEvent.Effect.PACKET_UNSAFE) >= 0 && counters.count(event) > 0) {
                throw new IllegalStateException(event + " raised " + counters.count(event) + " times");
            }
        }
    }

    private void acknowledge() {
        pool.accept(handle, 1, SERVER_ISN + 1, seq, ACK, empty, HEADROOM, 0, sink, counters);
    }
}
