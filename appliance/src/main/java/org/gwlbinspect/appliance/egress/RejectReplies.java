package org.gwlbinspect.appliance.egress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.ip.Ipv6Header;
import org.gwlbinspect.codec.l4.TcpResetWriter;
import org.gwlbinspect.flow.FlowTable;

/**
 * Answers a rejected TCP packet with two resets sent back through GWLB (policy.md §2.7, gwlb.md §0 item 7): one to the
 * packet's sender and one to its destination, both inside the flow, so GWLB delivers them.
 *
 * <pre>
 * each datagram, in this object's buffer:  [the flow's GENEVE header, copied from the flow table][inner RST]
 * outer route, as for a hairpin (gwlb.md §2.1):
 *   appliance address -> GWLB node, UDP source port = the one GWLB used for the flow, destination port 6081
 * </pre>
 *
 * <p>Both resets carry the flow's own header, the one GWLB sent with the flow's latest packet: it names the flow by its
 * cookie, whichever way the reset goes (GWLB looks flows up in both directions, gwlb.md §2.2), and a fresh header
 * would open a new flow, which GWLB drops. The header's Protocol Type already says the flow's IP version, which is the
 * rejected packet's and so the resets' (flows are keyed by IP version, gwlb.md §0 item 6); it is checked anyway, since
 * a mismatch would make GWLB misparse the inner packet.
 *
 * <p><b>Use</b>, on the worker that owns this object and the sender:
 *
 * <pre>
 * ResetOutcome outcome = rejects.queueResets(flows, slot, generation, packet);
 * if (outcome == ResetOutcome.FLUSH_FIRST) {
 *     sender.flush();              // with the rest of the batch
 *     rejects.reclaimAfterFlush();
 *     outcome = rejects.queueResets(flows, slot, generation, packet);
 * }
 * ... at the end of the receive batch: sender.flush(); rejects.reclaimAfterFlush();
 * </pre>
 *
 * The sender reads the queued datagrams from this object's buffer during {@code flush()}, so the buffer's used part is
 * only reclaimed by {@link #reclaimAfterFlush()}, which must follow every flush of the sender (a flush with no resets
 * queued included; then it does nothing). {@code generation} is the slot's {@link FlowTable#generation} read when the
 * packet's flow was resolved: if the flow has ended since, its slot may hold another flow, whose header must not be
 * used, and the outcome is {@link ResetOutcome#STALE_SLOT}.
 *
 * <p><b>Threads</b>: one owner (a worker's event loop) calls everything but the counters, which any thread may read
 * (single writer, release stores, as {@code WorkerCounters}). Nothing is allocated after construction.
 */
public final class RejectReplies implements AutoCloseable {

    /** Rejects (two datagrams each) that fit between two flushes by default: one sender batch of 64 datagrams. */
    public static final int DEFAULT_CAPACITY_REJECTS = RawSocketSender.DEFAULT_BATCH_SIZE / 2;

    /** Datagrams queued per reject: a reset to the sender and one to the destination. */
    public static final int DATAGRAMS_PER_REJECT = 2;

    /**
     * Bytes reserved per datagram: the longest header the flow table keeps (64) and an IPv6 reset (40 + 20) make 124,
     * rounded up to 128 so every datagram starts 8-byte aligned.
     */
    static final int DATAGRAM_SLOT_BYTES = (FlowTable.HEADER_MAX_BYTES + TcpResetWriter.MAX_RESET_LENGTH + 7) & ~7;

    private final ReplyQueue queue;
    private final TcpResetWriter writer = new TcpResetWriter();
    private final GeneveHeader storedHeader = new GeneveHeader();
    private final ByteBuf buffer;
    private final long bufferAddress;
    private final int capacityDatagrams;
    private int pendingDatagrams;
    private long pendingBytes;
    private boolean closed;

    /** Calls per {@link ResetOutcome}, by ordinal. Single writer (the owner), read by metrics. */
    private final AtomicLongArray outcomes = new AtomicLongArray(ResetOutcome.values().length);

    /**
     * Replies through {@code sender}, the worker's own.
     *
     * @param capacityRejects rejects held between two flushes, at least 1
     */
    public RejectReplies(RawSocketSender sender, int capacityRejects) {
        this(new SenderQueue(sender), capacityRejects);
    }

    /** Replies through {@code queue}: tests read what would be sent without a raw socket. */
    RejectReplies(ReplyQueue queue, int capacityRejects) {
        if (capacityRejects < 1 || capacityRejects > RawSocketSender.MAX_BATCH_SIZE) {
            throw new IllegalArgumentException(
                    "capacityRejects must be 1.." + RawSocketSender.MAX_BATCH_SIZE + ", got " + capacityRejects);
        }
        this.queue = queue;
        this.capacityDatagrams = capacityRejects * DATAGRAMS_PER_REJECT;
        int bytes = capacityDatagrams * DATAGRAM_SLOT_BYTES;
        // maxCapacity = capacity: nothing may ever grow (reallocate) the buffer, or queued addresses would dangle.
        this.buffer = Unpooled.directBuffer(bytes, bytes);
        // The address through FFM rather than memoryAddress(), which needs sun.misc.Unsafe.
        this.bufferAddress = MemorySegment.ofBuffer(buffer.nioBuffer(0, bytes)).address();
    }

    /**
     * Builds the two resets answering {@code packet} and queues them on the sender, the reset to the sender first.
     *
     * @param flows the flow table that resolved {@code packet}
     * @param slot the packet's flow
     * @param generation {@link FlowTable#generation} of {@code slot} when the flow was resolved
     * @param packet the rejected packet, decoded ({@link InnerPacket#decode} returned OK)
     * @return {@link ResetOutcome#QUEUED}, {@link ResetOutcome#FLUSH_FIRST} (nothing done; flush and call again), or
     *     why no reset is sent (counted)
     */
    public ResetOutcome queueResets(FlowTable flows, int slot, int generation, InnerPacket packet) {
        return count(buildAndQueue(flows, slot, generation, packet));
    }

    private ResetOutcome buildAndQueue(FlowTable flows, int slot, int generation, InnerPacket packet) {
        int refusal = TcpResetWriter.refusalFor(packet);
        if (refusal != 0) {
            return outcomeOf(refusal);
        }
        if (capacityDatagrams - pendingDatagrams < DATAGRAMS_PER_REJECT || queue.freeSlots() < DATAGRAMS_PER_REJECT) {
            return ResetOutcome.FLUSH_FIRST;
        }
        // The route and the header are stored together under the table's seqlock, but the route getters read outside
        // it. Reading the route on both sides of the header copy catches a newer packet's write in between, so the
        // header's cookie always goes out with the outer port GWLB used alongside it.
        int applianceAddress = flows.applianceAddress(slot);
        int gwlbAddress = flows.gwlbAddress(slot);
        int gwlbPort = flows.gwlbSourcePort(slot);

        int toSender = pendingDatagrams * DATAGRAM_SLOT_BYTES;
        buffer.writerIndex(toSender);
        int headerLength = flows.copyHeader(slot, generation, buffer);
        if (headerLength == FlowTable.STALE_SLOT) {
            return ResetOutcome.STALE_SLOT;
        }
        if (headerLength < 0) {
            return ResetOutcome.HEADER_BUSY;
        }
        if (headerLength == 0) {
            return ResetOutcome.NO_HEADER;
        }
        if (applianceAddress != flows.applianceAddress(slot)
                || gwlbAddress != flows.gwlbAddress(slot)
                || gwlbPort != flows.gwlbSourcePort(slot)) {
            return ResetOutcome.HEADER_BUSY;
        }
        if (storedHeader.wrap(buffer, toSender, headerLength) != DecodeStatus.OK
                || storedHeader.headerLength() != headerLength
                || storedHeader.protocolType() != protocolTypeOf(packet)) {
            return ResetOutcome.PROTOCOL_MISMATCH;
        }
        // Cannot be refused: the packet passed refusalFor and a slot holds the longest header and reset.
        int toSenderLength = headerLength + writer.writeResetToSender(packet, buffer);

        int toDestination = toSender + DATAGRAM_SLOT_BYTES;
        // Both resets carry the same header bytes: a second copyHeader could see a newer one.
        copyWithinBuffer(toSender, toDestination, headerLength);
        buffer.writerIndex(toDestination + headerLength);
        int toDestinationLength = headerLength + writer.writeResetToDestination(packet, buffer);

        // Room was checked above, so neither enqueue can refuse.
        queue.enqueue(
                applianceAddress, gwlbAddress, gwlbPort, GeneveHeader.PORT, bufferAddress + toSender, toSenderLength);
        queue.enqueue(
                applianceAddress,
                gwlbAddress,
                gwlbPort,
                GeneveHeader.PORT,
                bufferAddress + toDestination,
                toDestinationLength);
        pendingDatagrams += DATAGRAMS_PER_REJECT;
        pendingBytes += toSenderLength + toDestinationLength;
        return ResetOutcome.QUEUED;
    }

    /** Word by word: ByteBuf.setBytes from a direct buffer into itself would allocate NIO views per call. */
    private void copyWithinBuffer(int from, int to, int length) {
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            buffer.setLong(to + i, buffer.getLong(from + i));
        }
        for (; i < length; i++) {
            buffer.setByte(to + i, buffer.getByte(from + i));
        }
    }

    private static int protocolTypeOf(InnerPacket packet) {
        return packet.ipVersion() == Ipv6Header.VERSION ? GeneveHeader.PROTOCOL_IPV6 : GeneveHeader.PROTOCOL_IPV4;
    }

    private static ResetOutcome outcomeOf(int refusal) {
        return switch (refusal) {
            case TcpResetWriter.NOT_TCP -> ResetOutcome.NOT_TCP;
            case TcpResetWriter.NON_FIRST_FRAGMENT -> ResetOutcome.NON_FIRST_FRAGMENT;
            case TcpResetWriter.OFFENDING_RESET -> ResetOutcome.OFFENDING_RESET;
            default -> throw new IllegalStateException("unexpected TcpResetWriter refusal " + refusal);
        };
    }

    private ResetOutcome count(ResetOutcome outcome) {
        int i = outcome.ordinal();
        outcomes.setRelease(i, outcomes.getPlain(i) + 1); // single writer: no CAS needed, readers see it soon
        return outcome;
    }

    /**
     * Makes the whole buffer free again. Call after every {@code flush()} of the sender, never before: until the flush
     * returns, the sender may still read the queued datagrams from this buffer.
     */
    public void reclaimAfterFlush() {
        pendingDatagrams = 0;
        pendingBytes = 0;
    }

    /** UDP payload bytes of the datagrams queued since the last {@link #reclaimAfterFlush()}. */
    public long pendingBytes() {
        return pendingBytes;
    }

    /** Datagrams queued since the last {@link #reclaimAfterFlush()}. */
    public int pendingDatagrams() {
        return pendingDatagrams;
    }

    /** Rejects that fit between two flushes. */
    public int capacityRejects() {
        return capacityDatagrams / DATAGRAMS_PER_REJECT;
    }

    /**
     * Reset datagrams queued on the sender since construction: two per {@link ResetOutcome#QUEUED}. Whether the kernel
     * accepted them is counted by the sender, with the hairpinned replies. Any thread.
     */
    public long queuedResets() {
        return outcomes.getAcquire(ResetOutcome.QUEUED.ordinal()) * DATAGRAMS_PER_REJECT;
    }

    /** Calls of {@link #queueResets} that ended with {@code outcome}. Any thread. */
    public long outcomes(ResetOutcome outcome) {
        return outcomes.getAcquire(outcome.ordinal());
    }

    /** Rejects left unanswered: the calls whose outcome {@link ResetOutcome#isFailure() is a failure}. Any thread. */
    public long failedRejects() {
        long failed = 0;
        for (ResetOutcome outcome : ResetOutcome.values()) {
            if (outcome.isFailure()) {
                failed += outcomes.getAcquire(outcome.ordinal());
            }
        }
        return failed;
    }

    /** Frees the buffer. On the owner thread, after the last flush; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pendingDatagrams = 0;
        buffer.release();
    }

    /** Where the datagrams go: the worker's {@link RawSocketSender}, or a test's recorder. */
    interface ReplyQueue {
        /** Datagrams that can still be queued before the next flush. */
        int freeSlots();

        /** As {@link RawSocketSender#enqueue(int, int, int, int, long, int)}. */
        boolean enqueue(
                int sourceIp,
                int destinationIp,
                int sourcePort,
                int destinationPort,
                long payloadAddress,
                int payloadLength);
    }

    private static final class SenderQueue implements ReplyQueue {
        private final RawSocketSender sender;

        SenderQueue(RawSocketSender sender) {
            this.sender = sender;
        }

        @Override
        public int freeSlots() {
            return sender.batchSize() - sender.queued();
        }

        @Override
        public boolean enqueue(
                int sourceIp,
                int destinationIp,
                int sourcePort,
                int destinationPort,
                long payloadAddress,
                int payloadLength) {
            return sender.enqueue(sourceIp, destinationIp, sourcePort, destinationPort, payloadAddress, payloadLength);
        }
    }
}
