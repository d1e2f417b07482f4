package org.gwlbinspect.codec.l4;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.junit.jupiter.api.Test;

class TcpHeaderTest {
    final TcpHeader tcp = new TcpHeader();

    @Test
    void aHeaderThatDoesNotFitLeavesNoFieldOfTheSegmentWrappedBefore() {
        byte[] segment = TestPackets.tcp(40000, 443, 1, 2, TcpHeader.SYN, new byte[0], new byte[0]);
        assertThat(tcp.wrap(Unpooled.wrappedBuffer(segment), 0, segment.length)).isEqualTo(DecodeStatus.OK);
        assertThat(tcp.sourcePort()).isEqualTo(40000);

        assertThat(tcp.wrap(Unpooled.wrappedBuffer(segment), 0, 19)).isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
        // The ports and flags are read once by wrap: a failed wrap must not leave the previous segment's.
        assertThat(tcp.sourcePort()).isZero();
        assertThat(tcp.destinationPort()).isZero();
        assertThat(tcp.flags()).isZero();
    }

    @Test
    void readsEveryField() {
        byte[] segment = TestPackets.tcp(
                65535,
                1,
                0xFFFFFFFFL,
                0x80000000L,
                TcpHeader.SYN | TcpHeader.ACK | TcpHeader.ECE,
                new byte[8],
                new byte[5]);
        segment[18] = 0x12; // urgent pointer
        segment[19] = 0x34;
        assertThat(tcp.wrap(Unpooled.wrappedBuffer(segment), 0, segment.length)).isEqualTo(DecodeStatus.OK);
        assertThat(tcp.sourcePort()).isEqualTo(65535);
        assertThat(tcp.destinationPort()).isEqualTo(1);
        assertThat(tcp.sequenceNumber()).isEqualTo(0xFFFFFFFFL);
        assertThat(tcp.acknowledgmentNumber()).isEqualTo(0x80000000L);
        assertThat(tcp.dataOffsetWords()).isEqualTo(7);
        assertThat(tcp.headerLength()).isEqualTo(28);
        assertThat(tcp.optionsLength()).isEqualTo(8);
        assertThat(tcp.flags()).isEqualTo(0x52);
        assertThat(tcp.syn()).isTrue();
        assertThat(tcp.ack()).isTrue();
        assertThat(tcp.fin()).isFalse();
        assertThat(tcp.rst()).isFalse();
        assertThat(tcp.window()).isEqualTo(65535);
        assertThat(tcp.checksum()).isZero();
        assertThat(tcp.urgentPointer()).isEqualTo(0x1234);
        assertThat(tcp.payloadOffset()).isEqualTo(28);
    }

    @Test
    void refusesDataOffsetBelowFiveAndOptionsPastTheSegment() {
        byte[] segment = TestPackets.tcp(1, 2, 3, 4, TcpHeader.RST, new byte[0]);
        segment[12] = 0x10;
        assertThat(tcp.wrap(Unpooled.wrappedBuffer(segment), 0, 20)).isEqualTo(DecodeStatus.INNER_TCP_BAD_DATA_OFFSET);
        segment[12] = (byte) 0xF0;
        assertThat(tcp.wrap(Unpooled.wrappedBuffer(segment), 0, 20)).isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
    }

    @Test
    void writesTheHeaderTheTestBuilderWritesAndSetsItsChecksum() {
        byte[] expected =
                TestPackets.tcp(65535, 1, 0xFFFFFFFFL, 0x80000000L, TcpHeader.RST | TcpHeader.ACK, new byte[0]);
        expected[16] = 0x12;
        expected[17] = 0x34;
        ByteBuf buf = Unpooled.buffer(24);

        int written = TcpHeader.writeWithoutOptions(
                buf, 4, 65535, 1, 0xFFFFFFFFL, 0x80000000L, TcpHeader.RST | TcpHeader.ACK, 0xFFFF);
        TcpHeader.setChecksum(buf, 4, 0x1234);

        assertThat(written).isEqualTo(20);
        assertThat(ByteBufUtil.getBytes(buf, 4, 20)).isEqualTo(expected);
    }
}
