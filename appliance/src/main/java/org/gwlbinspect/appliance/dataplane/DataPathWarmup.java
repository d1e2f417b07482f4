package org.gwlbinspect.appliance.dataplane;

import io.dropwizard.lifecycle.Managed;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.gwlbinspect.appliance.replay.CaptureFeed;
import org.gwlbinspect.appliance.replay.GwlbEncapsulator;
import org.gwlbinspect.appliance.replay.ReplayPipeline;
import org.gwlbinspect.appliance.replay.SyntheticFlows;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.stateful.StatefulConfig;
import org.gwlbinspect.stream.StreamConfig;
import org.gwlbinspect.verdict.Enforcement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs synthetic GWLB traffic through the inspection pipeline once at start-up, before the health check may pass: it
 * runs in {@link #start}, which the service calls before it starts the health monitor and serves the health port.
 *
 * <p>Why: for its first seconds a JVM runs the data path interpreted and then through successive JIT tiers, at half
 * speed or less with stalls of 10–140 ms; GWLB starts sending as soon as the target is healthy, so that traffic would
 * queue in the receive buffer and keep latency high long after. The same classes that decode, track and inspect a
 * worker's datagrams ({@link ReplayPipeline} wires them as a worker does) are run here on synthetic TLS conversations
 * ({@link SyntheticFlows}) under the policy the workers enforce, so the compiled code is in place when the first real
 * packet arrives. Its flow table, parser state and counters are its own and are dropped afterwards: nothing it does
 * shows in the workers' metrics, flow table or logs.
 *
 * <p>Bounded: it stops after {@code packets} packets or {@code timeout}, whichever comes first; a warm-up that fails
 * is logged and ends the warm-up, never the appliance (the data path is correct cold, only slower). The health check
 * then reports the data plane as it finds it.
 */
public final class DataPathWarmup implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(DataPathWarmup.class);

    /** Application-data packets per synthetic flow after its four set-up packets: flow set-up and established paths. */
    static final int DATA_PACKETS = 12;

    /** Per-packet payload: a full-sized segment, so the stream and payload scanners see realistic work. */
    static final int PAYLOAD_BYTES = 1200;

    /** The warm-up's own flow table: large enough that its flows are not evicted, small enough to cost a few MiB. */
    static final int FLOW_CAPACITY = 1 << 14;

    /**
     * Flows in progress at once (set up together, then their packets in turn). Each holds an L7 parser set from its
     * ClientHello to the server's hello, so the warm-up needs only this many sets (8 MiB) next to the workers' own
     * (about 180 MiB): it must fit in the heap the appliance already sized for itself.
     */
    static final int CONCURRENT_FLOWS = 64;

    /** Heap the warm-up's own state takes (about 20 MiB: flow table, streams, parsers) with a margin. */
    static final long HEAP_NEEDED_BYTES = 64L << 20;

    /** Synthetic clock step between packets (10 µs): flows stay well inside their idle timeouts. */
    private static final long PACKET_SPACING_NANOS = 10_000;

    private final Supplier<CompiledPolicy> policy;
    private final long packets;
    private final Duration timeout;
    private final int maxDatagramBytes;
    private final LongSupplier nanoClock;
    private final LongSupplier freeHeapBytes;
    private final Enforcement enforcement;
    private volatile long done;
    private boolean finished;

    /**
     * @param policy the policy the workers enforce when the warm-up starts (null inside: pass-through)
     * @param packets how many packets to inspect; 0 turns the warm-up off
     * @param timeout the longest the warm-up may delay the health check
     */
    public DataPathWarmup(
            Supplier<CompiledPolicy> policy,
            long packets,
            Duration timeout,
            int maxDatagramBytes,
            LongSupplier nanoClock) {
        this(policy, Enforcement.ENFORCE, packets, timeout, maxDatagramBytes, nanoClock);
    }

    /** @param enforcement the mode the workers run in, so the warm-up compiles the same verdict paths */
    public DataPathWarmup(
            Supplier<CompiledPolicy> policy,
            Enforcement enforcement,
            long packets,
            Duration timeout,
            int maxDatagramBytes,
            LongSupplier nanoClock) {
        this(policy, enforcement, packets, timeout, maxDatagramBytes, nanoClock, DataPathWarmup::freeHeapBytes);
    }

    DataPathWarmup(
            Supplier<CompiledPolicy> policy,
            Enforcement enforcement,
            long packets,
            Duration timeout,
            int maxDatagramBytes,
            LongSupplier nanoClock,
            LongSupplier freeHeapBytes) {
        if (packets < 0) throw new IllegalArgumentException("warm-up packets must not be negative, got " + packets);
        this.policy = policy;
        this.packets = packets;
        this.timeout = timeout;
        this.maxDatagramBytes = maxDatagramBytes;
        this.nanoClock = nanoClock;
        this.freeHeapBytes = freeHeapBytes;
        this.enforcement = enforcement;
        this.finished = packets == 0;
    }

    /** Runs the warm-up on the calling thread (the service's start-up), for at most the timeout. */
    @Override
    public void start() {
        if (!finished) runSafely();
    }

    /** Packets inspected so far (the appliance_warmup_packets gauge). */
    public long packetsDone() {
        return done;
    }

    private void runSafely() {
        long free = freeHeapBytes.getAsLong();
        if (free < HEAP_NEEDED_BYTES) {
            // The systemd unit exits on OutOfMemoryError: a warm-up must never be what runs the heap out.
            LOG.warn(
                    "data path warm-up skipped: {} MiB of heap free, it needs {} MiB; the data path starts cold",
                    free >> 20,
                    HEAP_NEEDED_BYTES >> 20);
            finished = true;
            return;
        }
        long started = nanoClock.getAsLong();
        try {
            boolean complete = run(started + timeout.toNanos());
            long millis = (nanoClock.getAsLong() - started) / 1_000_000;
            if (complete) LOG.info("data path warmed up: {} synthetic packets in {} ms", done, millis);
            else
                LOG.warn(
                        "data path warm-up cut short after {} ms ({} of {} packets): health.warmUpTimeout reached",
                        millis,
                        done,
                        packets);
        } catch (RuntimeException | Error e) {
            // The data path works cold; a broken warm-up must not keep the target unhealthy or stop the appliance.
            LOG.error("data path warm-up failed after {} packets; going on without it", done, e);
        } finally {
            finished = true;
        }
    }

    /** Inspects the synthetic packets; false when the deadline came first. */
    private boolean run(long deadlineNanos) {
        int perFlow = SyntheticFlows.SETUP_PACKETS + DATA_PACKETS;
        int waves =
                (int) Math.max(1, Math.min(FLOW_CAPACITY / 2 / CONCURRENT_FLOWS, packets / perFlow / CONCURRENT_FLOWS));
        SyntheticFlows flows = new SyntheticFlows(waves * CONCURRENT_FLOWS, DATA_PACKETS, PAYLOAD_BYTES);
        long wavePackets = (long) CONCURRENT_FLOWS * perFlow;
        GwlbEncapsulator encapsulator = new GwlbEncapsulator(0x7761726d, 0x7570); // ids no real endpoint uses
        byte[] packet = new byte[flows.maxPacketBytes()];
        ByteBuf datagram = PooledByteBufAllocator.DEFAULT.directBuffer(maxDatagramBytes, maxDatagramBytes);
        FlowTableConfig table = new FlowTableConfig(
                FLOW_CAPACITY, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        long clock = System.currentTimeMillis() * 1_000_000L;
        try (ReplayPipeline pipeline =
                new ReplayPipeline(policy.get(), table, stateful(), null, maxDatagramBytes, enforcement)) {
            long n = 0;
            while (n < packets) {
                if (nanoClock.getAsLong() - deadlineNanos > 0) return false;
                // Wave by wave: packet k of each of the wave's flows, then k + 1. The flows are replayed again from
                // the start when more packets are asked for than they hold: those repeat old sequence numbers, which
                // the established path and the reassembler handle.
                long r = n % flows.packets();
                long inWave = r % wavePackets;
                int flow = (int) (r / wavePackets) * CONCURRENT_FLOWS + (int) (inWave % CONCURRENT_FLOWS);
                int length = flows.write(flow, (int) (inWave / CONCURRENT_FLOWS), packet);
                datagram.clear();
                encapsulator.encapsulate(packet, 0, length, 4, datagram);
                pipeline.inspect(
                        datagram,
                        0,
                        datagram.writerIndex(),
                        CaptureFeed.GWLB_ADDRESS,
                        encapsulator.sourcePort(),
                        CaptureFeed.APPLIANCE_ADDRESS,
                        clock + n * PACKET_SPACING_NANOS);
                done = ++n;
            }
            return true;
        } finally {
            datagram.release();
        }
    }

    private static long freeHeapBytes() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
    }

    /** The workers' stream bounds with room for {@link #CONCURRENT_FLOWS} flows' parsers and names. */
    private static StatefulConfig stateful() {
        StreamConfig d = StatefulConfig.defaults().stream();
        StreamConfig stream = new StreamConfig(
                FLOW_CAPACITY / 8,
                d.chunkSizeBytes(),
                FLOW_CAPACITY / 8,
                d.depthBytes(),
                d.maxBufferedBytes(),
                d.maxBufferedSegments(),
                d.windowBytes(),
                d.historyBytes());
        return new StatefulConfig(stream, CONCURRENT_FLOWS, CONCURRENT_FLOWS * 4);
    }

    @Override
    public void stop() {}
}
