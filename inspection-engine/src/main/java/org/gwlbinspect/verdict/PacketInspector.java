package org.gwlbinspect.verdict;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.flow.FlowTable;

/**
 * The policy engine as the data path sees it: one call per decoded packet of a tracked flow, on the worker thread.
 * Implementations must not allocate, block or log per packet; per-flow state lives in the flow table's slot.
 */
public interface PacketInspector {
    /**
     * @param packet the decoded inner packet (a flyweight valid only during this call)
     * @param buffer the datagram the packet was decoded from
     * @param flows the flow table
     * @param flowSlot the packet's flow in {@code flows}
     * @param direction the packet's direction as {@code flows} numbers it ({@code FlowResolver.direction()})
     * @param nowNanos the worker's clock for this packet
     * @return what to do with the packet
     */
    Verdict inspect(InnerPacket packet, ByteBuf buffer, FlowTable flows, int flowSlot, int direction, long nowNanos);

    /**
     * Why the packet of the last {@link #inspect} call that returned {@link Verdict#DROP} or {@link Verdict#REJECT} was
     * not returned: read by the data path on the same thread right after that call, so the reason travels without an
     * object per packet. {@link DropReason#POLICY_DROP} unless an implementation knows a finer reason.
     */
    default DropReason dropReason() {
        return DropReason.POLICY_DROP;
    }
}
