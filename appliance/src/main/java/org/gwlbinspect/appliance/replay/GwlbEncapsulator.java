package org.gwlbinspect.appliance.replay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;

/**
 * Wraps an inner IP packet as GWLB sends it to an appliance (gwlb.md §1): the 40-byte GENEVE header with the three
 * AWS options (endpoint ID, attachment ID, flow cookie), the inner packet after it. GWLB's choices that the documents
 * leave open are made deterministically from the inner flow, the same in both directions (GWLB keeps one cookie and
 * one outer 5-tuple per flow): the flow cookie and the outer UDP source port are hashes of the symmetric 5-tuple
 * (a non-first fragment, which has no ports, hashes its 3-tuple).
 *
 * <p>One instance per thread: it keeps the last packet's hash and patches its header templates in place.
 */
public final class GwlbEncapsulator {
    /** Lowest outer source port; GWLB's are ephemeral, not documented (gwlb.md §1.1). */
    static final int FIRST_SOURCE_PORT = 10_000;

    static final int SOURCE_PORTS = 60_000 - FIRST_SOURCE_PORT;

    private static final int IPV4_ADDRESSES = 12;
    private static final int IPV6_ADDRESSES = 8;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int SCTP = 132;

    /** Where the flow cookie's 4 data bytes sit: they end GWLB's header (endpoint ID, attachment ID, cookie). */
    private static final int COOKIE_OFFSET = GeneveHeader.GWLB_HEADER_LENGTH - GeneveHeader.FLOW_COOKIE_DATA_LENGTH;

    private final long endpointId;
    private final long attachmentId;
    // The header of each protocol type, written once by GeneveHeaders; per packet only the cookie is patched in and the
    // header goes out in one bulk write (the writer's field-by-field writes each pay a direct buffer's bounds and
    // memory-session checks, 17 of them per packet).
    private final byte[] ipv4Header;
    private final byte[] ipv6Header;
    private int flowHash;

    public GwlbEncapsulator(long endpointId, long attachmentId) {
        this.endpointId = endpointId;
        this.attachmentId = attachmentId;
        this.ipv4Header = header(GeneveHeader.PROTOCOL_IPV4, endpointId, attachmentId);
        this.ipv6Header = header(GeneveHeader.PROTOCOL_IPV6, endpointId, attachmentId);
    }

    private static byte[] header(int protocolType, long endpointId, long attachmentId) {
        byte[] header = new byte[GeneveHeader.GWLB_HEADER_LENGTH];
        ByteBuf out = Unpooled.wrappedBuffer(header).writerIndex(0);
        GeneveHeaders.writeGwlb(out, protocolType, endpointId, attachmentId, 0);
        if (out.writerIndex() != header.length) throw new IllegalStateException("GWLB's header is not 40 bytes");
        return header;
    }

    public long endpointId() {
        return endpointId;
    }

    /**
     * Writes the GENEVE header for the IP packet at {@code packet[offset, offset + length)} and the packet itself at
     * {@code out}'s writer index, and remembers the flow's hash for {@link #sourcePort()}.
     *
     * @param ipVersion 4 or 6, the protocol type of the header
     */
    public void encapsulate(byte[] packet, int offset, int length, int ipVersion, ByteBuf out) {
        flowHash = symmetricFlowHash(packet, offset, length, ipVersion);
        int cookie = flowHash == 0 ? 1 : flowHash; // GWLB's cookies are never 0
        byte[] header = ipVersion == 4 ? ipv4Header : ipv6Header;
        header[COOKIE_OFFSET] = (byte) (cookie >>> 24);
        header[COOKIE_OFFSET + 1] = (byte) (cookie >>> 16);
        header[COOKIE_OFFSET + 2] = (byte) (cookie >>> 8);
        header[COOKIE_OFFSET + 3] = (byte) cookie;
        out.writeBytes(header);
        out.writeBytes(packet, offset, length);
    }

    /** The outer UDP source port GWLB would use for the flow of the last packet {@link #encapsulate}d. */
    public int sourcePort() {
        return FIRST_SOURCE_PORT + Integer.remainderUnsigned(Integer.rotateLeft(flowHash, 16), SOURCE_PORTS);
    }

    /**
     * A hash of the packet's (addresses, protocol, ports) that is the same for both directions: each endpoint (address
     * and port) is hashed alone and the two are combined by a commutative operation. Reads only what is there: a
     * packet too short for its headers hashes what it has; the pipeline then drops it with its decode reason.
     */
    static int symmetricFlowHash(byte[] p, int offset, int length, int ipVersion) {
        int addressLength = ipVersion == 4 ? 4 : 16;
        int addressOffset = offset + (ipVersion == 4 ? IPV4_ADDRESSES : IPV6_ADDRESSES);
        if (length < addressOffset - offset + 2 * addressLength) return 0x5EED;
        int protocol;
        int l4;
        boolean hasPorts;
        if (ipVersion == 4) {
            protocol = p[offset + 9] & 0xFF;
            l4 = offset + (p[offset] & 0x0F) * 4;
            int fragmentOffset = LinkFrame.u16(p, offset + 6) & 0x1FFF;
            hasPorts = fragmentOffset == 0;
        } else {
            // Extension headers are not walked: such packets hash their 3-tuple (one cookie per host pair).
            protocol = p[offset + 6] & 0xFF;
            l4 = offset + 40;
            hasPorts = true;
        }
        hasPorts &= (protocol == TCP || protocol == UDP || protocol == SCTP) && l4 + 4 <= offset + length;
        int source = hashBytes(p, addressOffset, addressLength, hasPorts ? LinkFrame.u16(p, l4) : 0);
        int destination =
                hashBytes(p, addressOffset + addressLength, addressLength, hasPorts ? LinkFrame.u16(p, l4 + 2) : 0);
        return mix((source + destination) ^ (source * destination) ^ protocol);
    }

    private static int hashBytes(byte[] p, int offset, int length, int port) {
        int h = port * 0x9E3779B1;
        for (int i = 0; i < length; i++) h = (h ^ (p[offset + i] & 0xFF)) * 0x01000193; // FNV-1a steps
        return mix(h);
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >>> 16);
    }
}
