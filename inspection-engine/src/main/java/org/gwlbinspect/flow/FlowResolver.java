package org.gwlbinspect.flow;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;

/**
 * Finds the flow of a decoded packet and records the packet in it: the one place that knows which tuple names a
 * packet's flow. Non-first fragments (no ports) go through the {@link FragmentTracker}; ICMP errors belong to the
 * flow they quote (gwlb.md §4.3: gwlbtun keys them as their own flow, so an error about a TCP flow finds nothing);
 * everything else is looked up or created by its own symmetric tuple, also mid-flow (GWLB failover, gwlb.md §3).
 *
 * <p>One instance per worker thread: it owns the reusable keys.
 */
public final class FlowResolver {
    /** {@link #resolve} result: a non-first fragment whose first fragment is unknown. */
    public static final int FRAGMENT_WITHOUT_FLOW = -100;

    /**
     * {@link #resolve} result: a non-first fragment of a datagram whose first fragment the policy dropped ({@link
     * #datagramDropped}); drop it too.
     */
    public static final int FRAGMENT_OF_DROPPED_DATAGRAM = -102;

    /** Internal: the flow ended between lookup and record. */
    private static final int FLOW_ENDED = -101;

    /** {@link #resolve} result: no room for a new flow even after eviction. */
    public static final int TABLE_FULL = FlowTable.TABLE_FULL;

    private final FlowTable table;
    private final FragmentTracker fragments;
    private final FlowKey key = new FlowKey();

    public FlowResolver(FlowTable table, FragmentTracker fragments) {
        this.table = table;
        this.fragments = fragments;
    }

    public FlowTable table() {
        return table;
    }

    /**
     * Which way the packet last resolved travels in its flow ({@link FlowKey#A_TO_B} or {@link FlowKey#B_TO_A});
     * an ICMP error counts against the direction of the packet it quotes.
     */
    public int direction() {
        return key.direction();
    }

    /**
     * Finds (or creates) the packet's flow and records it: last seen, counters, the GWLB route and the latest GENEVE
     * header. Returns the flow's slot, or {@link #FRAGMENT_WITHOUT_FLOW} / {@link #FRAGMENT_OF_DROPPED_DATAGRAM} / {@link
     * #TABLE_FULL}.
     *
     * @param datagramOffset where the GENEVE header starts in {@code buf}
     * @param datagramLength the UDP payload length, counted as the packet's bytes
     */
    public int resolve(
            GeneveHeader geneve,
            InnerPacket packet,
            ByteBuf buf,
            int datagramOffset,
            int datagramLength,
            int gwlbAddress,
            int gwlbSourcePort,
            int applianceAddress,
            long nowNanos) {
        int slot = findAndRecord(
                geneve,
                packet,
                buf,
                datagramOffset,
                datagramLength,
                gwlbAddress,
                gwlbSourcePort,
                applianceAddress,
                nowNanos);
        if (slot != FLOW_ENDED) return slot;
        // The flow ended (expired, evicted) between lookup and record: the packet is alive, so it starts it again.
        slot = findAndRecord(
                geneve,
                packet,
                buf,
                datagramOffset,
                datagramLength,
                gwlbAddress,
                gwlbSourcePort,
                applianceAddress,
                nowNanos);
        return slot == FLOW_ENDED ? TABLE_FULL : slot;
    }

    private int findAndRecord(
            GeneveHeader geneve,
            InnerPacket packet,
            ByteBuf buf,
            int datagramOffset,
            int datagramLength,
            int gwlbAddress,
            int gwlbSourcePort,
            int applianceAddress,
            long nowNanos) {
        int slot = find(geneve.endpointId(), packet, nowNanos);
        if (slot < 0) return slot;
        RecordResult recorded = table.recordInbound(
                slot,
                key,
                nowNanos,
                datagramLength,
                buf,
                datagramOffset,
                geneve.headerLength(),
                gwlbAddress,
                applianceAddress,
                gwlbSourcePort);
        return recorded == RecordResult.FLOW_ENDED ? FLOW_ENDED : slot;
    }

    /**
     * Tells the resolver that the policy dropped {@code packet}, the packet it resolved last: when that is a first
     * fragment, the later fragments of its datagram are dropped too ({@link #FRAGMENT_OF_DROPPED_DATAGRAM}), as a
     * datagram is dropped whole. Other packets need nothing.
     */
    public void datagramDropped(InnerPacket packet, long nowNanos) {
        if (packet.isFirstFragment()) fragments.markDatagramDropped(key, (int) packet.fragmentId(), nowNanos);
    }

    /** The key of the packet's flow is left in {@link #key} (direction and generation set). */
    private int find(long endpointId, InnerPacket packet, long nowNanos) {
        int version = packet.ipVersion();
        if (packet.isFragment() && !packet.isFirstFragment()) {
            key.set(
                    endpointId,
                    version,
                    packet.srcAddrHi(),
                    packet.srcAddrLo(),
                    packet.dstAddrHi(),
                    packet.dstAddrLo(),
                    packet.protocol(),
                    0,
                    0);
            int slot = fragments.lookupFlow(key, (int) packet.fragmentId(), nowNanos);
            if (slot == FragmentTracker.DATAGRAM_DROPPED) return FRAGMENT_OF_DROPPED_DATAGRAM;
            return slot >= 0 ? slot : FRAGMENT_WITHOUT_FLOW;
        }
        if (packet.isIcmpError() && packet.hasQuotedTuple()) {
            key.set(
                    endpointId,
                    version,
                    packet.quotedSrcAddrHi(),
                    packet.quotedSrcAddrLo(),
                    packet.quotedDstAddrHi(),
                    packet.quotedDstAddrLo(),
                    packet.quotedProtocol(),
                    packet.quotedSrcPort(),
                    packet.quotedDstPort());
            int slot = table.lookup(key);
            if (slot >= 0) {
                // The error travels against the packet it quotes.
                key.direction ^= 1;
                return slot;
            }
            // No such flow: track the error as a flow of its own, like any other packet GWLB sent.
        }
        key.set(
                endpointId,
                version,
                packet.srcAddrHi(),
                packet.srcAddrLo(),
                packet.dstAddrHi(),
                packet.dstAddrLo(),
                packet.protocol(),
                packet.srcPort(),
                packet.dstPort());
        int slot = table.lookupOrCreate(key, nowNanos);
        if (slot >= 0 && packet.isFragment()) {
            // First fragment: remember its flow for the fragments that follow without ports.
            fragments.recordFirstFragment(key, (int) packet.fragmentId(), slot, nowNanos);
        }
        return slot;
    }
}
