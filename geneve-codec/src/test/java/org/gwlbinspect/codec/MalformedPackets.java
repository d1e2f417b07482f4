package org.gwlbinspect.codec;

import static org.gwlbinspect.codec.TestPackets.concat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.ipv6Extension;
import static org.gwlbinspect.codec.TestPackets.ipv6FragmentHeader;
import static org.gwlbinspect.codec.TestPackets.ipv6Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.gwlbinspect.codec.l4.UdpHeader;

/**
 * One UDP payload per drop reason: each is a valid GWLB packet with exactly one invariant broken, so decoding it (GENEVE
 * header, then inner packet) yields that {@link DecodeStatus}. Shared through the test-jar so later stages can test
 * that every reason is counted.
 */
public final class MalformedPackets {
    static final long CLIENT = ipv4(10, 98, 1, 10);
    static final long SERVER = ipv4(10, 98, 2, 20);
    static final long V6_HI = 0x20010db800010000L;
    static final long V6_CLIENT_LO = 0x10L;
    static final long V6_SERVER_LO = 0x20L;
    /** Offset of the flow cookie option's Length byte in the GWLB header (8 + 12 + 12 + 3). */
    static final int COOKIE_LENGTH_BYTE = 35;

    private MalformedPackets() {}

    /** Every non-OK status with a payload that produces it. */
    public static Map<DecodeStatus, Supplier<ByteBuf>> byStatus() {
        Map<DecodeStatus, Supplier<ByteBuf>> m = new EnumMap<>(DecodeStatus.class);
        m.put(DecodeStatus.GENEVE_TRUNCATED, MalformedPackets::geneveTruncated);
        m.put(DecodeStatus.GENEVE_BAD_VERSION, MalformedPackets::geneveBadVersion);
        m.put(DecodeStatus.GENEVE_OAM_PACKET, MalformedPackets::geneveOamPacket);
        m.put(DecodeStatus.GENEVE_BAD_PROTOCOL_TYPE, MalformedPackets::geneveBadProtocolType);
        m.put(DecodeStatus.GENEVE_OPTIONS_OVERRUN, MalformedPackets::geneveOptionsOverrun);
        m.put(DecodeStatus.GENEVE_OPTION_OVERRUN, MalformedPackets::geneveOptionOverrun);
        m.put(DecodeStatus.GENEVE_CRITICAL_OPTION, MalformedPackets::geneveCriticalOption);
        m.put(DecodeStatus.GENEVE_BAD_AWS_OPTION_LENGTH, MalformedPackets::geneveBadAwsOptionLength);
        m.put(DecodeStatus.GENEVE_DUPLICATE_AWS_OPTION, MalformedPackets::geneveDuplicateAwsOption);
        m.put(DecodeStatus.GENEVE_MISSING_ENDPOINT_ID, MalformedPackets::geneveMissingEndpointId);
        m.put(DecodeStatus.GENEVE_MISSING_ATTACHMENT_ID, MalformedPackets::geneveMissingAttachmentId);
        m.put(DecodeStatus.GENEVE_MISSING_FLOW_COOKIE, MalformedPackets::geneveMissingFlowCookie);
        m.put(DecodeStatus.INNER_EMPTY, MalformedPackets::innerEmpty);
        m.put(DecodeStatus.INNER_VERSION_MISMATCH, MalformedPackets::innerVersionMismatch);
        m.put(DecodeStatus.INNER_IPV4_TRUNCATED, MalformedPackets::ipv4Truncated);
        m.put(DecodeStatus.INNER_IPV4_BAD_IHL, MalformedPackets::ipv4BadIhl);
        m.put(DecodeStatus.INNER_IPV4_BAD_TOTAL_LENGTH, MalformedPackets::ipv4BadTotalLength);
        m.put(DecodeStatus.INNER_IPV6_TRUNCATED, MalformedPackets::ipv6Truncated);
        m.put(DecodeStatus.INNER_IPV6_BAD_PAYLOAD_LENGTH, MalformedPackets::ipv6BadPayloadLength);
        m.put(DecodeStatus.INNER_IPV6_EXTENSION_TRUNCATED, MalformedPackets::ipv6ExtensionTruncated);
        m.put(DecodeStatus.INNER_IPV6_EXTENSION_CHAIN_TOO_LONG, MalformedPackets::ipv6ExtensionChainTooLong);
        m.put(DecodeStatus.INNER_L4_TRUNCATED, MalformedPackets::l4Truncated);
        m.put(DecodeStatus.INNER_TCP_BAD_DATA_OFFSET, MalformedPackets::tcpBadDataOffset);
        m.put(DecodeStatus.INNER_IPV6_HOP_BY_HOP_NOT_FIRST, MalformedPackets::ipv6HopByHopNotFirst);
        m.put(DecodeStatus.INNER_IPV6_FRAGMENT_BAD_LENGTH, MalformedPackets::ipv6FragmentBadLength);
        m.put(DecodeStatus.INNER_FRAGMENT_TOO_LARGE, MalformedPackets::fragmentTooLarge);
        m.put(DecodeStatus.INNER_UDP_BAD_LENGTH, MalformedPackets::udpBadLength);
        m.put(DecodeStatus.INNER_IPV6_DUPLICATE_FRAGMENT_HEADER, MalformedPackets::ipv6DuplicateFragmentHeader);
        return m;
    }

    /** A valid GWLB IPv4 TCP SYN to mutate. */
    public static ByteBuf valid() {
        return Vectors.load("geneve/gwlb-ipv4-tcp-syn.hex");
    }

    /** 7 bytes: one short of the GENEVE base header. */
    public static ByteBuf geneveTruncated() {
        return Unpooled.wrappedBuffer(Arrays.copyOf(valid().array(), GeneveHeader.BASE_LENGTH - 1));
    }

    /** Ver = 1. */
    public static ByteBuf geneveBadVersion() {
        ByteBuf p = valid();
        p.setByte(0, p.getByte(0) | 0x40);
        return p;
    }

    /** O bit set. */
    public static ByteBuf geneveOamPacket() {
        ByteBuf p = valid();
        p.setByte(1, 0x80);
        return p;
    }

    /** Protocol Type 0x6558 (Ethernet), which GWLB never sends. */
    public static ByteBuf geneveBadProtocolType() {
        ByteBuf p = valid();
        p.setShort(2, 0x6558);
        return p;
    }

    /** Opt Len 63 words (252 bytes), more than the datagram. */
    public static ByteBuf geneveOptionsOverrun() {
        ByteBuf p = valid();
        p.setByte(0, 0x3F);
        return p;
    }

    /** The flow cookie option claims 8 data bytes where only 4 remain in the options area. */
    public static ByteBuf geneveOptionOverrun() {
        ByteBuf p = valid();
        p.setByte(COOKIE_LENGTH_BYTE, 2);
        return p;
    }

    /** An extra option of class 0x0109 with type 0x90: critical and unknown. */
    public static ByteBuf geneveCriticalOption() {
        ByteBuf p = Unpooled.buffer();
        byte[] option = {0x01, 0x09, (byte) 0x90, 0x00};
        GeneveHeaders.writeGwlb(
                p,
                GeneveHeader.PROTOCOL_IPV4,
                TestPackets.ENDPOINT_ID,
                TestPackets.ATTACHMENT_ID,
                TestPackets.FLOW_COOKIE,
                option);
        p.writeBytes(innerTcpSyn());
        return p;
    }

    /** The endpoint ID option with 4 data bytes instead of 8. */
    public static ByteBuf geneveBadAwsOptionLength() {
        ByteBuf p = Unpooled.buffer();
        GeneveHeaders.writeBase(p, 28, false, false, GeneveHeader.PROTOCOL_IPV4, 0);
        GeneveHeaders.writeOption(p, GeneveHeader.AWS_OPTION_CLASS, GeneveHeader.AWS_TYPE_ENDPOINT_ID, new byte[4]);
        GeneveHeaders.writeAttachmentIdOption(p, TestPackets.ATTACHMENT_ID);
        GeneveHeaders.writeFlowCookieOption(p, TestPackets.FLOW_COOKIE);
        p.writeBytes(innerTcpSyn());
        return p;
    }

    /** The endpoint ID option twice. */
    public static ByteBuf geneveDuplicateAwsOption() {
        ByteBuf p = Unpooled.buffer();
        GeneveHeaders.writeBase(p, 44, false, false, GeneveHeader.PROTOCOL_IPV4, 0);
        GeneveHeaders.writeEndpointIdOption(p, TestPackets.ENDPOINT_ID);
        GeneveHeaders.writeEndpointIdOption(p, TestPackets.ENDPOINT_ID + 1);
        GeneveHeaders.writeAttachmentIdOption(p, TestPackets.ATTACHMENT_ID);
        GeneveHeaders.writeFlowCookieOption(p, TestPackets.FLOW_COOKIE);
        p.writeBytes(innerTcpSyn());
        return p;
    }

    /** Attachment ID and flow cookie only. */
    public static ByteBuf geneveMissingEndpointId() {
        ByteBuf p = Unpooled.buffer();
        GeneveHeaders.writeBase(p, 20, false, false, GeneveHeader.PROTOCOL_IPV4, 0);
        GeneveHeaders.writeAttachmentIdOption(p, TestPackets.ATTACHMENT_ID);
        GeneveHeaders.writeFlowCookieOption(p, TestPackets.FLOW_COOKIE);
        p.writeBytes(innerTcpSyn());
        return p;
    }

    /** Endpoint ID and flow cookie only. */
    public static ByteBuf geneveMissingAttachmentId() {
        ByteBuf p = Unpooled.buffer();
        GeneveHeaders.writeBase(p, 20, false, false, GeneveHeader.PROTOCOL_IPV4, 0);
        GeneveHeaders.writeEndpointIdOption(p, TestPackets.ENDPOINT_ID);
        GeneveHeaders.writeFlowCookieOption(p, TestPackets.FLOW_COOKIE);
        p.writeBytes(innerTcpSyn());
        return p;
    }

    /** Endpoint ID and attachment ID only. */
    public static ByteBuf geneveMissingFlowCookie() {
        ByteBuf p = Unpooled.buffer();
        GeneveHeaders.writeBase(p, 24, false, false, GeneveHeader.PROTOCOL_IPV4, 0);
        GeneveHeaders.writeEndpointIdOption(p, TestPackets.ENDPOINT_ID);
        GeneveHeaders.writeAttachmentIdOption(p, TestPackets.ATTACHMENT_ID);
        p.writeBytes(innerTcpSyn());
        return p;
    }

    /** A GWLB header and nothing after it. */
    public static ByteBuf innerEmpty() {
        return gwlb(new byte[0]);
    }

    /** Protocol Type 0x0800 in front of an IPv6 packet. */
    public static ByteBuf innerVersionMismatch() {
        ByteBuf p = gwlb(innerIpv6Udp());
        p.setShort(2, GeneveHeader.PROTOCOL_IPV4);
        return p;
    }

    /** 19 bytes of IPv4. */
    public static ByteBuf ipv4Truncated() {
        return gwlb(Arrays.copyOf(innerTcpSyn(), 19));
    }

    /** IHL 4 (16 bytes), below the fixed 20-byte header. */
    public static ByteBuf ipv4BadIhl() {
        byte[] inner = innerTcpSyn();
        inner[0] = 0x44;
        return gwlb(inner);
    }

    /** Total Length 1000 on a 40-byte packet. */
    public static ByteBuf ipv4BadTotalLength() {
        byte[] inner = innerTcpSyn();
        inner[2] = 0x03;
        inner[3] = (byte) 0xE8;
        return gwlb(inner);
    }

    /** 39 bytes of IPv6. */
    public static ByteBuf ipv6Truncated() {
        return gwlb(Arrays.copyOf(innerIpv6Udp(), 39));
    }

    /** Payload Length 1000 on a 20-byte payload. */
    public static ByteBuf ipv6BadPayloadLength() {
        byte[] inner = innerIpv6Udp();
        inner[4] = 0x03;
        inner[5] = (byte) 0xE8;
        return gwlb(inner);
    }

    /** A Destination Options header whose Hdr Ext Len (1: 16 bytes) runs past the 8 bytes left. */
    public static ByteBuf ipv6ExtensionTruncated() {
        byte[] options = ipv6Extension(UdpHeader.PROTOCOL, 0);
        options[1] = 1;
        return gwlb(ipv6Packet(60, V6_HI, V6_CLIENT_LO, V6_HI, V6_SERVER_LO, options));
    }

    /** Nine Destination Options headers before UDP, one more than the walk allows. */
    public static ByteBuf ipv6ExtensionChainTooLong() {
        byte[] chain = new byte[0];
        for (int i = 0; i < 9; i++) {
            chain = concat(chain, ipv6Extension(i == 8 ? UdpHeader.PROTOCOL : 60, 0));
        }
        byte[] payload = concat(chain, udp(40000, 5300, new byte[4]));
        return gwlb(ipv6Packet(60, V6_HI, V6_CLIENT_LO, V6_HI, V6_SERVER_LO, payload));
    }

    /** An IPv4 packet with Protocol TCP and 19 bytes of TCP header. */
    public static ByteBuf l4Truncated() {
        byte[] tcp = Arrays.copyOf(tcp(41000, 8443, 1, 0, TcpHeader.SYN, new byte[0]), 19);
        return gwlb(ipv4Packet(TcpHeader.PROTOCOL, CLIENT, SERVER, tcp));
    }

    /** TCP Data Offset 4 words. */
    public static ByteBuf tcpBadDataOffset() {
        byte[] tcp = tcp(41000, 8443, 1, 0, TcpHeader.SYN, new byte[0]);
        tcp[12] = 0x40;
        return gwlb(ipv4Packet(TcpHeader.PROTOCOL, CLIENT, SERVER, tcp));
    }

    /** Hop-by-Hop Options after a Destination Options header. */
    public static ByteBuf ipv6HopByHopNotFirst() {
        byte[] payload =
                concat(ipv6Extension(0, 0), ipv6Extension(UdpHeader.PROTOCOL, 0), udp(40000, 5300, new byte[4]));
        return gwlb(ipv6Packet(60, V6_HI, V6_CLIENT_LO, V6_HI, V6_SERVER_LO, payload));
    }

    /** A first IPv6 fragment (M = 1) with 12 bytes of fragment data, not a multiple of 8. */
    public static ByteBuf ipv6FragmentBadLength() {
        byte[] payload = concat(ipv6FragmentHeader(UdpHeader.PROTOCOL, 0, true, 7), udp(40000, 5300, new byte[4]));
        return gwlb(ipv6Packet(44, V6_HI, V6_CLIENT_LO, V6_HI, V6_SERVER_LO, payload));
    }

    /** An IPv4 fragment at offset 65 528 carrying 24 bytes: it would reassemble past 65 535. */
    public static ByteBuf fragmentTooLarge() {
        byte[] inner = ipv4Packet(UdpHeader.PROTOCOL, CLIENT, SERVER, 0x4242, 8191, new byte[0], new byte[24]);
        return gwlb(inner);
    }

    /** An unfragmented UDP datagram whose Length (4) is below the 8-byte header. */
    public static ByteBuf udpBadLength() {
        byte[] udp = udp(40000, 5300, new byte[8]);
        udp[4] = 0;
        udp[5] = 4;
        return gwlb(ipv4Packet(UdpHeader.PROTOCOL, CLIENT, SERVER, udp));
    }

    /** Two Fragment headers in one IPv6 packet. */
    public static ByteBuf ipv6DuplicateFragmentHeader() {
        byte[] payload = concat(
                ipv6FragmentHeader(44, 0, false, 1),
                ipv6FragmentHeader(UdpHeader.PROTOCOL, 0, false, 2),
                udp(40000, 5300, new byte[8]));
        return gwlb(ipv6Packet(44, V6_HI, V6_CLIENT_LO, V6_HI, V6_SERVER_LO, payload));
    }

    private static byte[] innerTcpSyn() {
        return ipv4Packet(TcpHeader.PROTOCOL, CLIENT, SERVER, tcp(41000, 8443, 1, 0, TcpHeader.SYN, new byte[0]));
    }

    private static byte[] innerIpv6Udp() {
        return ipv6Packet(UdpHeader.PROTOCOL, V6_HI, V6_CLIENT_LO, V6_HI, V6_SERVER_LO, udp(40000, 5300, new byte[12]));
    }
}
