package org.gwlbinspect.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.ATTACHMENT_ID;
import static org.gwlbinspect.codec.TestPackets.ENDPOINT_ID;
import static org.gwlbinspect.codec.TestPackets.FLOW_COOKIE;
import static org.gwlbinspect.codec.TestPackets.ipv4;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.junit.jupiter.api.Test;

/**
 * Decodes every golden vector in {@code vectors/geneve/}, asserts every field (values cross-checked once with
 * {@code tshark -d udp.port==6081,geneve -V}), and re-encodes the GENEVE header with {@link GeneveHeaders} to the same
 * bytes.
 */
class GoldenVectorTest {
    static final long CLIENT = ipv4(10, 98, 1, 10);
    static final long SERVER = ipv4(10, 98, 2, 20);
    static final long UDP_SERVER = ipv4(10, 98, 2, 53);
    static final long V6_CLIENT_HI = 0x20010db800010000L;
    static final long V6_SERVER_HI = 0x20010db800020000L;
    static final long V6_CLIENT_LO = 0x10L;
    static final long V6_SERVER_LO = 0x20L;

    final GeneveHeader header = new GeneveHeader();
    final InnerPacket inner = new InnerPacket();

    ByteBuf decodeOk(String name) {
        ByteBuf packet = Vectors.load("geneve/" + name + ".hex");
        assertThat(TestPackets.decode(packet, header, inner)).isEqualTo(DecodeStatus.OK);
        return packet;
    }

    void assertStandardGwlbHeader(int protocolType) {
        assertThat(header.version()).isZero();
        assertThat(header.optionsLength()).isEqualTo(32);
        assertThat(header.headerLength()).isEqualTo(GeneveHeader.GWLB_HEADER_LENGTH);
        assertThat(header.oam()).isFalse();
        assertThat(header.critical()).isFalse();
        assertThat(header.protocolType()).isEqualTo(protocolType);
        assertThat(header.vni()).isZero();
        assertThat(header.endpointId()).isEqualTo(ENDPOINT_ID);
        assertThat(header.attachmentId()).isEqualTo(ATTACHMENT_ID);
        assertThat(header.flowCookie()).isEqualTo(FLOW_COOKIE);
        assertThat(header.hasUnknownOptions()).isFalse();
        assertThat(header.innerOffset()).isEqualTo(40);
    }

    /** Writes the standard header for the decoded values plus the inner bytes, and compares with the vector. */
    void assertReEncodesIdentically(ByteBuf packet) {
        ByteBuf out = Unpooled.buffer();
        GeneveHeaders.writeGwlb(
                out, header.protocolType(), header.endpointId(), header.attachmentId(), header.flowCookie());
        out.writeBytes(packet, header.innerOffset(), packet.readableBytes() - header.innerOffset());
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(ByteBufUtil.getBytes(packet));
    }

    void assertIpv4Tuple(long src, long dst, int protocol, int srcPort, int dstPort) {
        assertThat(inner.ipVersion()).isEqualTo(4);
        assertThat(inner.srcAddrHi()).isZero();
        assertThat(inner.srcAddrLo()).isEqualTo(src);
        assertThat(inner.dstAddrHi()).isZero();
        assertThat(inner.dstAddrLo()).isEqualTo(dst);
        assertThat(inner.protocol()).isEqualTo(protocol);
        assertThat(inner.srcPort()).isEqualTo(srcPort);
        assertThat(inner.dstPort()).isEqualTo(dstPort);
    }

    void assertIpv6Tuple(long srcHi, long srcLo, long dstHi, long dstLo, int protocol, int srcPort, int dstPort) {
        assertThat(inner.ipVersion()).isEqualTo(6);
        assertThat(inner.srcAddrHi()).isEqualTo(srcHi);
        assertThat(inner.srcAddrLo()).isEqualTo(srcLo);
        assertThat(inner.dstAddrHi()).isEqualTo(dstHi);
        assertThat(inner.dstAddrLo()).isEqualTo(dstLo);
        assertThat(inner.protocol()).isEqualTo(protocol);
        assertThat(inner.srcPort()).isEqualTo(srcPort);
        assertThat(inner.dstPort()).isEqualTo(dstPort);
    }

    void assertNotFragmented() {
        assertThat(inner.isFragment()).isFalse();
        assertThat(inner.isFirstFragment()).isFalse();
        assertThat(inner.fragmentOffset()).isZero();
        assertThat(inner.moreFragments()).isFalse();
    }

    void assertNoIcmpError() {
        assertThat(inner.isIcmpError()).isFalse();
        assertThat(inner.hasQuotedTuple()).isFalse();
        assertThat(inner.quotedProtocol()).isZero();
        assertThat(inner.quotedSrcPort()).isZero();
        assertThat(inner.quotedDstPort()).isZero();
    }

    @Test
    void decodesGwlbIpv4TcpSyn() {
        ByteBuf packet = decodeOk("gwlb-ipv4-tcp-syn");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(CLIENT, SERVER, 6, 41000, 8443);
        assertThat(inner.ipTotalLength()).isEqualTo(44);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isEqualTo(0x1c46);
        assertThat(inner.l4Offset()).isEqualTo(60);
        assertThat(inner.l4Length()).isEqualTo(24);
        assertThat(inner.tcpFlags()).isEqualTo(TcpHeader.SYN);
        assertThat(inner.tcp().sequenceNumber()).isEqualTo(0x11223344L);
        assertThat(inner.tcp().acknowledgmentNumber()).isZero();
        assertThat(inner.tcp().headerLength()).isEqualTo(24);
        assertThat(inner.tcp().optionsLength()).isEqualTo(4);
        assertThat(inner.tcp().window()).isEqualTo(64240);
        assertThat(inner.payloadOffset()).isEqualTo(84);
        assertThat(inner.payloadLength()).isZero();
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void decodesGwlbIpv4TcpAckAndIgnoresTrailingPadding() {
        ByteBuf packet = decodeOk("gwlb-ipv4-tcp-ack-padded");
        assertThat(packet.readableBytes()).isEqualTo(40 + 40 + 6);
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(CLIENT, SERVER, 6, 41000, 8443);
        assertThat(inner.ipTotalLength()).isEqualTo(40);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isEqualTo(0x1c47);
        assertThat(inner.l4Offset()).isEqualTo(60);
        assertThat(inner.l4Length()).isEqualTo(20);
        assertThat(inner.tcpFlags()).isEqualTo(TcpHeader.ACK);
        assertThat(inner.tcp().sequenceNumber()).isEqualTo(0x11223345L);
        assertThat(inner.tcp().acknowledgmentNumber()).isEqualTo(0x77665544L);
        assertThat(inner.payloadOffset()).isEqualTo(80);
        assertThat(inner.payloadLength()).isZero();
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void decodesGwlbIpv4Udp() {
        ByteBuf packet = decodeOk("gwlb-ipv4-udp");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(CLIENT, UDP_SERVER, 17, 40000, 5300);
        assertThat(inner.ipTotalLength()).isEqualTo(36);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isEqualTo(0x2000);
        assertThat(inner.l4Offset()).isEqualTo(60);
        assertThat(inner.l4Length()).isEqualTo(16);
        assertThat(inner.tcpFlags()).isZero();
        assertThat(inner.udp().length()).isEqualTo(16);
        assertThat(inner.payloadOffset()).isEqualTo(68);
        assertThat(inner.payloadLength()).isEqualTo(8);
        assertThat(packet.toString(
                        inner.payloadOffset(), inner.payloadLength(), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("gwlb-udp");
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void skipsIpv4OptionsByIhl() {
        ByteBuf packet = decodeOk("gwlb-ipv4-options");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(CLIENT, SERVER, 17, 40001, 5301);
        assertThat(inner.ipv4().headerLength()).isEqualTo(24);
        assertThat(inner.ipv4().optionsLength()).isEqualTo(4);
        assertThat(inner.ipv4().ttl()).isEqualTo(1);
        assertThat(inner.ipTotalLength()).isEqualTo(36);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isEqualTo(0x3000);
        assertThat(inner.l4Offset()).isEqualTo(64);
        assertThat(inner.l4Length()).isEqualTo(12);
        assertThat(inner.tcpFlags()).isZero();
        assertThat(inner.payloadOffset()).isEqualTo(72);
        assertThat(inner.payloadLength()).isEqualTo(4);
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void decodesPortsOfIpv4FirstFragment() {
        ByteBuf packet = decodeOk("gwlb-ipv4-first-fragment");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(CLIENT, SERVER, 17, 40002, 5302);
        assertThat(inner.ipTotalLength()).isEqualTo(44);
        assertThat(inner.isFragment()).isTrue();
        assertThat(inner.isFirstFragment()).isTrue();
        assertThat(inner.fragmentOffset()).isZero();
        assertThat(inner.moreFragments()).isTrue();
        assertThat(inner.fragmentId()).isEqualTo(0x4242);
        assertThat(inner.l4Offset()).isEqualTo(60);
        assertThat(inner.l4Length()).isEqualTo(24);
        assertThat(inner.udp().length()).isEqualTo(48); // the whole datagram, longer than this fragment: not a drop
        assertThat(inner.payloadOffset()).isEqualTo(68);
        assertThat(inner.payloadLength()).isEqualTo(16);
        assertThat(inner.tcpFlags()).isZero();
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void reportsNoPortsForIpv4NonFirstFragment() {
        ByteBuf packet = decodeOk("gwlb-ipv4-non-first-fragment");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(CLIENT, SERVER, 17, 0, 0);
        assertThat(inner.ipTotalLength()).isEqualTo(44);
        assertThat(inner.isFragment()).isTrue();
        assertThat(inner.isFirstFragment()).isFalse();
        assertThat(inner.fragmentOffset()).isEqualTo(24);
        assertThat(inner.moreFragments()).isFalse();
        assertThat(inner.fragmentId()).isEqualTo(0x4242);
        assertThat(inner.l4Offset()).isEqualTo(60);
        assertThat(inner.l4Length()).isEqualTo(24);
        assertThat(inner.payloadOffset()).isEqualTo(60);
        assertThat(inner.payloadLength()).isEqualTo(24);
        assertThat(inner.tcpFlags()).isZero();
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void decodesIpv4IcmpEchoWithoutPorts() {
        ByteBuf packet = decodeOk("gwlb-ipv4-icmp-echo");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(CLIENT, SERVER, 1, 0, 0);
        assertThat(inner.ipTotalLength()).isEqualTo(44);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isEqualTo(0x8000);
        assertThat(inner.l4Offset()).isEqualTo(60);
        assertThat(inner.l4Length()).isEqualTo(24);
        assertThat(inner.icmp().type()).isEqualTo(8);
        assertThat(inner.icmp().code()).isZero();
        assertThat(inner.icmp().identifier()).isEqualTo(0x1234);
        assertThat(inner.icmp().sequenceNumber()).isEqualTo(7);
        assertThat(inner.payloadOffset()).isEqualTo(68);
        assertThat(inner.payloadLength()).isEqualTo(16);
        assertThat(inner.tcpFlags()).isZero();
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void exposesTupleQuotedInIcmpv4PortUnreachable() {
        ByteBuf packet = decodeOk("gwlb-icmp4-error-quoting-udp");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(UDP_SERVER, CLIENT, 1, 0, 0);
        assertThat(inner.ipTotalLength()).isEqualTo(64);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isEqualTo(0x5000);
        assertThat(inner.l4Offset()).isEqualTo(60);
        assertThat(inner.l4Length()).isEqualTo(44);
        assertThat(inner.icmp().type()).isEqualTo(3);
        assertThat(inner.icmp().code()).isEqualTo(3);
        assertThat(inner.payloadOffset()).isEqualTo(68);
        assertThat(inner.payloadLength()).isEqualTo(36);
        assertThat(inner.isIcmpError()).isTrue();
        assertThat(inner.hasQuotedTuple()).isTrue();
        assertThat(inner.quotedProtocol()).isEqualTo(17);
        assertThat(inner.quotedSrcAddrHi()).isZero();
        assertThat(inner.quotedSrcAddrLo()).isEqualTo(CLIENT);
        assertThat(inner.quotedDstAddrHi()).isZero();
        assertThat(inner.quotedDstAddrLo()).isEqualTo(UDP_SERVER);
        assertThat(inner.quotedSrcPort()).isEqualTo(40000);
        assertThat(inner.quotedDstPort()).isEqualTo(5300);
        assertReEncodesIdentically(packet);
    }

    @Test
    void decodesGwlbIpv6Tcp() {
        ByteBuf packet = decodeOk("gwlb-ipv6-tcp");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV6);
        assertIpv6Tuple(V6_CLIENT_HI, V6_CLIENT_LO, V6_SERVER_HI, V6_SERVER_LO, 6, 41000, 8443);
        assertThat(inner.ipv6().flowLabel()).isEqualTo(0x12345);
        assertThat(inner.ipv6().trafficClass()).isZero();
        assertThat(inner.ipv6().hopLimit()).isEqualTo(64);
        assertThat(inner.ipTotalLength()).isEqualTo(64);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isZero();
        assertThat(inner.l4Offset()).isEqualTo(80);
        assertThat(inner.l4Length()).isEqualTo(24);
        assertThat(inner.tcpFlags()).isEqualTo(TcpHeader.PSH | TcpHeader.ACK);
        assertThat(inner.tcp().sequenceNumber()).isEqualTo(0x01020304L);
        assertThat(inner.tcp().acknowledgmentNumber()).isEqualTo(0x0a0b0c0dL);
        assertThat(inner.tcp().window()).isEqualTo(502);
        assertThat(inner.payloadOffset()).isEqualTo(100);
        assertThat(inner.payloadLength()).isEqualTo(4);
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void walksIpv6HopByHopAndFragmentHeadersToUdp() {
        ByteBuf packet = decodeOk("gwlb-ipv6-hop-by-hop-fragment");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV6);
        assertIpv6Tuple(V6_CLIENT_HI, V6_CLIENT_LO, V6_SERVER_HI, V6_SERVER_LO, 17, 40000, 5300);
        assertThat(inner.ipv6().nextHeader()).isZero();
        assertThat(inner.ipv6().extensionHeaderCount()).isEqualTo(2);
        assertThat(inner.ipv6().extensionHeadersLength()).isEqualTo(16);
        assertThat(inner.ipTotalLength()).isEqualTo(80);
        assertThat(inner.isFragment()).isTrue();
        assertThat(inner.isFirstFragment()).isTrue();
        assertThat(inner.fragmentOffset()).isZero();
        assertThat(inner.moreFragments()).isTrue();
        assertThat(inner.fragmentId()).isEqualTo(0x12345678L);
        assertThat(inner.l4Offset()).isEqualTo(96);
        assertThat(inner.l4Length()).isEqualTo(24);
        assertThat(inner.payloadOffset()).isEqualTo(104);
        assertThat(inner.payloadLength()).isEqualTo(16);
        assertThat(inner.tcpFlags()).isZero();
        assertNoIcmpError();
        assertReEncodesIdentically(packet);
    }

    @Test
    void exposesTupleQuotedInIcmpv6DestinationUnreachable() {
        ByteBuf packet = decodeOk("gwlb-icmp6-error-quoting-udp");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV6);
        assertIpv6Tuple(V6_SERVER_HI, V6_SERVER_LO, V6_CLIENT_HI, V6_CLIENT_LO, 58, 0, 0);
        assertThat(inner.ipTotalLength()).isEqualTo(104);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isZero();
        assertThat(inner.l4Offset()).isEqualTo(80);
        assertThat(inner.l4Length()).isEqualTo(64);
        assertThat(inner.icmp().type()).isEqualTo(1);
        assertThat(inner.icmp().code()).isEqualTo(4);
        assertThat(inner.payloadOffset()).isEqualTo(88);
        assertThat(inner.payloadLength()).isEqualTo(56);
        assertThat(inner.isIcmpError()).isTrue();
        assertThat(inner.hasQuotedTuple()).isTrue();
        assertThat(inner.quotedProtocol()).isEqualTo(17);
        assertThat(inner.quotedSrcAddrHi()).isEqualTo(V6_CLIENT_HI);
        assertThat(inner.quotedSrcAddrLo()).isEqualTo(V6_CLIENT_LO);
        assertThat(inner.quotedDstAddrHi()).isEqualTo(V6_SERVER_HI);
        assertThat(inner.quotedDstAddrLo()).isEqualTo(V6_SERVER_LO);
        assertThat(inner.quotedSrcPort()).isEqualTo(40003);
        assertThat(inner.quotedDstPort()).isEqualTo(5303);
        assertReEncodesIdentically(packet);
    }

    @Test
    void keepsUnknownNonCriticalOptionInA48ByteHeader() {
        ByteBuf packet = decodeOk("gwlb-extra-option");
        assertThat(header.version()).isZero();
        assertThat(header.optionsLength()).isEqualTo(40);
        assertThat(header.headerLength()).isEqualTo(48);
        assertThat(header.oam()).isFalse();
        assertThat(header.critical()).isFalse();
        assertThat(header.protocolType()).isEqualTo(GeneveHeader.PROTOCOL_IPV4);
        assertThat(header.vni()).isZero();
        assertThat(header.endpointId()).isEqualTo(ENDPOINT_ID);
        assertThat(header.attachmentId()).isEqualTo(ATTACHMENT_ID);
        assertThat(header.flowCookie()).isEqualTo(FLOW_COOKIE);
        assertThat(header.hasUnknownOptions()).isTrue();
        assertThat(header.innerOffset()).isEqualTo(48);
        assertIpv4Tuple(CLIENT, SERVER, 6, 41001, 8443);
        assertThat(inner.ipTotalLength()).isEqualTo(40);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isEqualTo(0x6000);
        assertThat(inner.l4Offset()).isEqualTo(68);
        assertThat(inner.l4Length()).isEqualTo(20);
        assertThat(inner.tcpFlags()).isEqualTo(TcpHeader.ACK);
        assertThat(inner.tcp().sequenceNumber()).isEqualTo(0x55667788L);
        assertThat(inner.tcp().acknowledgmentNumber()).isEqualTo(0x99aabbccL);
        assertThat(inner.payloadOffset()).isEqualTo(88);
        assertThat(inner.payloadLength()).isZero();
        assertNoIcmpError();

        byte[] extra = ByteBufUtil.getBytes(packet, 40, 8);
        ByteBuf out = Unpooled.buffer();
        GeneveHeaders.writeGwlb(out, GeneveHeader.PROTOCOL_IPV4, ENDPOINT_ID, ATTACHMENT_ID, FLOW_COOKIE, extra);
        out.writeBytes(packet, 48, packet.readableBytes() - 48);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(ByteBufUtil.getBytes(packet));
    }

    @Test
    void acceptsAwsOptionsInAnyOrder() {
        ByteBuf packet = decodeOk("gwlb-reordered-options");
        assertStandardGwlbHeader(GeneveHeader.PROTOCOL_IPV4);
        assertIpv4Tuple(CLIENT, SERVER, 17, 40004, 5304);
        assertThat(inner.ipTotalLength()).isEqualTo(36);
        assertNotFragmented();
        assertThat(inner.fragmentId()).isEqualTo(0x7000);
        assertThat(inner.l4Offset()).isEqualTo(60);
        assertThat(inner.l4Length()).isEqualTo(16);
        assertThat(inner.payloadOffset()).isEqualTo(68);
        assertThat(inner.payloadLength()).isEqualTo(8);
        assertThat(inner.tcpFlags()).isZero();
        assertNoIcmpError();

        ByteBuf out = Unpooled.buffer();
        GeneveHeaders.writeBase(out, 32, false, false, GeneveHeader.PROTOCOL_IPV4, 0);
        GeneveHeaders.writeFlowCookieOption(out, FLOW_COOKIE);
        GeneveHeaders.writeEndpointIdOption(out, ENDPOINT_ID);
        GeneveHeaders.writeAttachmentIdOption(out, ATTACHMENT_ID);
        out.writeBytes(packet, 40, packet.readableBytes() - 40);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(ByteBufUtil.getBytes(packet));
    }

    @Test
    void listsEveryVectorFileInTheCatalogue() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(
                Vectors.class.getResource("/vectors/geneve").toURI());
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(f -> "geneve/" + f.getFileName())).containsExactlyInAnyOrderElementsOf(Vectors.GENEVE);
        }
    }
}
