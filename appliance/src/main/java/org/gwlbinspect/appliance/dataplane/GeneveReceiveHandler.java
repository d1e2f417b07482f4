package org.gwlbinspect.appliance.dataplane;

import io.micrometer.core.instrument.DistributionSummary;
import io.netty.buffer.ByteBuf;
import org.gwlbinspect.appliance.config.DataPlaneConfig;
import org.gwlbinspect.appliance.egress.HairpinHeaderWriter;
import org.gwlbinspect.appliance.egress.RawSocketSender;
import org.gwlbinspect.appliance.egress.RejectReplies;
import org.gwlbinspect.appliance.egress.ResetOutcome;
import org.gwlbinspect.appliance.ingress.UdpBatchReceiver;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flowlog.FlowRecords;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.PacketInspector;
import org.gwlbinspect.verdict.Verdict;

/**
 * The per-worker data path: decode GENEVE and the inner packet, find the flow, ask the inspector, and return allowed
 * packets to GWLB through the worker's raw socket (gwlb.md §2.1). Every packet that is not returned is counted with
 * a {@link DropReason}.
 *
 * <p>Runs on one event loop only. Replies point at the datagrams' receive slots (no copy), so a batch's replies are
 * sent with one {@code sendmmsg} before {@link #onBatch} returns and the socket reads into the slots again.
 */
final class GeneveReceiveHandler {
    private final DataPlaneConfig config;
    private final WorkerCounters counters;
    private final DistributionSummary batchSizes;
    private final RawSocketSender sender;
    private final RejectReplies rejects;
    private final FlowResolver flows;
    private final PacketInspector inspector;
    private final FlowRecords flowRecords;
    // With dataPlane.busyPollMicros: this worker's strategy, told when a batch's first datagram was read; else null.
    private BusyPollSelectStrategy busyPoll;

    private final GeneveHeader geneve = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();
    private final int batchSize;
    private int pendingCount;
    private long sendErrorsSeen;
    private long receiveErrorsSeen;

    GeneveReceiveHandler(
            DataPlaneConfig config,
            WorkerCounters counters,
            DistributionSummary batchSizes,
            RawSocketSender sender,
            RejectReplies rejects,
            FlowResolver flows,
            PacketInspector inspector,
            FlowRecords flowRecords) {
        this.config = config;
        this.counters = counters;
        this.batchSizes = batchSizes;
        this.sender = sender;
        this.rejects = rejects;
        this.flows = flows;
        this.inspector = inspector;
        this.flowRecords = flowRecords;
        this.batchSize = config.batchSize();
    }

    /**
     * Handles the {@code count} datagrams of {@code socket}'s last receive, then sends their replies: the next receive
     * overwrites the slots the replies point at.
     */
    void onBatch(UdpBatchReceiver socket, int count) {
        if (busyPoll != null) busyPoll.readStarted(System.nanoTime());
        ByteBuf content = socket.datagrams();
        for (int i = 0; i < count; i++) {
            long nowNanos = System.nanoTime();
            try {
                onDatagram(socket, i, content, nowNanos);
            } catch (RuntimeException e) {
                // The worker's outer edge (style.md §3): count, never let one packet kill the event loop.
                counters.dropped(DropReason.INTERNAL_ERROR);
            }
        }
        batchSizes.record(count);
        counters.batch();
        flushReplies();
    }

    /**
     * Counts the socket's failed receives since the last call as internal errors: the kernel had datagrams for us (or
     * a fault) and we could not read them. Called after a receive that returned nothing.
     */
    void countReceiveErrors(UdpBatchReceiver socket) {
        long errors = socket.receiveErrors();
        if (errors != receiveErrorsSeen) {
            counters.dropped(DropReason.INTERNAL_ERROR, errors - receiveErrorsSeen);
            receiveErrorsSeen = errors;
        }
    }

    /** Counts a failure outside any one datagram (a receive or send that could not be made) as an internal error. */
    void countInternalError() {
        counters.dropped(DropReason.INTERNAL_ERROR);
    }

    /** Hands this worker's busy-poll strategy the start of every batch (before the socket is registered). */
    void reportReadsTo(BusyPollSelectStrategy strategy) {
        this.busyPoll = strategy;
    }

    private void onDatagram(UdpBatchReceiver socket, int i, ByteBuf content, long nowNanos) {
        int offset = socket.offset(i);
        int length = socket.length(i);
        counters.received(length);

        if (!socket.senderIsIpv4(i)) {
            // GWLB's outer header is always IPv4 (gwlb.md §0 item 1).
            counters.dropped(DropReason.OUTER_NOT_IPV4);
            return;
        }
        int gwlbAddress = socket.senderAddress(i);
        if (!config.allowedSources().contains(gwlbAddress)) {
            counters.dropped(DropReason.SOURCE_NOT_ALLOWED);
            return;
        }
        if (length >= config.maxDatagramBytes() || socket.truncated(i)) {
            // recvmmsg cuts a datagram longer than its slot; a full slot may be a cut packet, never return it.
            counters.dropped(DropReason.DATAGRAM_TOO_LARGE);
            return;
        }
        DecodeStatus status = geneve.wrap(content, offset, length);
        if (status != DecodeStatus.OK) {
            counters.dropped(DropReason.of(status));
            return;
        }
        int innerOffset = geneve.innerOffset();
        status = inner.decode(content, innerOffset, offset + length - innerOffset, geneve.protocolType());
        if (status != DecodeStatus.OK) {
            counters.dropped(DropReason.of(status));
            return;
        }
        int gwlbPort = socket.senderPort(i);
        // Bound to every address: the address GWLB sent to (IP_ORIGDSTADDR) becomes the reply's source.
        int applianceAddress = config.bindAddress() != 0 ? config.bindAddress() : socket.recipientAddress(i);
        int slot = flows.resolve(
                geneve, inner, content, offset, length, gwlbAddress, gwlbPort, applianceAddress, nowNanos);
        if (slot < 0) {
            counters.dropped(
                    switch (slot) {
                        case FlowResolver.FRAGMENT_WITHOUT_FLOW -> DropReason.FRAGMENT_WITHOUT_FLOW;
                        // The policy dropped the datagram's first fragment: the rest of the datagram goes with it.
                        case FlowResolver.FRAGMENT_OF_DROPPED_DATAGRAM -> DropReason.POLICY_DROP;
                        default -> DropReason.FLOW_TABLE_FULL;
                    });
            return;
        }
        flowRecords.onPacket(flows, slot, inner, nowNanos); // the netflow record's start, TCP flags and TTLs
        Verdict verdict = inspector.inspect(inner, content, flows.table(), slot, flows.direction(), nowNanos);
        if (verdict != Verdict.PASS) {
            flows.datagramDropped(inner, nowNanos);
            if (verdict == Verdict.REJECT) reset(slot);
            counters.dropped(inspector.dropReason()); // policy_drop, destination_binding
            return;
        }
        queueReply(applianceAddress, gwlbAddress, gwlbPort, socket.address(i), length);
    }

    /**
     * REJECT (policy.md §2.7): a TCP RST to each end, inside the flow, behind the flow's own GENEVE header. The verdict
     * of a non-TCP packet is a drop only; the outcome of every attempt is counted by {@link RejectReplies}.
     */
    private void reset(int slot) {
        int generation = flows.table().generation(slot);
        if (rejects.queueResets(flows.table(), slot, generation, inner) == ResetOutcome.FLUSH_FIRST) {
            flushReplies();
            rejects.queueResets(flows.table(), slot, generation, inner);
        }
    }

    private void queueReply(int applianceAddress, int gwlbAddress, int gwlbPort, long address, int length) {
        // Resets share the sender's batch: its room can run out before a receive batch's worth of replies.
        if (pendingCount == batchSize || sender.isFull()) flushReplies();
        // gwlb.md §0 item 4: IPs swapped, GWLB's source port kept, destination 6081, UDP payload byte for byte.
        sender.enqueue(applianceAddress, gwlbAddress, gwlbPort, GeneveHeader.PORT, address, length);
        pendingCount++;
    }

    /** Sends every queued reply (and reset) with one sendmmsg. */
    void flushReplies() {
        if (pendingCount == 0 && rejects.pendingDatagrams() == 0) return;
        long bytesBefore = sender.sentBytes();
        long packetsBefore = sender.sentPackets();
        int resets = rejects.pendingDatagrams();
        long resetBytes = rejects.pendingBytes();
        sender.flush();
        rejects.reclaimAfterFlush();
        // The sender counts whole IPv4 packets; our metrics count UDP payload, as received, and only returned packets
        // (resets are counted by RejectReplies).
        long packets = sender.sentPackets() - packetsBefore;
        long bytes = sender.sentBytes() - bytesBefore - packets * HairpinHeaderWriter.HEADER_LENGTH;
        counters.returned(Math.max(0, packets - resets), Math.max(0, bytes - resetBytes));
        long errors = sender.sendErrors();
        if (errors != sendErrorsSeen) {
            counters.dropped(DropReason.SEND_FAILED, errors - sendErrorsSeen);
            sendErrorsSeen = errors;
        }
        pendingCount = 0;
    }
}
