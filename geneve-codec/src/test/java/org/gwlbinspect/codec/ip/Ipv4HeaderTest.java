package org.gwlbinspect.codec.ip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.junit.jupiter.api.Test;

class Ipv4HeaderTest {
    final Ipv4Header header = new Ipv4Header();

    @Test
    void aHeaderThatDoesNotFitLeavesNoFieldOfThePacketWrappedBefore() {
        byte[] packet = ipv4Packet(6, ipv4(192, 0, 2, 1), ipv4(198, 51, 100, 2), 0xBEEF, 0, new byte[0], new byte[8]);
        assertThat(header.wrap(Unpooled.wrappedBuffer(packet), 0, packet.length))
                .isEqualTo(DecodeStatus.OK);
        assertThat(header.protocol()).isEqualTo(6);

        assertThat(header.wrap(Unpooled.wrappedBuffer(packet), 0, 19)).isEqualTo(DecodeStatus.INNER_IPV4_TRUNCATED);
        // The fields are read once by wrap: a failed wrap must not leave the previous packet's.
        assertThat(header.protocol()).isZero();
        assertThat(header.sourceAddress()).isZero();
        assertThat(header.destinationAddress()).isZero();
        assertThat(header.identification()).isZero();
        assertThat(header.ttl()).isZero();
    }

    @Test
    void readsEveryFixedField() {
        byte[] packet = ipv4Packet(
                17, ipv4(192, 0, 2, 1), ipv4(198, 51, 100, 2), 0xBEEF, 0x2000 | 5, new byte[4], new byte[12]);
        assertThat(TestPackets.internetChecksum(packet, 0, 24)).isZero(); // the builder's checksum verifies
        packet[1] = (byte) 0xB8; // DSCP EF
        ByteBuf buf = Unpooled.wrappedBuffer(packet);
        assertThat(header.wrap(buf, 0, packet.length)).isEqualTo(DecodeStatus.OK);
        assertThat(header.headerLength()).isEqualTo(24);
        assertThat(header.optionsLength()).isEqualTo(4);
        assertThat(header.typeOfService()).isEqualTo(0xB8);
        assertThat(header.totalLength()).isEqualTo(36);
        assertThat(header.identification()).isEqualTo(0xBEEF);
        assertThat(header.dontFragment()).isFalse();
        assertThat(header.moreFragments()).isTrue();
        assertThat(header.fragmentOffset()).isEqualTo(40);
        assertThat(header.isFragment()).isTrue();
        assertThat(header.ttl()).isEqualTo(64);
        assertThat(header.protocol()).isEqualTo(17);
        assertThat(header.sourceAddress()).isEqualTo(0xC0000201L);
        assertThat(header.destinationAddress()).isEqualTo(0xC6336402L);
        assertThat(header.payloadOffset()).isEqualTo(24);
        assertThat(header.payloadLength()).isEqualTo(12);
        assertThat(header.headerChecksum()).isNotZero();
    }

    @Test
    void readsDontFragmentWithoutCallingItAFragment() {
        byte[] packet = ipv4Packet(6, 1, 2, new byte[0]);
        assertThat(header.wrap(Unpooled.wrappedBuffer(packet), 0, packet.length))
                .isEqualTo(DecodeStatus.OK);
        assertThat(header.dontFragment()).isTrue();
        assertThat(header.isFragment()).isFalse();
    }

    @Test
    void wrapsQuotedHeaderWhoseTotalLengthExceedsTheQuote() {
        byte[] packet = ipv4Packet(6, 1, 2, new byte[100]);
        assertThat(header.wrapQuoted(Unpooled.wrappedBuffer(packet), 0, 28)).isEqualTo(DecodeStatus.OK);
        assertThat(header.totalLength()).isEqualTo(120);
        assertThat(header.wrap(Unpooled.wrappedBuffer(packet), 0, 28))
                .isEqualTo(DecodeStatus.INNER_IPV4_BAD_TOTAL_LENGTH);
    }

    @Test
    void writesTheAtomicHeaderTheTestBuilderWrites() {
        byte[] expected = ipv4Packet(6, ipv4(192, 0, 2, 1), ipv4(198, 51, 100, 2), new byte[20]);
        ByteBuf buf = Unpooled.buffer(28);
        buf.writerIndex(3);

        int written = Ipv4Header.writeAtomic(buf, 3, 20, 6, 64, ipv4(192, 0, 2, 1), ipv4(198, 51, 100, 2));

        assertThat(written).isEqualTo(20);
        assertThat(ByteBufUtil.getBytes(buf, 3, 20)).isEqualTo(Arrays.copyOf(expected, 20));
    }
}
