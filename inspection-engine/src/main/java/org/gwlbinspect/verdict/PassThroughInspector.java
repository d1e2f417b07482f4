package org.gwlbinspect.verdict;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.flow.FlowTable;

/** Allows every packet of a tracked flow, like gwlbtun's passthrough mode; the policy engine replaces it. */
public final class PassThroughInspector implements PacketInspector {
    @Override
    public Verdict inspect(
            InnerPacket packet, ByteBuf buffer, FlowTable flows, int flowSlot, int direction, long nowNanos) {
        return Verdict.PASS;
    }
}
