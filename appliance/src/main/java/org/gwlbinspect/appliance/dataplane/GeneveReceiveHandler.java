package org.gwlbinspect.appliance.dataplane;

import io.micrometer.core.instrument.DistributionSummary;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.gwlbinspect.appliance.config.DataPlaneConfig;
import org.gwlbinspect.appliance.egress.HairpinHeaderWriter;
import org.gwlbinspect.appliance.egress.RawSocketSender;
import org.gwlbinspect.appliance.egress.RejectReplies;
import org.gwlbinspect.appliance.egress.ResetOutcome;
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
 * <p>Runs on one event loop only. Replies point at the received buffers (no copy), so the datagrams stay retained
 * until the batch is flushed with one {@code sendmmsg} at {@link #channelReadComplete}.
 */
final class GeneveReceiveHandler extends ChannelInboundHandlerAdapter {
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
    private final DatagramPacket[] pending;
    private int pendingCount;
    private int datagramsThisRead;
    private long sendErrorsSeen;

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
        this.pending = new DatagramPacket[config.batchSize()];
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket datagram)) {
            ReferenceCountUtil.release(msg);
            counters.dropped(DropReason.INTERNAL_ERROR);
            return;
        }
        long nowNanos = System.nanoTime();
        if (datagramsThisRead++ == 0 && busyPoll != null) busyPoll.readStarted(nowNanos);
        boolean queued = false;
        try {
            queued = onDatagram(datagram, nowNanos);
        } catch (RuntimeException e) {
            // The worker's outer edge (style.md §3): count, never let one packet kill the event loop.
            counters.dropped(DropReason.INTERNAL_ERROR);
        } finally {
            if (!queued) datagram.release();
        }
    }

    /** Hands this worker's busy-poll strategy the start of every batch (before the channel is bound). */
    void reportReadsTo(BusyPollSelectStrategy strategy) {
        this.busyPoll = strategy;
    }

    /** Returns true when the datagram was queued for return (and is now owned by the pending batch). */
    private boolean onDatagram(DatagramPacket datagram, long nowNanos) {
        ByteBuf content = datagram.content();
        int offset = content.readerIndex();
        int length = content.readableBytes();
        counters.received(length);

        InetAddress senderAddress = datagram.sender().getAddress();
        if (!(senderAddress instanceof Inet4Address)) {
            // GWLB's outer header is always IPv4 (gwlb.md §0 item 1).
            counters.dropped(DropReason.OUTER_NOT_IPV4);
            return false;
        }
        // Inet4Address.hashCode() is the address itself: reading it does not copy a byte[] per packet.
        int gwlbAddress = senderAddress.hashCode();
        if (!config.allowedSources().contains(gwlbAddress)) {
            counters.dropped(DropReason.SOURCE_NOT_ALLOWED);
            return false;
        }
        if (length >= config.maxDatagramBytes()) {
            // recvmmsg truncates a datagram longer than its slot; a full slot may be a cut packet, never return it.
            counters.dropped(DropReason.DATAGRAM_TOO_LARGE);
            return false;
        }
        DecodeStatus status = geneve.wrap(content, offset, length);
        if (status != DecodeStatus.OK) {
            counters.dropped(DropReason.of(status));
            return false;
        }
        int innerOffset = geneve.innerOffset();
        status = inner.decode(content, innerOffset, offset + length - innerOffset, geneve.protocolType());
        if (status != DecodeStatus.OK) {
            counters.dropped(DropReason.of(status));
            return false;
        }
        int gwlbPort = datagram.sender().getPort();
        int applianceAddress = config.bindAddress() != 0 ? config.bindAddress() : localAddress(datagram);
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
            return false;
        }
        flowRecords.onPacket(flows, slot, inner, nowNanos); // the netflow record's start, TCP flags and TTLs
        Verdict verdict = inspector.inspect(inner, content, flows.table(), slot, flows.direction(), nowNanos);
        if (verdict != Verdict.PASS) {
            flows.datagramDropped(inner, nowNanos);
            if (verdict == Verdict.REJECT) reset(slot);
            counters.dropped(inspector.dropReason()); // policy_drop, destination_binding
            return false;
        }
        queueReply(datagram, applianceAddress, gwlbAddress, gwlbPort, content, offset, length);
        return true;
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

    private static int localAddress(DatagramPacket datagram) {
        // With IP_RECVORIGDSTADDR the recipient is the address GWLB sent to, even on a socket bound to 0.0.0.0.
        InetSocketAddress recipient = datagram.recipient();
        return recipient == null ? 0 : recipient.getAddress().hashCode();
    }

    private void queueReply(
            DatagramPacket datagram,
            int applianceAddress,
            int gwlbAddress,
            int gwlbPort,
            ByteBuf content,
            int offset,
            int length) {
        // Resets share the sender's batch: its room can run out before our own array does.
        if (pendingCount == pending.length || sender.isFull()) flushReplies();
        // gwlb.md §0 item 4: IPs swapped, GWLB's source port kept, destination 6081, UDP payload byte for byte.
        sender.enqueue(
                applianceAddress, gwlbAddress, gwlbPort, GeneveHeader.PORT, content.memoryAddress() + offset, length);
        pending[pendingCount++] = datagram;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (datagramsThisRead > 0) {
            batchSizes.record(datagramsThisRead);
            counters.batch();
            datagramsThisRead = 0;
        }
        flushReplies();
    }

    /** Sends every queued reply with one sendmmsg, then releases the received buffers they pointed at. */
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
        for (int i = 0; i < pendingCount; i++) {
            pending[i].release();
            pending[i] = null;
        }
        pendingCount = 0;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Socket-level errors (e.g. ICMP port unreachable surfaced by the kernel) must not close the data plane.
        counters.dropped(DropReason.INTERNAL_ERROR);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        flushReplies();
        super.channelInactive(ctx);
    }
}
