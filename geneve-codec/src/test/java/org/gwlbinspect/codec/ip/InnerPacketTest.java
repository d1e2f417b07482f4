package org.gwlbinspect.codec.ip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.concat;
import static org.gwlbinspect.codec.TestPackets.icmp;
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
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.MalformedPackets;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.junit.jupiter.api.Test;

class InnerPacketTest {
    static final long CLIENT = ipv4(10, 98, 1, 10);
    static final long SERVER = ipv4(10, 98, 2, 20);
    static final long HI = 0x20010db800010000L;

    final InnerPacket inner = new InnerPacket();

    DecodeStatus decode(byte[] packet) {
        int protocolType = packet.length > 0 && (packet[0] & 0xF0) == 0x60
                ? GeneveHeader.PROTOCOL_IPV6
                : GeneveHeader.PROTOCOL_IPV4;
        return inner.decode(Unpooled.wrappedBuffer(packet), 0, packet.length, protocolType);
    }

    DecodeStatus decodeDatagram(ByteBuf datagram) {
        return TestPackets.decode(datagram, new GeneveHeader(), inner);
    }

    @Test
    void reportsIpv4AddressAsUnsigned32BitsInLo() {
        long high = ipv4(203, 0, 113, 250);
        assertThat(decode(ipv4Packet(17, high, CLIENT, udp(1, 2, new byte[0])))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.srcAddrHi()).isZero();
        assertThat(inner.srcAddrLo()).isEqualTo(0xCB0071FAL);
        assertThat(inner.dstAddrLo()).isEqualTo(CLIENT);
    }

    @Test
    void decodesAtOffsetWithinALargerBuffer() {
        byte[] packet = ipv4Packet(6, CLIENT, SERVER, tcp(41000, 443, 5, 6, TcpHeader.SYN, new byte[0]));
        ByteBuf buf = Unpooled.buffer().writeBytes(new byte[7]).writeBytes(packet);
        assertThat(inner.decode(buf, 7, packet.length, GeneveHeader.PROTOCOL_IPV4))
                .isEqualTo(DecodeStatus.OK);
        assertThat(inner.l4Offset()).isEqualTo(27);
        assertThat(inner.dstPort()).isEqualTo(443);
    }

    @Test
    void clearsFieldsOfThePreviousPacket() {
        decode(ipv4Packet(6, CLIENT, SERVER, tcp(41000, 443, 5, 6, TcpHeader.SYN, new byte[0])));
        assertThat(decode(ipv4Packet(47, CLIENT, SERVER, new byte[4]))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.protocol()).isEqualTo(47);
        assertThat(inner.srcPort()).isZero();
        assertThat(inner.dstPort()).isZero();
        assertThat(inner.tcpFlags()).isZero();
        assertThat(inner.payloadLength()).isEqualTo(4);
    }

    @Test
    void givesNoPortsToProtocolsWithoutThem() {
        assertThat(decode(ipv4Packet(132, CLIENT, SERVER, new byte[12]))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.protocol()).isEqualTo(132);
        assertThat(inner.srcPort()).isZero();
        assertThat(inner.dstPort()).isZero();
        assertThat(inner.l4Length()).isEqualTo(12);
    }

    @Test
    void acceptsEmptyNonL4Payload() {
        assertThat(decode(ipv6Packet(59, HI, 1, HI, 2, new byte[0]))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.protocol()).isEqualTo(59);
        assertThat(inner.l4Length()).isZero();
    }

    @Test
    void dropsEmptyInnerPacket() {
        assertThat(decodeDatagram(MalformedPackets.innerEmpty())).isEqualTo(DecodeStatus.INNER_EMPTY);
    }

    @Test
    void treatsRangeOutsideTheBufferAsMissingBytes() {
        byte[] packet = ipv4Packet(17, CLIENT, SERVER, udp(1, 2, new byte[0]));
        ByteBuf buf = Unpooled.wrappedBuffer(packet);
        assertThat(inner.decode(buf, packet.length, 10, GeneveHeader.PROTOCOL_IPV4))
                .isEqualTo(DecodeStatus.INNER_EMPTY);
        assertThat(inner.decode(buf, -1, 10, GeneveHeader.PROTOCOL_IPV4)).isEqualTo(DecodeStatus.INNER_EMPTY);
        assertThat(inner.decode(buf, 0, 100, GeneveHeader.PROTOCOL_IPV4)).isEqualTo(DecodeStatus.OK);
    }

    @Test
    void rejectsProtocolTypeItCannotDecode() {
        byte[] packet = ipv4Packet(17, CLIENT, SERVER, udp(1, 2, new byte[0]));
        assertThat(inner.decode(Unpooled.wrappedBuffer(packet), 0, packet.length, 0x6558))
                .isEqualTo(DecodeStatus.GENEVE_BAD_PROTOCOL_TYPE);
    }

    @Test
    void dropsIpv6PacketBehindIpv4ProtocolType() {
        assertThat(decodeDatagram(MalformedPackets.innerVersionMismatch()))
                .isEqualTo(DecodeStatus.INNER_VERSION_MISMATCH);
    }

    @Test
    void dropsIpv4PacketBehindIpv6ProtocolType() {
        byte[] packet = ipv4Packet(17, CLIENT, SERVER, udp(1, 2, new byte[0]));
        assertThat(inner.decode(Unpooled.wrappedBuffer(packet), 0, packet.length, GeneveHeader.PROTOCOL_IPV6))
                .isEqualTo(DecodeStatus.INNER_VERSION_MISMATCH);
    }

    @Test
    void dropsIpv4ShorterThanItsHeader() {
        assertThat(decodeDatagram(MalformedPackets.ipv4Truncated())).isEqualTo(DecodeStatus.INNER_IPV4_TRUNCATED);
    }

    @Test
    void dropsIpv4WhoseOptionsAreCutOff() {
        byte[] packet = ipv4Packet(17, CLIENT, SERVER, 0, 0, new byte[8], new byte[0]);
        assertThat(decode(Arrays.copyOf(packet, 24))).isEqualTo(DecodeStatus.INNER_IPV4_TRUNCATED);
    }

    @Test
    void dropsIpv4WithIhlBelowFive() {
        assertThat(decodeDatagram(MalformedPackets.ipv4BadIhl())).isEqualTo(DecodeStatus.INNER_IPV4_BAD_IHL);
    }

    @Test
    void dropsIpv4WithTotalLengthBeyondPacket() {
        assertThat(decodeDatagram(MalformedPackets.ipv4BadTotalLength()))
                .isEqualTo(DecodeStatus.INNER_IPV4_BAD_TOTAL_LENGTH);
    }

    @Test
    void dropsIpv4WithTotalLengthShorterThanHeader() {
        byte[] packet = ipv4Packet(17, CLIENT, SERVER, udp(1, 2, new byte[0]));
        packet[2] = 0;
        packet[3] = 19;
        assertThat(decode(packet)).isEqualTo(DecodeStatus.INNER_IPV4_BAD_TOTAL_LENGTH);
    }

    @Test
    void excludesBytesAfterIpv6PayloadLength() {
        byte[] packet = concat(ipv6Packet(17, HI, 1, HI, 2, udp(5, 6, new byte[4])), new byte[9]);
        assertThat(decode(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(inner.ipTotalLength()).isEqualTo(52);
        assertThat(inner.l4Length()).isEqualTo(12);
        assertThat(inner.payloadLength()).isEqualTo(4);
    }

    @Test
    void dropsIpv6ShorterThanItsHeader() {
        assertThat(decodeDatagram(MalformedPackets.ipv6Truncated())).isEqualTo(DecodeStatus.INNER_IPV6_TRUNCATED);
    }

    @Test
    void dropsIpv6WithPayloadLengthBeyondPacket() {
        assertThat(decodeDatagram(MalformedPackets.ipv6BadPayloadLength()))
                .isEqualTo(DecodeStatus.INNER_IPV6_BAD_PAYLOAD_LENGTH);
    }

    @Test
    void dropsIpv6ExtensionHeaderRunningPastPacket() {
        assertThat(decodeDatagram(MalformedPackets.ipv6ExtensionTruncated()))
                .isEqualTo(DecodeStatus.INNER_IPV6_EXTENSION_TRUNCATED);
    }

    @Test
    void dropsIpv6ExtensionHeaderShorterThanEightBytes() {
        byte[] packet = ipv6Packet(43, HI, 1, HI, 2, new byte[4]);
        assertThat(decode(packet)).isEqualTo(DecodeStatus.INNER_IPV6_EXTENSION_TRUNCATED);
    }

    @Test
    void dropsIpv6ExtensionChainLongerThanEightHeaders() {
        assertThat(decodeDatagram(MalformedPackets.ipv6ExtensionChainTooLong()))
                .isEqualTo(DecodeStatus.INNER_IPV6_EXTENSION_CHAIN_TOO_LONG);
    }

    @Test
    void walksEightExtensionHeaders() {
        byte[] chain = new byte[0];
        for (int i = 0; i < 8; i++) {
            chain = concat(chain, ipv6Extension(i == 7 ? 17 : 60, 0));
        }
        assertThat(decode(ipv6Packet(60, HI, 1, HI, 2, concat(chain, udp(7, 8, new byte[0])))))
                .isEqualTo(DecodeStatus.OK);
        assertThat(inner.ipv6().extensionHeaderCount()).isEqualTo(8);
        assertThat(inner.dstPort()).isEqualTo(8);
    }

    @Test
    void skipsAuthenticationHeaderByItsOwnLengthRule() {
        // RFC 4302 §2.2: Payload Len 4 means (4 + 2) × 4 = 24 bytes.
        byte[] ah = new byte[24];
        ah[0] = 6;
        ah[1] = 4;
        byte[] packet = ipv6Packet(51, HI, 1, HI, 2, concat(ah, tcp(1234, 443, 1, 2, TcpHeader.ACK, new byte[3])));
        assertThat(decode(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(inner.protocol()).isEqualTo(6);
        assertThat(inner.l4Offset()).isEqualTo(40 + 24);
        assertThat(inner.srcPort()).isEqualTo(1234);
        assertThat(inner.payloadLength()).isEqualTo(3);
    }

    @Test
    void walksRoutingAndDestinationOptionsHeaders() {
        byte[] payload = concat(ipv6Extension(43, 1), ipv6Extension(17, 0), udp(53000, 5353, new byte[2]));
        assertThat(decode(ipv6Packet(60, HI, 1, HI, 2, payload))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.protocol()).isEqualTo(17);
        assertThat(inner.l4Offset()).isEqualTo(40 + 16 + 8);
        assertThat(inner.srcPort()).isEqualTo(53000);
    }

    @Test
    void stopsAtEspAsTheUpperLayer() {
        assertThat(decode(ipv6Packet(50, HI, 1, HI, 2, new byte[16]))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.protocol()).isEqualTo(50);
        assertThat(inner.srcPort()).isZero();
    }

    @Test
    void dropsHopByHopHeaderThatIsNotFirst() {
        assertThat(decodeDatagram(MalformedPackets.ipv6HopByHopNotFirst()))
                .isEqualTo(DecodeStatus.INNER_IPV6_HOP_BY_HOP_NOT_FIRST);
    }

    @Test
    void treatsAtomicIpv6FragmentAsUnfragmented() {
        byte[] payload = concat(ipv6FragmentHeader(6, 0, false, 0xCAFEL), tcp(1, 2, 3, 4, TcpHeader.SYN, new byte[0]));
        assertThat(decode(ipv6Packet(44, HI, 1, HI, 2, payload))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.isFragment()).isFalse();
        assertThat(inner.fragmentId()).isEqualTo(0xCAFEL);
        assertThat(inner.ipv6().hasFragmentHeader()).isTrue();
        assertThat(inner.tcpFlags()).isEqualTo(TcpHeader.SYN);
    }

    @Test
    void reportsNoPortsForIpv6NonFirstFragment() {
        // The bytes after the Fragment header look like a TCP header but are fragment data.
        byte[] payload =
                concat(ipv6FragmentHeader(6, 1448, false, 0xFFFFFFFFL), tcp(1, 2, 3, 4, TcpHeader.SYN, new byte[4]));
        assertThat(decode(ipv6Packet(44, HI, 1, HI, 2, payload))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.isFragment()).isTrue();
        assertThat(inner.isFirstFragment()).isFalse();
        assertThat(inner.fragmentOffset()).isEqualTo(1448);
        assertThat(inner.fragmentId()).isEqualTo(0xFFFFFFFFL);
        assertThat(inner.protocol()).isEqualTo(6);
        assertThat(inner.srcPort()).isZero();
        assertThat(inner.tcpFlags()).isZero();
        assertThat(inner.l4Offset()).isEqualTo(48);
        assertThat(inner.payloadOffset()).isEqualTo(48);
        assertThat(inner.payloadLength()).isEqualTo(24);
    }

    @Test
    void skipsL4ChecksInNonFirstIpv4Fragment() {
        // Three bytes of data could never hold a TCP header; in a non-first fragment that is fine.
        byte[] packet = ipv4Packet(6, CLIENT, SERVER, 0x77, 185, new byte[0], new byte[3]);
        assertThat(decode(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(inner.fragmentOffset()).isEqualTo(1480);
        assertThat(inner.srcPort()).isZero();
    }

    @Test
    void dropsIpv6FragmentWhoseLengthIsNotAMultipleOfEight() {
        assertThat(decodeDatagram(MalformedPackets.ipv6FragmentBadLength()))
                .isEqualTo(DecodeStatus.INNER_IPV6_FRAGMENT_BAD_LENGTH);
    }

    @Test
    void dropsIpv4FragmentThatWouldReassemblePast65535Bytes() {
        assertThat(decodeDatagram(MalformedPackets.fragmentTooLarge()))
                .isEqualTo(DecodeStatus.INNER_FRAGMENT_TOO_LARGE);
    }

    @Test
    void dropsIpv6FragmentThatWouldReassemblePast65535Bytes() {
        byte[] payload = concat(ipv6FragmentHeader(17, 65528, false, 1), new byte[16]);
        assertThat(decode(ipv6Packet(44, HI, 1, HI, 2, payload))).isEqualTo(DecodeStatus.INNER_FRAGMENT_TOO_LARGE);
    }

    @Test
    void dropsSecondIpv6FragmentHeader() {
        assertThat(decodeDatagram(MalformedPackets.ipv6DuplicateFragmentHeader()))
                .isEqualTo(DecodeStatus.INNER_IPV6_DUPLICATE_FRAGMENT_HEADER);
    }

    @Test
    void dropsTcpHeaderCutShort() {
        assertThat(decodeDatagram(MalformedPackets.l4Truncated())).isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
    }

    @Test
    void dropsFirstFragmentWithoutWholeTcpHeader() {
        byte[] tcp = Arrays.copyOf(tcp(1, 2, 3, 4, TcpHeader.SYN, new byte[0]), 16);
        byte[] packet = ipv4Packet(6, CLIENT, SERVER, 9, 0x2000, new byte[0], tcp);
        assertThat(decode(packet)).isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
    }

    @Test
    void dropsTcpOptionsRunningPastSegment() {
        byte[] tcp = tcp(1, 2, 3, 4, TcpHeader.SYN, new byte[0]);
        tcp[12] = (byte) 0x60; // Data Offset 6: 4 bytes of options that are not there
        assertThat(decode(ipv4Packet(6, CLIENT, SERVER, tcp))).isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
    }

    @Test
    void dropsUdpHeaderCutShort() {
        assertThat(decode(ipv4Packet(17, CLIENT, SERVER, new byte[7]))).isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
    }

    @Test
    void dropsIcmpHeaderCutShort() {
        assertThat(decode(ipv6Packet(58, HI, 1, HI, 2, new byte[7]))).isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
    }

    @Test
    void dropsTcpWithDataOffsetBelowFive() {
        assertThat(decodeDatagram(MalformedPackets.tcpBadDataOffset()))
                .isEqualTo(DecodeStatus.INNER_TCP_BAD_DATA_OFFSET);
    }

    @Test
    void dropsUdpLengthBelowHeader() {
        assertThat(decodeDatagram(MalformedPackets.udpBadLength())).isEqualTo(DecodeStatus.INNER_UDP_BAD_LENGTH);
    }

    @Test
    void dropsUdpLengthBeyondIpPayload() {
        byte[] udp = udp(1, 2, new byte[4]);
        udp[5] = 13;
        assertThat(decode(ipv4Packet(17, CLIENT, SERVER, udp))).isEqualTo(DecodeStatus.INNER_UDP_BAD_LENGTH);
    }

    @Test
    void takesUdpPayloadLengthFromUdpLength() {
        byte[] udp = udp(1, 2, new byte[6]);
        udp[5] = 10; // 2 bytes of data, 4 trailing bytes inside the IP payload that are not UDP data
        assertThat(decode(ipv4Packet(17, CLIENT, SERVER, udp))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.payloadLength()).isEqualTo(2);
    }

    @Test
    void exposesNoQuotedTupleWhenQuoteLacksPorts() {
        byte[] quotedIp = ipv4Packet(17, CLIENT, SERVER, udp(40000, 5300, new byte[8]));
        byte[] error = icmp(11, 0, 0, Arrays.copyOf(quotedIp, 24)); // IP header + 4 bytes: not the 8 RFC 792 asks
        assertThat(decode(ipv4Packet(1, SERVER, CLIENT, error))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.isIcmpError()).isTrue();
        assertThat(inner.hasQuotedTuple()).isFalse();
    }

    @Test
    void exposesNoQuotedTupleWhenQuoteIsNotIp() {
        assertThat(decode(ipv4Packet(1, SERVER, CLIENT, icmp(3, 1, 0, new byte[28]))))
                .isEqualTo(DecodeStatus.OK);
        assertThat(inner.isIcmpError()).isTrue();
        assertThat(inner.hasQuotedTuple()).isFalse();
        assertThat(decode(ipv4Packet(1, SERVER, CLIENT, icmp(3, 1, 0, new byte[0]))))
                .isEqualTo(DecodeStatus.OK);
        assertThat(inner.hasQuotedTuple()).isFalse();
    }

    @Test
    void exposesQuotedTupleOfIcmpv6ErrorThroughQuotedExtensionHeaders() {
        byte[] quoted = ipv6Packet(
                60, HI, 1, HI, 2, concat(ipv6Extension(6, 0), tcp(41000, 443, 1, 0, TcpHeader.SYN, new byte[0])));
        byte[] error =
                icmp(2, 0, 1280, Arrays.copyOf(quoted, 40 + 8 + 8)); // Packet Too Big, quote cut after 8 TCP bytes
        assertThat(decode(ipv6Packet(58, HI, 9, HI, 1, error))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.isIcmpError()).isTrue();
        assertThat(inner.hasQuotedTuple()).isTrue();
        assertThat(inner.quotedProtocol()).isEqualTo(6);
        assertThat(inner.quotedSrcAddrHi()).isEqualTo(HI);
        assertThat(inner.quotedSrcAddrLo()).isEqualTo(1);
        assertThat(inner.quotedDstAddrLo()).isEqualTo(2);
        assertThat(inner.quotedSrcPort()).isEqualTo(41000);
        assertThat(inner.quotedDstPort()).isEqualTo(443);
    }

    @Test
    void exposesQuotedTupleWithoutPortsForQuotedIcmp() {
        byte[] quoted = ipv4Packet(1, CLIENT, SERVER, icmp(8, 0, 0x00010002L, new byte[0]));
        assertThat(decode(ipv4Packet(1, SERVER, CLIENT, icmp(11, 0, 0, quoted))))
                .isEqualTo(DecodeStatus.OK);
        assertThat(inner.hasQuotedTuple()).isTrue();
        assertThat(inner.quotedProtocol()).isEqualTo(1);
        assertThat(inner.quotedSrcPort()).isZero();
    }

    @Test
    void doesNotTreatIcmpInformationalMessageAsError() {
        assertThat(decode(ipv6Packet(58, HI, 1, HI, 2, icmp(128, 0, 0, new byte[32]))))
                .isEqualTo(DecodeStatus.OK);
        assertThat(inner.isIcmpError()).isFalse();
        assertThat(inner.payloadLength()).isEqualTo(32);
    }

    @Test
    void doesNotParseIcmpv4InsideIpv6() {
        assertThat(decode(ipv6Packet(1, HI, 1, HI, 2, new byte[3]))).isEqualTo(DecodeStatus.OK);
        assertThat(inner.protocol()).isEqualTo(1);
        assertThat(inner.isIcmpError()).isFalse();
    }
}
