package org.gwlbinspect.codec.l4;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.junit.jupiter.api.Test;

class UdpHeaderTest {
    final UdpHeader udp = new UdpHeader();

    @Test
    void readsEveryField() {
        byte[] datagram = TestPackets.udp(53000, 65535, new byte[3]);
        datagram[6] = (byte) 0xAB;
        datagram[7] = (byte) 0xCD;
        assertThat(udp.wrap(Unpooled.wrappedBuffer(datagram), 0, datagram.length))
                .isEqualTo(DecodeStatus.OK);
        assertThat(udp.sourcePort()).isEqualTo(53000);
        assertThat(udp.destinationPort()).isEqualTo(65535);
        assertThat(udp.length()).isEqualTo(11);
        assertThat(udp.checksum()).isEqualTo(0xABCD);
        assertThat(udp.payloadOffset()).isEqualTo(8);
    }

    @Test
    void refusesFewerThanEightBytes() {
        assertThat(udp.wrap(Unpooled.wrappedBuffer(new byte[8]), 0, 7)).isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
    }
}
