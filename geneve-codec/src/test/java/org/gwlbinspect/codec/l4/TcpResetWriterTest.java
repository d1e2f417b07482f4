package org.gwlbinspect.codec.l4;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.ip.Ipv6Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Golden resets for a client 10.0.1.10:41000 (2001:db8::10) talking to a server 10.0.2.20:443 (2001:db8:1::20). The
 * expected bytes were built field by field with Python's {@code struct} and checked with {@code tshark -o
 * tcp.check_checksum:TRUE -o ip.check_checksum:TRUE} (checksum status good, seq/ack/flags as commented).
 */
class TcpResetWriterTest {
    private static final long CLIENT_V4 = TestPackets.ipv4(10, 0, 1, 10);
    private static final long SERVER_V4 = TestPackets.ipv4(10, 0, 2, 20);
    private static final long CLIENT_V6_HI = 0x20010db800000000L;
    private static final long CLIENT_V6_LO = 0x10L;
    private static final long SERVER_V6_HI = 0x20010db800010000L;
    private static final long SERVER_V6_LO = 0x20L;
    private static final int CLIENT_PORT = 41000;
    private static final int SERVER_PORT = 443;

    private static final String IPV4_FROM_SERVER = ""
            + "4500" + "0028" // version 4, IHL 5, TOS 0 | total length 40
            + "0000" + "4000" // identification 0 | DF, fragment offset 0
            + "4006" + "23b3" // TTL 64, protocol 6 (TCP) | header checksum
            + "0a000214" // source 10.0.2.20 (the server)
            + "0a00010a"; // destination 10.0.1.10 (the client)
    private static final String IPV4_FROM_CLIENT = ""
            + "4500" + "0028" // version 4, IHL 5, TOS 0 | total length 40
            + "0000" + "4000" // identification 0 | DF, fragment offset 0
            + "4006" + "23b3" // TTL 64, protocol 6 (TCP) | header checksum
            + "0a00010a" // source 10.0.1.10 (the client)
            + "0a000214"; // destination 10.0.2.20 (the server)
    private static final String IPV6_FROM_SERVER = ""
            + "60000000" // version 6, traffic class 0, flow label 0
            + "0014" + "06" + "40" // payload length 20 | next header 6 (TCP) | hop limit 64
            + "20010db8000100000000000000000020" // source 2001:db8:1::20 (the server)
            + "20010db8000000000000000000000010"; // destination 2001:db8::10 (the client)
    private static final String IPV6_FROM_CLIENT = ""
            + "60000000" // version 6, traffic class 0, flow label 0
            + "0014" + "06" + "40" // payload length 20 | next header 6 (TCP) | hop limit 64
            + "20010db8000000000000000000000010" // source 2001:db8::10 (the client)
            + "20010db8000100000000000000000020"; // destination 2001:db8:1::20 (the server)

    private final TcpResetWriter writer = new TcpResetWriter();
    private final InnerPacket offending = new InnerPacket();
    private final InnerPacket decoded = new InnerPacket();
    private final ByteBuf dst = Unpooled.directBuffer(256, 256);

    @AfterEach
    void release() {
        dst.release();
    }

    @Test
    void answersIpv4DataSegmentWithResetToSenderAtTheAcknowledgmentItSent() {
        decodeIpv4(TestPackets.tcp(
                CLIENT_PORT, SERVER_PORT, 0x11223344L, 0x55667788L, TcpHeader.PSH | TcpHeader.ACK, new byte[5]));

        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(40);

        assertThat(written())
                .isEqualTo(IPV4_FROM_SERVER
                        + "01bb" + "a028" // source port 443 | destination port 41000: swapped
                        + "55667788" // seq = the segment's ACK, the client's RCV.NXT
                        + "11223349" // ack = the segment's seq + 5 bytes of data
                        + "50" + "14" // data offset 5 words | RST, ACK
                        + "0000" + "e575" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(40);
    }

    @Test
    void answersIpv4DataSegmentWithResetToDestinationAtTheSequenceItNeverReceived() {
        decodeIpv4(TestPackets.tcp(
                CLIENT_PORT, SERVER_PORT, 0x11223344L, 0x55667788L, TcpHeader.PSH | TcpHeader.ACK, new byte[5]));

        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(40);

        assertThat(written())
                .isEqualTo(IPV4_FROM_CLIENT
                        + "a028" + "01bb" // source port 41000 | destination port 443: as in the segment
                        + "11223344" // seq = the segment's seq: the dropped data never reached the server
                        + "55667788" // ack = the segment's ACK
                        + "50" + "14" // data offset 5 words | RST, ACK
                        + "0000" + "e57a" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(40);
    }

    @Test
    void answersSynWithSequenceZeroAndAckOfTheSynWrappingAround() {
        decodeIpv4(TestPackets.tcp(CLIENT_PORT, SERVER_PORT, 0xFFFFFFFFL, 0, TcpHeader.SYN, new byte[0]));

        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(40);
        assertThat(written())
                .isEqualTo(IPV4_FROM_SERVER
                        + "01bb" + "a028" // source port 443 | destination port 41000
                        + "00000000" // seq 0: the SYN acknowledged nothing
                        + "00000000" // ack = 0xFFFFFFFF + 1 for the SYN, modulo 2^32
                        + "50" + "14" // data offset 5 words | RST, ACK
                        + "0000" + "f6cf" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(40);

        dst.clear();
        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(40);
        assertThat(written())
                .isEqualTo(IPV4_FROM_CLIENT
                        + "a028" + "01bb" // source port 41000 | destination port 443
                        + "ffffffff" // seq = the SYN's seq
                        + "00000000" // ack 0: the SYN had no ACK
                        + "50" + "04" // data offset 5 words | RST alone
                        + "0000" + "f6df" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(40);
    }

    @Test
    void countsFinInTheAcknowledgmentOfTheResetToSender() {
        decodeIpv4(TestPackets.tcp(CLIENT_PORT, SERVER_PORT, 1000, 2000, TcpHeader.FIN | TcpHeader.ACK, new byte[0]));

        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(40);
        assertThat(written())
                .isEqualTo(IPV4_FROM_SERVER
                        + "01bb" + "a028" // source port 443 | destination port 41000
                        + "000007d0" // seq 2000 = the FIN's ACK
                        + "000003e9" // ack 1001 = 1000 + 1 for the FIN
                        + "50" + "14" // data offset 5 words | RST, ACK
                        + "0000" + "eb16" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(40);

        dst.clear();
        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(40);
        assertThat(written())
                .isEqualTo(IPV4_FROM_CLIENT
                        + "a028" + "01bb" // source port 41000 | destination port 443
                        + "000003e8" // seq 1000 = the FIN's seq
                        + "000007d0" // ack 2000 = the FIN's ACK
                        + "50" + "14" // data offset 5 words | RST, ACK
                        + "0000" + "eb17" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(40);
    }

    @Test
    void answersDataWithoutAckWithSequenceZeroToSenderAndBareResetToDestination() {
        decodeIpv4(TestPackets.tcp(CLIENT_PORT, SERVER_PORT, 7, 0x99999999L, TcpHeader.PSH, new byte[3]));

        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(40);
        assertThat(written())
                .isEqualTo(IPV4_FROM_SERVER
                        + "01bb" + "a028" // source port 443 | destination port 41000
                        + "00000000" // seq 0: without the ACK bit the segment's ack field means nothing
                        + "0000000a" // ack 10 = 7 + 3 bytes of data
                        + "50" + "14" // data offset 5 words | RST, ACK
                        + "0000" + "f6c5" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(40);

        dst.clear();
        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(40);
        assertThat(written())
                .isEqualTo(IPV4_FROM_CLIENT
                        + "a028" + "01bb" // source port 41000 | destination port 443
                        + "00000007" // seq 7
                        + "00000000" // ack 0, not the meaningless 0x99999999
                        + "50" + "04" // data offset 5 words | RST alone
                        + "0000" + "f6d8" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(40);
    }

    @Test
    void answersIpv6DataSegmentInBothDirections() {
        decodeIpv6(TestPackets.tcp(
                CLIENT_PORT, SERVER_PORT, 0x11223344L, 0x55667788L, TcpHeader.PSH | TcpHeader.ACK, new byte[5]));

        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(60);
        assertThat(written()).isEqualTo(ipv6ResetToSender());
        assertChecksumsVerifyAndDecodes(60);

        dst.clear();
        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(60);
        assertThat(written())
                .isEqualTo(IPV6_FROM_CLIENT
                        + "a028" + "01bb" // source port 41000 | destination port 443
                        + "11223344" // seq = the segment's seq
                        + "55667788" // ack = the segment's ACK
                        + "50" + "14" // data offset 5 words | RST, ACK
                        + "0000" + "a0f5" // window 0 | checksum
                        + "0000"); // urgent pointer
        assertChecksumsVerifyAndDecodes(60);
    }

    @Test
    void leavesIpv6ExtensionHeadersAndTcpOptionsOutOfTheReset() {
        byte[] segment = TestPackets.tcp(
                CLIENT_PORT,
                SERVER_PORT,
                0x11223344L,
                0x55667788L,
                TcpHeader.PSH | TcpHeader.ACK,
                new byte[] {1, 1, 1, 1}, // four NOP options: the data still starts after them
                new byte[5]);
        byte[] inner = TestPackets.ipv6Packet(
                Ipv6Header.DESTINATION_OPTIONS,
                CLIENT_V6_HI,
                CLIENT_V6_LO,
                SERVER_V6_HI,
                SERVER_V6_LO,
                TestPackets.concat(TestPackets.ipv6Extension(TcpHeader.PROTOCOL, 0), segment));
        decode(inner, GeneveHeader.PROTOCOL_IPV6);

        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(60);
        assertThat(written()).isEqualTo(ipv6ResetToSender());
    }

    @Test
    void answersFirstFragmentCountingItsOwnData() {
        byte[] segment = TestPackets.tcp(CLIENT_PORT, SERVER_PORT, 100, 200, TcpHeader.ACK, new byte[12]);
        decode(
                TestPackets.ipv4Packet(TcpHeader.PROTOCOL, CLIENT_V4, SERVER_V4, 9, 0x2000, new byte[0], segment),
                GeneveHeader.PROTOCOL_IPV4);
        assertThat(offending.isFirstFragment()).isTrue();

        assertThat(TcpResetWriter.refusalFor(offending)).isZero();
        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(40);

        assertThat(dst.getUnsignedInt(24)).as("seq").isEqualTo(200);
        assertThat(dst.getUnsignedInt(28)).as("ack").isEqualTo(112);
        assertThat(dst.getUnsignedShort(6))
                .as("flags and fragment offset: DF only")
                .isEqualTo(0x4000);
        assertChecksumsVerifyAndDecodes(40);
    }

    @Test
    void appendsAtTheWriterIndexAndTouchesNothingElse() {
        decodeIpv4(TestPackets.tcp(CLIENT_PORT, SERVER_PORT, 1, 2, TcpHeader.ACK, new byte[0]));
        dst.setBytes(0, new byte[256]);
        dst.writerIndex(40); // e.g. after a GENEVE header
        dst.readerIndex(3);

        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(40);

        assertThat(dst.writerIndex()).isEqualTo(80);
        assertThat(dst.readerIndex()).isEqualTo(3);
        assertThat(ByteBufUtil.getBytes(dst, 0, 40)).containsOnly(0);
        assertThat(ByteBufUtil.getBytes(dst, 80, 176)).containsOnly(0);
        assertThat(dst.getByte(40)).isEqualTo((byte) 0x45);
    }

    @Test
    void refusesUdp() {
        decode(
                TestPackets.ipv4Packet(
                        UdpHeader.PROTOCOL, CLIENT_V4, SERVER_V4, TestPackets.udp(CLIENT_PORT, 53, new byte[4])),
                GeneveHeader.PROTOCOL_IPV4);

        assertThat(TcpResetWriter.refusalFor(offending)).isEqualTo(TcpResetWriter.NOT_TCP);
        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(TcpResetWriter.NOT_TCP);
        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(TcpResetWriter.NOT_TCP);
        assertThat(dst.writerIndex()).isZero();
    }

    @Test
    void refusesIpv4FragmentAfterTheFirst() {
        // Offset 8 bytes (field value 1), MF set: the payload is the middle of a segment, not a TCP header.
        decode(
                TestPackets.ipv4Packet(TcpHeader.PROTOCOL, CLIENT_V4, SERVER_V4, 9, 0x2001, new byte[0], new byte[16]),
                GeneveHeader.PROTOCOL_IPV4);

        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(TcpResetWriter.NON_FIRST_FRAGMENT);
        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(TcpResetWriter.NON_FIRST_FRAGMENT);
        assertThat(dst.writerIndex()).isZero();
    }

    @Test
    void refusesIpv6FragmentAfterTheFirst() {
        byte[] inner = TestPackets.ipv6Packet(
                Ipv6Header.FRAGMENT,
                CLIENT_V6_HI,
                CLIENT_V6_LO,
                SERVER_V6_HI,
                SERVER_V6_LO,
                TestPackets.concat(TestPackets.ipv6FragmentHeader(TcpHeader.PROTOCOL, 1280, false, 77), new byte[24]));
        decode(inner, GeneveHeader.PROTOCOL_IPV6);

        assertThat(TcpResetWriter.refusalFor(offending)).isEqualTo(TcpResetWriter.NON_FIRST_FRAGMENT);
        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(TcpResetWriter.NON_FIRST_FRAGMENT);
        assertThat(dst.writerIndex()).isZero();
    }

    @Test
    void neverAnswersAReset() {
        decodeIpv4(TestPackets.tcp(CLIENT_PORT, SERVER_PORT, 1, 2, TcpHeader.RST | TcpHeader.ACK, new byte[0]));

        assertThat(TcpResetWriter.refusalFor(offending)).isEqualTo(TcpResetWriter.OFFENDING_RESET);
        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(TcpResetWriter.OFFENDING_RESET);
        assertThat(writer.writeResetToDestination(offending, dst)).isEqualTo(TcpResetWriter.OFFENDING_RESET);
        assertThat(dst.writerIndex()).isZero();
    }

    @Test
    void writesNothingWhenTheResetDoesNotFit() {
        decodeIpv6(TestPackets.tcp(CLIENT_PORT, SERVER_PORT, 1, 2, TcpHeader.ACK, new byte[0]));
        dst.writerIndex(256 - 59);

        assertThat(writer.writeResetToSender(offending, dst)).isEqualTo(TcpResetWriter.DESTINATION_TOO_SMALL);
        assertThat(dst.writerIndex()).isEqualTo(256 - 59);
        assertThat(dst.capacity()).isEqualTo(256);
    }

    @Test
    void resetsVerifyAndDecodeForRandomSegments() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            int flags = random.nextInt(256) & ~TcpHeader.RST;
            byte[] segment = TestPackets.tcp(
                    random.nextInt(65536),
                    random.nextInt(65536),
                    random.nextLong(1L << 32),
                    random.nextLong(1L << 32),
                    flags,
                    new byte[random.nextInt(1400)]);
            if (random.nextBoolean()) {
                decodeIpv4(segment, random.nextLong(1L << 32), random.nextLong(1L << 32));
            } else {
                decode(
                        TestPackets.ipv6Packet(
                                TcpHeader.PROTOCOL,
                                random.nextLong(),
                                random.nextLong(),
                                random.nextLong(),
                                random.nextLong(),
                                segment),
                        GeneveHeader.PROTOCOL_IPV6);
            }
            dst.clear();
            int toSender = writer.writeResetToSender(offending, dst);
            assertChecksumsVerifyAndDecodes(toSender);
            assertThat(decoded.srcAddrLo()).isEqualTo(offending.dstAddrLo());
            assertThat(decoded.srcPort()).isEqualTo(offending.dstPort());
            long expectedAck = (offending.tcp().sequenceNumber()
                            + segment.length
                            - 20
                            + ((flags & TcpHeader.SYN) != 0 ? 1 : 0)
                            + ((flags & TcpHeader.FIN) != 0 ? 1 : 0))
                    & 0xFFFF_FFFFL;
            assertThat(decoded.tcp().acknowledgmentNumber())
                    .as("iteration %d", i)
                    .isEqualTo(expectedAck);

            dst.clear();
            int toDestination = writer.writeResetToDestination(offending, dst);
            assertChecksumsVerifyAndDecodes(toDestination);
            assertThat(decoded.dstAddrHi()).isEqualTo(offending.dstAddrHi());
            assertThat(decoded.dstPort()).isEqualTo(offending.dstPort());
            assertThat(decoded.tcp().sequenceNumber()).isEqualTo(offending.tcp().sequenceNumber());
        }
    }

    private static String ipv6ResetToSender() {
        return IPV6_FROM_SERVER
                + "01bb" + "a028" // source port 443 | destination port 41000
                + "55667788" // seq = the segment's ACK
                + "11223349" // ack = the segment's seq + 5 bytes of data
                + "50" + "14" // data offset 5 words | RST, ACK
                + "0000" + "a0f0" // window 0 | checksum
                + "0000"; // urgent pointer
    }

    private void decodeIpv4(byte[] segment) {
        decodeIpv4(segment, CLIENT_V4, SERVER_V4);
    }

    private void decodeIpv4(byte[] segment, long source, long destination) {
        decode(TestPackets.ipv4Packet(TcpHeader.PROTOCOL, source, destination, segment), GeneveHeader.PROTOCOL_IPV4);
    }

    private void decodeIpv6(byte[] segment) {
        decode(
                TestPackets.ipv6Packet(
                        TcpHeader.PROTOCOL, CLIENT_V6_HI, CLIENT_V6_LO, SERVER_V6_HI, SERVER_V6_LO, segment),
                GeneveHeader.PROTOCOL_IPV6);
    }

    private void decode(byte[] inner, int protocolType) {
        ByteBuf buf = Unpooled.wrappedBuffer(inner);
        assertThat(offending.decode(buf, 0, inner.length, protocolType)).isEqualTo(DecodeStatus.OK);
    }

    private String written() {
        return ByteBufUtil.hexDump(dst, 0, dst.writerIndex());
    }

    /**
     * Checks the reset in {@code dst[0, length)} with {@link TestPackets#internetChecksum}, not the code under test:
     * the IPv4 header sums to zero, and so does the TCP segment with a pseudo-header built here byte by byte. Then
     * decodes it with the codec's own decoder into {@link #decoded}.
     */
    private void assertChecksumsVerifyAndDecodes(int length) {
        assertThat(length).isEqualTo(dst.writerIndex());
        byte[] packet = ByteBufUtil.getBytes(dst, 0, length);
        boolean v6 = (packet[0] & 0xF0) == 0x60;
        int ipHeaderLength = v6 ? 40 : 20;
        ByteBuffer pseudo;
        if (v6) {
            pseudo = ByteBuffer.allocate(40 + 20)
                    .put(packet, 8, 32) // source, destination
                    .putInt(20) // upper-layer length
                    .put(new byte[] {0, 0, 0, 6}); // zero, next header
        } else {
            assertThat(TestPackets.internetChecksum(packet, 0, 20))
                    .as("IPv4 header checksum")
                    .isZero();
            pseudo = ByteBuffer.allocate(12 + 20)
                    .put(packet, 12, 8) // source, destination
                    .put(new byte[] {0, 6}) // zero, protocol
                    .putShort((short) 20); // TCP length
        }
        pseudo.put(packet, ipHeaderLength, 20);
        assertThat(TestPackets.internetChecksum(pseudo.array(), 0, pseudo.capacity()))
                .as("TCP checksum of %s", HexFormat.of().formatHex(packet))
                .isZero();

        int protocolType = v6 ? GeneveHeader.PROTOCOL_IPV6 : GeneveHeader.PROTOCOL_IPV4;
        assertThat(decoded.decode(dst, 0, length, protocolType)).isEqualTo(DecodeStatus.OK);
        assertThat(decoded.protocol()).isEqualTo(TcpHeader.PROTOCOL);
        assertThat(decoded.isFragment()).isFalse();
        assertThat(decoded.payloadLength()).isZero();
        assertThat(decoded.tcpFlags() & TcpHeader.RST).isNotZero();
        assertThat(decoded.tcp().headerLength()).isEqualTo(20);
        assertThat(decoded.tcp().window()).isZero();
    }
}
