package org.gwlbinspect.appliance.replay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
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
     * @param replay the capture, the policy of the local pipeline and the encapsulation (its outputs are not used)
     * @param target the appliance's GENEVE address and port
     * @param sourceAddress the IPv4 address to send from and receive replies on (playing GWLB's node)
     * @param packetsPerSecond the send rate; 0 = as fast as possible
     * @param loops how many times the capture is sent
     * @param replyWait how long to wait for replies after the last packet
     */
    public record Options(
            ReplayOptions replay,
            InetSocketAddress target,
            Inet4Address sourceAddress,
            long packetsPerSecond,
            int loops,
            Duration replyWait) {}

    private final Options options;
    private final PrintStream progress;
    private final boolean sameLineProgress;
    private final PayloadTally expectedBack = new PayloadTally();
    private final PayloadTally expectedDropped = new PayloadTally();
    private final AtomicLong returned = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong mismatched = new AtomicLong();
    private long sent;
    private long expected;
    private long total;
    private long lastProgressNanos;
    private long sendErrors;

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
        total = countFrames() * options.loops();
        ReplayOptions replay = options.replay();
        RawSocketSender sender;
        try {
            sender = new RawSocketSender(BATCH, 64);
        } catch (NativeCallException e) {
            throw new IOException(
                    "cannot open a raw socket to send as GWLB (needs root or CAP_NET_RAW): " + e.getMessage(), e);
        }
        ByteBuf[] slots = new ByteBuf[BATCH];
        for (int i = 0; i < BATCH; i++) slots[i] = Unpooled.directBuffer(Replay.DATAGRAM_CAPACITY);
        DatagramChannel replies = null;
        Thread receiver = null;
        // Built before the clock starts: compiling the policy's evaluator takes a while and would skew the pacing.
        ReplayPipeline local = new ReplayPipeline(replay.policy(), replay.flows(), null, replay.maxDatagramBytes());
        long started = System.nanoTime();
        long lastSent = started;
        try {
            DatagramChannel channel = openReplyChannel();
            replies = channel;
            receiver = Thread.ofPlatform().name("replay-replies").daemon(true).start(() -> receive(channel));
            started = System.nanoTime();
            lastSent = sendAll(sender, slots, local, started);
            // Wait for the stragglers: until everything expected is back or the wait is over; then a little longer for
            // resets and mismatched replies, which nothing tells to expect.
            long deadline = System.nanoTime() + options.replyWait().toNanos();
            while (expectedBack.outstanding() > 0 && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            long grace = Math.min(options.replyWait().toNanos(), TimeUnit.MILLISECONDS.toNanos(100));
            if (grace > 0) LockSupport.parkNanos(grace);
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
        return new TargetSummary(
                sent,
                sendErrors,
                expected,
                returned.get(),
                expectedBack.outstanding(),
                unexpected.get(),
                resets.get(),
                mismatched.get(),
                lastSent - started);
    }

    /**
     * Sends every loop of the capture; returns when the last datagram was sent. Loop {@code i} plays GWLB endpoint
     * {@code endpointId + i}: its flows are new to the appliance (the flow key holds the endpoint), as a load test wants.
     */
    private long sendAll(RawSocketSender sender, ByteBuf[] slots, ReplayPipeline local, long started)
            throws CaptureException {
        ReplayOptions replay = options.replay();
        int source = address(options.sourceAddress());
        int target = address((Inet4Address) options.target().getAddress());
        int targetPort = options.target().getPort();
        byte[] scratch = new byte[Replay.DATAGRAM_CAPACITY];
        long lastSent = started;
        long clockOffset = 0;
        lastProgressNanos = started;
        for (int loop = 0; loop < options.loops(); loop++) {
            long first = Long.MIN_VALUE;
            long last = 0;
            try (CaptureReader reader = CaptureReader.open(replay.capture())) {
                CaptureFeed feed = new CaptureFeed(
                        reader, new GwlbEncapsulator(replay.endpointId() + loop, replay.attachmentId()));
                while (true) {
                    if (sender.isFull()) sender.flush();
                    pace(sender, started); // before choosing the slot: it may flush the queue
                    ByteBuf slot = slots[sender.queued()];
                    slot.clear();
                    if (!feed.next(slot)) break;
                    long timestamp = reader.timestampNanos();
                    if (first == Long.MIN_VALUE) first = timestamp;
                    last = timestamp;
                    if (feed.skipReason() != null) continue;
                    int length = slot.writerIndex();
                    Verdict verdict = local.inspect(
                            slot,
                            0,
                            length,
                            feed.gwlbAddress(),
                            feed.gwlbPort(),
                            feed.applianceAddress(),
                            timestamp + clockOffset);
                    slot.getBytes(0, scratch, 0, length);
                    long hash = PayloadTally.hash(scratch, length);
                    if (verdict == Verdict.PASS) {
                        expectedBack.add(hash);
                        expected++;
                    } else {
                        expectedDropped.add(hash);
                    }
                    sender.enqueue(source, target, feed.gwlbPort(), targetPort, slot.memoryAddress(), length);
                    sent++;
                    lastSent = System.nanoTime();
                    maybeReportProgress(lastSent, started);
                }
                sender.flush();
            }
            clockOffset += last - first + LOOP_GAP_NANOS;
        }
        return lastSent;
    }

    private long countFrames() throws CaptureException {
        long frames = 0;
        try (CaptureReader reader = CaptureReader.open(options.replay().capture())) {
            while (reader.next()) frames++;
        }
        return frames;
    }

    /** Waits until the next packet is due at the configured rate, sending what is queued first. */
    private void pace(RawSocketSender sender, long started) {
        long rate = options.packetsPerSecond();
        if (rate <= 0) return;
        long due = started + (long) (sent * 1e9 / rate);
        long early = due - System.nanoTime();
        if (early <= 0) return;
        sender.flush();
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
                long hash = PayloadTally.hash(bytes, length);
                if (expectedBack.take(hash)) {
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
