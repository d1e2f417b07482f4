package org.gwlbinspect.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.gwlbinspect.codec.ip.InnerPacket;

/**
 * Builds packets for tests: inner IPv4/IPv6 packets with TCP, UDP or ICMP, wrapped in a GWLB GENEVE header.
 *
 * <p>Test-only and allocating. IPv4 header checksums are computed; L4 checksums are left 0 (the codec does not verify
 * them). Shared with the other modules through the test-jar.
 */
public final class TestPackets {
    /** Endpoint ID used by {@link #gwlb(byte[])} and the golden vectors. */
    public static final long ENDPOINT_ID = 0x0abcdef012345678L;
    /** Attachment ID used by {@link #gwlb(byte[])} and the golden vectors. */
    public static final long ATTACHMENT_ID = 0x1122334455667788L;
    /** Flow cookie used by {@link #gwlb(byte[])} and the golden vectors. */
    public static final long FLOW_COOKIE = 0xdeadbeefL;

    private TestPackets() {}

    /** An IPv4 address from four octets, as the unsigned value {@code InnerPacket} reports. */
    public static long ipv4(int a, int b, int c, int d) {
        return ((long) (a & 0xFF) << 24) | ((b & 0xFF) << 16) | ((c & 0xFF) << 8) | (d & 0xFF);
    }

    /** An IPv4 packet: IHL 5, DF, TTL 64, Identification 0, computed header checksum. */
    public static byte[] ipv4Packet(int protocol, long srcAddr, long dstAddr, byte[] payload) {
        return ipv4Packet(protocol, srcAddr, dstAddr, 0, 0x4000, new byte[0], payload);
    }

    /**
     * An IPv4 packet with explicit identification, flags and fragment offset (the 16-bit field as sent) and options
     * (a multiple of 4 bytes).
     */
    public static byte[] ipv4Packet(
            int protocol,
            long srcAddr,
            long dstAddr,
            int identification,
            int flagsFragment,
            byte[] options,
            byte[] payload) {
        int headerLength = 20 + options.length;
        ByteBuffer b = ByteBuffer.allocate(headerLength + payload.length);
        b.put((byte) (0x40 | headerLength / 4));
        b.put((byte) 0);
        b.putShort((short) (headerLength + payload.length));
        b.putShort((short) identification);
        b.putShort((short) flagsFragment);
        b.put((byte) 64);
        b.put((byte) protocol);
        b.putShort((short) 0);
        b.putInt((int) srcAddr);
        b.putInt((int) dstAddr);
        b.put(options);
        b.putShort(10, (short) internetChecksum(b.array(), 0, headerLength));
        b.put(payload);
        return b.array();
    }

    /** An IPv6 packet: Traffic Class 0, Flow Label 0, Hop Limit 64; {@code payload} includes any extension headers. */
    public static byte[] ipv6Packet(int nextHeader, long srcHi, long srcLo, long dstHi, long dstLo, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
        b.putInt(6 << 28);
        b.putShort((short) payload.length);
        b.put((byte) nextHeader);
        b.put((byte) 64);
        b.putLong(srcHi).putLong(srcLo).putLong(dstHi).putLong(dstLo);
        b.put(payload);
        return b.array();
    }

    /** An IPv6 extension header of the (Hdr Ext Len + 1) × 8 kind: Next Header, length, then zero padding. */
    public static byte[] ipv6Extension(int nextHeader, int lengthUnits) {
        byte[] header = new byte[(lengthUnits + 1) * 8];
        header[0] = (byte) nextHeader;
        header[1] = (byte) lengthUnits;
        return header;
    }

    /** An IPv6 Fragment header (RFC 8200 §4.5); {@code offsetBytes} must be a multiple of 8. */
    public static byte[] ipv6FragmentHeader(int nextHeader, int offsetBytes, boolean more, long identification) {
        return ByteBuffer.allocate(8)
                .put((byte) nextHeader)
                .put((byte) 0)
                .putShort((short) ((offsetBytes / 8) << 3 | (more ? 1 : 0)))
                .putInt((int) identification)
                .array();
    }

    /** A TCP segment with Data Offset 5, window 65535 and checksum 0. */
    public static byte[] tcp(int srcPort, int dstPort, long seq, long ack, int flags, byte[] payload) {
        return tcp(srcPort, dstPort, seq, ack, flags, new byte[0], payload);
    }

    /** A TCP segment with options (a multiple of 4 bytes), window 65535 and checksum 0. */
    public static byte[] tcp(int srcPort, int dstPort, long seq, long ack, int flags, byte[] options, byte[] payload) {
        int headerLength = 20 + options.length;
        return ByteBuffer.allocate(headerLength + payload.length)
                .putShort((short) srcPort)
                .putShort((short) dstPort)
                .putInt((int) seq)
                .putInt((int) ack)
                .put((byte) ((headerLength / 4) << 4))
                .put((byte) flags)
                .putShort((short) 0xFFFF)
                .putShort((short) 0)
                .putShort((short) 0)
                .put(options)
                .put(payload)
                .array();
    }

    /** A UDP datagram with a correct Length and checksum 0. */
    public static byte[] udp(int srcPort, int dstPort, byte[] payload) {
        return ByteBuffer.allocate(8 + payload.length)
                .putShort((short) srcPort)
                .putShort((short) dstPort)
                .putShort((short) (8 + payload.length))
                .putShort((short) 0)
                .put(payload)
                .array();
    }

    /** An ICMP or ICMPv6 message: type, code, checksum 0, the 32-bit rest of header, then {@code data}. */
    public static byte[] icmp(int type, int code, long restOfHeader, byte[] data) {
        return ByteBuffer.allocate(8 + data.length)
                .put((byte) type)
                .put((byte) code)
                .putShort((short) 0)
                .putInt((int) restOfHeader)
                .put(data)
                .array();
    }

    /** Concatenates byte arrays. */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /**
     * A UDP payload as GWLB sends it: the 40-byte header with {@link #ENDPOINT_ID}, {@link #ATTACHMENT_ID} and
     * {@link #FLOW_COOKIE}, then {@code inner}. The Protocol Type follows the inner packet's version nibble.
     */
    public static ByteBuf gwlb(byte[] inner) {
        return gwlb(ENDPOINT_ID, ATTACHMENT_ID, FLOW_COOKIE, inner);
    }

    /** A GWLB UDP payload with the given option values; see {@link #gwlb(byte[])}. */
    public static ByteBuf gwlb(long endpointId, long attachmentId, long flowCookie, byte[] inner) {
        int protocolType =
                inner.length > 0 && (inner[0] & 0xF0) == 0x60 ? GeneveHeader.PROTOCOL_IPV6 : GeneveHeader.PROTOCOL_IPV4;
        ByteBuf out = Unpooled.buffer(GeneveHeader.GWLB_HEADER_LENGTH + inner.length);
        GeneveHeaders.writeGwlb(out, protocolType, endpointId, attachmentId, flowCookie);
        out.writeBytes(inner);
        return out;
    }

    /**
     * Decodes a whole UDP payload the way the data path does: the GENEVE header, then the inner packet after it.
     *
     * @return the first non-OK status, or OK
     */
    public static DecodeStatus decode(ByteBuf datagram, GeneveHeader header, InnerPacket inner) {
        int length = datagram.readableBytes();
        int start = datagram.readerIndex();
        DecodeStatus status = header.wrap(datagram, start, length);
        if (status != DecodeStatus.OK) {
            return status;
        }
        return inner.decode(
                datagram, header.innerOffset(), start + length - header.innerOffset(), header.protocolType());
    }

    /** RFC 1071 one's-complement checksum over {@code length} bytes. */
    public static int internetChecksum(byte[] bytes, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = bytes[offset + i] & 0xFF;
            int lo = i + 1 < length ? bytes[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
