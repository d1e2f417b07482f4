package org.gwlbinspect.benchmarks.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.stream.StreamConfig;
import org.gwlbinspect.stream.StreamEvent;
import org.gwlbinspect.stream.StreamEventCounters;
import org.gwlbinspect.stream.TcpStreamPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Per-segment cost of stream reassembly when many flows take turns, as in the replay's synthetic cleartext capture
 * ({@code SyntheticCapture ... http 96}): {@code flows} conversations, one segment of each in turn, each flow's
 * segments alternating client and server, {@code payloadBytes} each, every segment acknowledging all the peer sent.
 * Unlike {@link StreamReassemblyBenchmark} (one flow, everything in the cache), each segment finds its flow's state and
 * the chunk its history copy takes as the other flows left them: what it measures is where that copy lands in the
 * chunk pool. With the history kept (16 KiB, the appliance's default) and every segment acknowledged by the next one,
 * each flow holds one chunk at a time. Run with {@code -prof gc}: 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class StreamConversationBenchmark {
    private static final int HEADROOM = 40; // IPv4 + TCP without options
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;
    private static final int SYN = 0x02;

    @Param({"256", "4096"})
    int flows;

    @Param({"400"})
    int payloadBytes;

    private final StreamEventCounters counters = new StreamEventCounters();
    private final StreamReassemblyBenchmark.CountingSink sink = new StreamReassemblyBenchmark.CountingSink();
    private ByteBuf packet;
    private ByteBuf empty;
    private TcpStreamPool pool;
    private int[] handles;
    private long[] clientSeq; // next sequence number of each flow's client
    private long[] serverSeq;
    private int flow;
    private int direction;

    @Setup
    public void setUp() {
        byte[] payload = new byte[HEADROOM + payloadBytes];
        new SplittableRandom(1).nextBytes(payload);
        packet = Unpooled.directBuffer(payload.length).writeBytes(payload);
        empty = Unpooled.directBuffer(HEADROOM).writeZero(HEADROOM);
        // The appliance's default bounds, one chunk per flow and some to spare (each flow holds one at a time), no
        // depth limit: the flows run for the whole measurement without their inspection ending.
        StreamConfig d = StreamConfig.defaults();
        pool = new TcpStreamPool(new StreamConfig(
                flows,
                d.chunkSizeBytes(),
                flows + 64,
                0,
                d.maxBufferedBytes(),
                d.maxBufferedSegments(),
                d.windowBytes(),
                d.historyBytes()));
        handles = new int[flows];
        clientSeq = new long[flows];
        serverSeq = new long[flows];
        SplittableRandom random = new SplittableRandom(2);
        for (int f = 0; f < flows; f++) {
            handles[f] = pool.acquire(counters);
            long clientIsn = random.nextLong(1L << 32);
            long serverIsn = random.nextLong(1L << 32);
            pool.accept(handles[f], 0, clientIsn, 0, SYN, empty, HEADROOM, 0, sink, counters);
            pool.accept(handles[f], 1, serverIsn, clientIsn + 1, SYN | ACK, empty, HEADROOM, 0, sink, counters);
            clientSeq[f] = clientIsn + 1;
            serverSeq[f] = serverIsn + 1;
        }
    }

    /** One segment of the next flow in turn, acknowledging everything its peer sent. */
    @Benchmark
    public StreamEvent segment() {
        int f = flow;
        long[] sending = direction == 0 ? clientSeq : serverSeq;
        long[] receiving = direction == 0 ? serverSeq : clientSeq;
        StreamEvent event = pool.accept(
                handles[f],
                direction,
                sending[f],
                receiving[f],
                ACK | PSH,
                packet,
                HEADROOM,
                payloadBytes,
                sink,
                counters);
        sending[f] = (sending[f] + payloadBytes) & 0xFFFF_FFFFL;
        if (++flow == flows) {
            flow = 0;
            direction ^= 1;
        }
        return event;
    }

    /** Fails the run if a segment took another path than the normal one: every segment must raise nothing. */
    @TearDown
    public void checkStreamsStayedHealthy() {
        for (StreamEvent event : StreamEvent.values()) {
            if (event != StreamEvent.NONE && counters.count(event) > 0) {
                throw new IllegalStateException(event + " raised " + counters.count(event) + " times");
            }
        }
    }
}
