package org.gwlbinspect.appliance.replay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.gwlbinspect.appliance.egress.NativeCallException;
import org.gwlbinspect.appliance.egress.RawSocketSender;
import org.gwlbinspect.buffer.ByteBufs;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.gwlbinspect.verdict.Verdict;

/**
 * Sends a capture's packets, wrapped in GWLB's GENEVE header, to a running appliance at a given rate, as GWLB would:
 * from the source address's per-flow UDP ports (a raw socket, so it needs root or {@code CAP_NET_RAW}, as the
 * appliance does), and receives what the appliance returns on {@code source:6081} (gwlb.md §2.1).
 *
 * <p>Each datagram is also inspected by a local {@link ReplayPipeline} with the same policy: a packet it passes is
 * expected back byte for byte; one that does not come back is lost. Returned datagrams are matched by their bytes:
 * those that match a sent one are returned, TCP resets that match none are the appliance's REJECT replies, and the
 * rest are mismatched (bytes the appliance changed).
 */
public final class TargetReplay {
    /** GWLB's replies go to port 6081 of the address it sent from (gwlb.md §0 item 4). */
    static final int REPLY_PORT = GeneveHeader.PORT;

    private static final int BATCH = 32;
    private static final int RECEIVE_BUFFER_BYTES = 8 << 20;
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long LOOP_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * @param replay the capture (null for synthetic flows only), the policy of the local pipeline and the
     *     encapsulation (its outputs are not used)
     * @param target the appliance's GENEVE address and port
     * @param sourceAddress the IPv4 address to send from and receive replies on (playing GWLB's node)
     * @param packetsPerSecond the send rate; 0 = as fast as possible
     * @param loops how many times the capture (and the synthetic flows) are sent
     * @param replyWait how long to wait for replies after the last packet
     * @param syntheticFlows how many {@link SyntheticFlows} to send after the capture in each loop; 0 = none
     * @param syntheticPayloadBytes the payload of their data packets
     * @param metrics the appliance's Prometheus endpoint, read before and after for its CPU time; null = not read
     */
    public record Options(
            ReplayOptions replay,
            InetSocketAddress target,
            Inet4Address sourceAddress,
            long packetsPerSecond,
            int loops,
            Duration replyWait,
            int syntheticFlows,
            int syntheticPayloadBytes,
            URI metrics) {

        /** The capture only, no metrics. */
        public Options(
                ReplayOptions replay,
                InetSocketAddress target,
                Inet4Address sourceAddress,
                long packetsPerSecond,
                int loops,
                Duration replyWait) {
            this(replay, target, sourceAddress, packetsPerSecond, loops, replyWait, 0, DEFAULT_PAYLOAD_BYTES, null);
        }

        public Options {
            if (replay.capture() == null && syntheticFlows <= 0)
                throw new IllegalArgumentException("nothing to send: give a capture or synthetic flows");
        }
    }

    /** Data packets per synthetic flow, after its handshake and ClientHello. */
    static final int SYNTHETIC_DATA_PACKETS = 6;

    /** The synthetic data packets' payload unless one is given. */
    public static final int DEFAULT_PAYLOAD_BYTES = 400;

    /** Capture time between synthetic packets, for the local pipeline's clock. */
    private static final long SYNTHETIC_SPACING_NANOS = 10_000;

    private final Options options;
    private final PrintStream progress;
    private final boolean sameLineProgress;
    private final PayloadTally expectedBack = new PayloadTally();
    private final PayloadTally expectedDropped = new PayloadTally();
    private final AtomicLong returned = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong mismatched = new AtomicLong();
    private final LatencyHistogram latency = new LatencyHistogram(); // written by the receiver thread only
    private volatile long lastReturnedNanos;
    private long sent;
    private long expected;
    private long total;
    private long lastProgressNanos;
    private long sendErrors;

    // The send loop's state (the main thread's).
    private RawSocketSender sender;
    private ReplayPipeline local;
    private ByteBuf[] slots;
    private final long[] pendingHash = new long[BATCH];
    private final boolean[] pendingPass = new boolean[BATCH];
    private final byte[] scratch = new byte[Replay.DATAGRAM_CAPACITY];
    private int sourceAddress;
    private int targetAddress;
    private int targetPort;
    private long started;
    private long lastSent;
    private long localClock = Long.MIN_VALUE;

    private TargetReplay(Options options, PrintStream progress, boolean sameLineProgress) {
        this.options = options;
        this.progress = progress;
        this.sameLineProgress = sameLineProgress;
    }

    /**
     * Sends the capture and waits for the replies.
     *
     * @param progress where a progress line goes every second
     * @param sameLineProgress rewrite the progress line in place (a terminal) instead of one line per second
     */
    public static TargetSummary run(Options options, PrintStream progress, boolean sameLineProgress)
            throws CaptureException, IOException {
        return new TargetReplay(options, progress, sameLineProgress).run();
    }

    private TargetSummary run() throws CaptureException, IOException {
        ReplayOptions replay = options.replay();
        SyntheticFlows synthetic = options.syntheticFlows() > 0
                ? new SyntheticFlows(options.syntheticFlows(), SYNTHETIC_DATA_PACKETS, options.syntheticPayloadBytes())
                : null;
        total = (countFrames() + (synthetic == null ? 0 : synthetic.packets())) * options.loops();
        try {
            sender = new RawSocketSender(BATCH, 64);
        } catch (NativeCallException e) {
            throw new IOException(
                    "cannot open a raw socket to send as GWLB (needs root or CAP_NET_RAW): " + e.getMessage(), e);
        }
        slots = new ByteBuf[BATCH];
        for (int i = 0; i < BATCH; i++) slots[i] = Replay.datagramBuffer(Replay.DATAGRAM_CAPACITY);
        sourceAddress = address(options.sourceAddress());
        targetAddress = address((Inet4Address) options.target().getAddress());
        targetPort = options.target().getPort();
        DatagramChannel replies = null;
        Thread receiver = null;
        // Built before the clock starts: compiling the policy's evaluator takes a while and would skew the pacing. With
        // the appliance's stream bound (not --streams): it predicts what the appliance, which has that bound, returns.
        local = new ReplayPipeline(replay.policy(), replay.flows(), null, replay.maxDatagramBytes());
        double cpuBefore = Double.NaN;
        double cpuAfter = Double.NaN;
        started = System.nanoTime();
        lastSent = started;
        try {
            if (options.metrics() != null) cpuBefore = ProcessCpuScrape.cpuSeconds(options.metrics());
            DatagramChannel channel = openReplyChannel();
            replies = channel;
            receiver = Thread.ofPlatform().name("replay-replies").daemon(true).start(() -> receive(channel));
            started = System.nanoTime();
            lastProgressNanos = started;
            for (int loop = 0; loop < options.loops(); loop++) {
                if (replay.capture() != null) sendCapture(loop);
                if (synthetic != null) sendSynthetic(synthetic, loop);
            }
            // Wait for the stragglers: until everything expected is back or the wait is over; then a little longer for
            // resets and mismatched replies, which nothing tells to expect.
            long deadline = System.nanoTime() + options.replyWait().toNanos();
            while (expectedBack.outstanding() > 0 && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            long grace = Math.min(options.replyWait().toNanos(), TimeUnit.MILLISECONDS.toNanos(100));
            if (grace > 0) LockSupport.parkNanos(grace);
            // The appliance's CPU time now covers every packet it handled; its scrape costs the same before and after.
            if (options.metrics() != null) cpuAfter = ProcessCpuScrape.cpuSeconds(options.metrics());
        } finally {
            local.close();
            if (replies != null) replies.close();
            if (receiver != null) {
                try {
                    receiver.join(TimeUnit.SECONDS.toMillis(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            sendErrors = sender.sendErrors();
            sender.close();
            for (ByteBuf slot : slots) slot.release();
        }
        reportProgress(System.nanoTime(), started, true);
        long lastReturned = lastReturnedNanos;
        return new TargetSummary(
                sent,
                sendErrors,
                expected,
                returned.get(),
                expectedBack.outstanding(),
                unexpected.get(),
                resets.get(),
                mismatched.get(),
                lastSent - started,
                returned.get() == 0 ? 0 : lastReturned - started,
                new TargetSummary.Latency(
                        latency.count(),
                        latency.valueAt(0.5),
                        latency.valueAt(0.99),
                        latency.valueAt(0.999),
                        latency.max()),
                cpuAfter - cpuBefore);
    }

    /**
     * Sends the capture once as loop {@code loop}: GWLB endpoint {@code endpointId + loop}, so its flows are new to
     * the appliance (the flow key holds the endpoint), as a load test wants. The local pipeline's clock goes on from
     * the previous pass, one second later.
     */
    private void sendCapture(int loop) throws CaptureException {
        ReplayOptions replay = options.replay();
        try (CaptureReader reader = CaptureReader.open(replay.capture())) {
            CaptureFeed feed =
                    new CaptureFeed(reader, new GwlbEncapsulator(replay.endpointId() + loop, replay.attachmentId()));
            long clockOffset = 0;
            boolean first = true;
            while (true) {
                ByteBuf slot = nextSlot();
                if (!feed.next(slot)) break;
                long timestamp = reader.timestampNanos();
                if (first) {
                    clockOffset = localClock == Long.MIN_VALUE ? 0 : localClock + LOOP_GAP_NANOS - timestamp;
                    first = false;
                }
                if (feed.skipReason() != null) continue;
                send(slot, feed.gwlbAddress(), feed.gwlbPort(), feed.applianceAddress(), timestamp + clockOffset);
            }
            flush();
        }
    }

    /** Sends every packet of the synthetic flows as loop {@code loop} (endpoint {@code endpointId + loop}). */
    private void sendSynthetic(SyntheticFlows flows, int loop) {
        ReplayOptions replay = options.replay();
        GwlbEncapsulator encapsulator = new GwlbEncapsulator(replay.endpointId() + loop, replay.attachmentId());
        byte[] packet = new byte[flows.maxPacketBytes()];
        long clock =
                localClock == Long.MIN_VALUE ? System.currentTimeMillis() * 1_000_000L : localClock + LOOP_GAP_NANOS;
        for (long n = 0; n < flows.packets(); n++) {
            ByteBuf slot = nextSlot();
            int length = flows.write(n, packet);
            encapsulator.encapsulate(packet, 0, length, 4, slot);
            send(
                    slot,
                    CaptureFeed.GWLB_ADDRESS,
                    encapsulator.sourcePort(),
                    CaptureFeed.APPLIANCE_ADDRESS,
                    clock + n * SYNTHETIC_SPACING_NANOS);
        }
        flush();
    }

    /** The slot the next datagram goes to, once the queue has room and the pace allows it; cleared. */
    private ByteBuf nextSlot() {
        if (sender.isFull()) flush();
        pace(); // before choosing the slot: it may flush the queue
        ByteBuf slot = slots[sender.queued()];
        slot.clear();
        return slot;
    }

    /** Inspects the datagram in {@code slot} with the local pipeline, notes what must come back, and queues it. */
    private void send(ByteBuf slot, int gwlbAddress, int gwlbPort, int applianceAddress, long timestampNanos) {
        int length = slot.writerIndex();
        localClock = Math.max(localClock, timestampNanos);
        Verdict verdict = local.inspect(slot, 0, length, gwlbAddress, gwlbPort, applianceAddress, timestampNanos);
        ByteBufs.copy(slot, 0, scratch, 0, length); // not getBytes: without Unsafe it allocates a view per call
        int queued = sender.queued();
        pendingHash[queued] = PayloadTally.hash(scratch, length);
        pendingPass[queued] = verdict == Verdict.PASS;
        if (verdict == Verdict.PASS) expected++;
        sender.enqueue(sourceAddress, targetAddress, gwlbPort, targetPort, slot.memoryAddress(), length);
        sent++;
        lastSent = System.nanoTime();
        maybeReportProgress(lastSent, started);
    }

    /**
     * Sends the queued datagrams with one sendmmsg. Each is entered in the tallies first, with the time of this send
     * (the latency's start), so that the receiver knows it before its reply can arrive.
     */
    private void flush() {
        int queued = sender.queued();
        if (queued == 0) return;
        long now = System.nanoTime();
        for (int i = 0; i < queued; i++) (pendingPass[i] ? expectedBack : expectedDropped).add(pendingHash[i], now);
        sender.flush();
    }

    private long countFrames() throws CaptureException {
        if (options.replay().capture() == null) return 0;
        long frames = 0;
        try (CaptureReader reader = CaptureReader.open(options.replay().capture())) {
            while (reader.next()) frames++;
        }
        return frames;
    }

    /** Waits until the next packet is due at the configured rate, sending what is queued first. */
    private void pace() {
        long rate = options.packetsPerSecond();
        if (rate <= 0) return;
        long due = started + (long) (sent * 1e9 / rate);
        long early = due - System.nanoTime();
        if (early <= 0) return;
        flush();
        while ((early = due - System.nanoTime()) > 0) LockSupport.parkNanos(early);
    }

    private DatagramChannel openReplyChannel() throws IOException {
        DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
            channel.bind(new InetSocketAddress(options.sourceAddress(), REPLY_PORT));
        } catch (IOException e) {
            channel.close();
            throw new IOException(
                    "cannot receive the appliance's replies on "
                            + options.sourceAddress().getHostAddress() + ":"
                            + REPLY_PORT + ": " + e.getMessage()
                            + " (choose another --source address, e.g. 127.0.0.2 on loopback)",
                    e);
        }
        return channel;
    }

    /** The receiver thread: classifies every returned datagram until the channel is closed. */
    private void receive(DatagramChannel channel) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(Replay.DATAGRAM_CAPACITY);
        byte[] bytes = new byte[Replay.DATAGRAM_CAPACITY];
        ByteBuf view = Unpooled.wrappedBuffer(bytes);
        GeneveHeader geneve = new GeneveHeader();
        InnerPacket inner = new InnerPacket();
        try {
            while (true) {
                buffer.clear();
                channel.receive(buffer);
                buffer.flip();
                int length = buffer.remaining();
                buffer.get(bytes, 0, length);
                long now = System.nanoTime();
                long hash = PayloadTally.hash(bytes, length);
                long sentAt = expectedBack.takeSendTime(hash);
                if (sentAt != PayloadTally.NONE) {
                    latency.record(now - sentAt);
                    lastReturnedNanos = now;
                    returned.incrementAndGet();
                } else if (isReset(view, length, geneve, inner)) {
                    resets.incrementAndGet();
                } else if (expectedDropped.take(hash)) {
                    unexpected.incrementAndGet();
                } else {
                    mismatched.incrementAndGet();
                }
            }
        } catch (ClosedChannelException e) {
            // stopped by run()
        } catch (IOException e) {
            progress.println("replay: receiving replies failed: " + e);
        }
    }

    private static boolean isReset(ByteBuf datagram, int length, GeneveHeader geneve, InnerPacket inner) {
        if (geneve.wrap(datagram, 0, length) != DecodeStatus.OK) return false;
        int innerOffset = geneve.innerOffset();
        if (inner.decode(datagram, innerOffset, length - innerOffset, geneve.protocolType()) != DecodeStatus.OK)
            return false;
        return inner.protocol() == 6 && (inner.tcpFlags() & TcpHeader.RST) != 0;
    }

    private void maybeReportProgress(long now, long started) {
        if (now - lastProgressNanos < PROGRESS_INTERVAL_NANOS) return;
        lastProgressNanos = now;
        reportProgress(now, started, false);
    }

    private void reportProgress(long now, long started, boolean last) {
        double seconds = Math.max(1e-9, (now - started) / 1e9);
        String line = String.format(
                Locale.ROOT,
                "%6.1f s  sent %d/%d (%3.0f%%)  %.0f packets/s  returned %d  waiting %d",
                seconds,
                sent,
                total,
                total == 0 ? 100.0 : 100.0 * sent / total,
                sent / seconds,
                returned.get(),
                expectedBack.outstanding());
        if (sameLineProgress) {
            progress.print("\r" + line);
            if (last) progress.println();
        } else {
            progress.println(line);
        }
        progress.flush();
    }

    private static int address(Inet4Address address) {
        return address.hashCode(); // Inet4Address.hashCode() is the address as an int
    }
}
