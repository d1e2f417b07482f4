package org.gwlbinspect.benchmarks.replay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.gwlbinspect.appliance.replay.GwlbEncapsulator;
import org.gwlbinspect.appliance.replay.ReplayOptions;
import org.gwlbinspect.appliance.replay.SyntheticFlows;

/**
 * One synthetic flow's GWLB datagrams, sent again and again as a flow never seen: {@link #packet} rewrites the
 * client's address and port in place, so a benchmark makes new flows without building or allocating packets. The
 * datagrams sit in pooled direct buffers, as the epoll receive path's do.
 */
final class NewFlowTemplate implements AutoCloseable {
    // Offsets in the datagram: GWLB's 40-byte GENEVE header, then the inner IPv4 header (20) and TCP.
    static final int INNER = 40;
    static final int SOURCE_ADDRESS = INNER + 12;
    static final int DESTINATION_ADDRESS = INNER + 16;
    static final int SOURCE_PORT = INNER + 20;
    static final int DESTINATION_PORT = INNER + 22;

    private final ByteBuf[] datagrams;
    private final boolean[] fromServer;
    private final int[] gwlbPorts;

    /** Packets 0 .. {@code packets - 1} of flow {@code flow} of {@code flows}. */
    NewFlowTemplate(SyntheticFlows flows, int flow, int packets) {
        datagrams = new ByteBuf[packets];
        fromServer = new boolean[packets];
        gwlbPorts = new int[packets];
        GwlbEncapsulator encapsulator = new GwlbEncapsulator(ReplayOptions.DEFAULT_ENDPOINT_ID, 0);
        byte[] packet = new byte[flows.maxPacketBytes()];
        for (int k = 0; k < packets; k++) {
            ByteBuf datagram = PooledByteBufAllocator.DEFAULT.directBuffer(64 + packet.length);
            int length = flows.write(flow, k, packet);
            encapsulator.encapsulate(packet, 0, length, 4, datagram);
            datagrams[k] = datagram;
            gwlbPorts[k] = encapsulator.sourcePort();
            fromServer[k] = datagram.getUnsignedShort(SOURCE_PORT) == 443;
        }
    }

    /** Packet {@code k} as packet k of new flow {@code n}: its client is 198.19.x.y, never a warm client. */
    ByteBuf packet(int k, int n) {
        ByteBuf datagram = datagrams[k];
        int address = 0xC6130000 | (n / 50_000 & 0xFFFF);
        int port = 10_000 + n % 50_000;
        datagram.setInt(fromServer[k] ? DESTINATION_ADDRESS : SOURCE_ADDRESS, address);
        datagram.setShort(fromServer[k] ? DESTINATION_PORT : SOURCE_PORT, port);
        return datagram;
    }

    /** The outer UDP source port GWLB would use for packet {@code k} (the flow's, either direction). */
    int gwlbPort(int k) {
        return gwlbPorts[k];
    }

    @Override
    public void close() {
        for (ByteBuf b : datagrams) b.release();
    }
}
