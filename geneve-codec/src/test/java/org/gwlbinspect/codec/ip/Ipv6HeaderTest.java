package org.gwlbinspect.codec.ip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.concat;
import static org.gwlbinspect.codec.TestPackets.ipv6Extension;
import static org.gwlbinspect.codec.TestPackets.ipv6Packet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.gwlbinspect.codec.DecodeStatus;
import org.junit.jupiter.api.Test;

class Ipv6HeaderTest {
    final Ipv6Header header = new Ipv6Header();

    @Test
    void readsEveryFixedField() {
        byte[] packet = ipv6Packet(17, 0x20010db8_00000001L, 2, 0xfe80_0000_0000_0000L, -1L, new byte[8]);
        packet[0] = 0x6A;
        packet[1] = (byte) 0xBC;
        packet[2] = (byte) 0xDE;
        packet[3] = (byte) 0xF0;
        assertThat(header.wrap(Unpooled.wrappedBuffer(packet), 0, packet.length))
                .isEqualTo(DecodeStatus.OK);
        assertThat(header.trafficClass()).isEqualTo(0xAB);
        assertThat(header.flowLabel()).isEqualTo(0xCDEF0);
        assertThat(header.payloadLength()).isEqualTo(8);
        assertThat(header.totalLength()).isEqualTo(48);
        assertThat(header.nextHeader()).isEqualTo(17);
        assertThat(header.hopLimit()).isEqualTo(64);
        assertThat(header.sourceAddressHi()).isEqualTo(0x20010db8_00000001L);
        assertThat(header.sourceAddressLo()).isEqualTo(2);
        assertThat(header.destinationAddressHi()).isEqualTo(0xfe80_0000_0000_0000L);
        assertThat(header.destinationAddressLo()).isEqualTo(-1L);
        assertThat(header.protocol()).isEqualTo(17);
        assertThat(header.upperLayerOffset()).isEqualTo(40);
        assertThat(header.extensionHeaderCount()).isZero();
        assertThat(header.hasFragmentHeader()).isFalse();
    }

    @Test
    void walksQuotedChainOnlyWithinTheQuote() {
        byte[] packet = ipv6Packet(0, 1, 2, 3, 4, concat(ipv6Extension(60, 0), ipv6Extension(6, 2), new byte[20]));
        assertThat(header.wrapQuoted(Unpooled.wrappedBuffer(packet), 0, 40 + 8 + 24 + 8))
                .isEqualTo(DecodeStatus.OK);
        assertThat(header.protocol()).isEqualTo(6);
        assertThat(header.extensionHeadersLength()).isEqualTo(32);
        assertThat(header.wrapQuoted(Unpooled.wrappedBuffer(packet), 0, 40 + 8 + 16))
                .isEqualTo(DecodeStatus.INNER_IPV6_EXTENSION_TRUNCATED);
    }

    @Test
    void namesTheExtensionHeadersItWalks() {
        assertThat(Ipv6Header.isExtensionHeader(0)).isTrue();
        assertThat(Ipv6Header.isExtensionHeader(43)).isTrue();
        assertThat(Ipv6Header.isExtensionHeader(44)).isTrue();
        assertThat(Ipv6Header.isExtensionHeader(51)).isTrue();
        assertThat(Ipv6Header.isExtensionHeader(60)).isTrue();
        assertThat(Ipv6Header.isExtensionHeader(50)).isFalse();
        assertThat(Ipv6Header.isExtensionHeader(59)).isFalse();
        assertThat(Ipv6Header.isExtensionHeader(6)).isFalse();
    }

    @Test
    void writesTheFixedHeaderTheTestBuilderWrites() {
        byte[] expected = ipv6Packet(6, 0x20010db8_00000001L, 2, 0xfe80_0000_0000_0000L, -1L, new byte[20]);
        ByteBuf buf = Unpooled.buffer(45);

        int written = Ipv6Header.writeFixed(buf, 5, 20, 6, 64, 0x20010db8_00000001L, 2, 0xfe80_0000_0000_0000L, -1L);

        assertThat(written).isEqualTo(40);
        assertThat(ByteBufUtil.getBytes(buf, 5, 40)).isEqualTo(Arrays.copyOf(expected, 40));
    }
}
