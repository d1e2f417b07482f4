package org.gwlbinspect.codec.l4;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.junit.jupiter.api.Test;

class IcmpHeaderTest {
    final IcmpHeader icmp = new IcmpHeader();

    @Test
    void readsEchoFields() {
        byte[] message = TestPackets.icmp(IcmpHeader.V6_ECHO_REQUEST, 0, 0xFEDC0102L, new byte[6]);
        assertThat(icmp.wrap(Unpooled.wrappedBuffer(message), 0, message.length, true))
                .isEqualTo(DecodeStatus.OK);
        assertThat(icmp.isV6()).isTrue();
        assertThat(icmp.type()).isEqualTo(128);
        assertThat(icmp.code()).isZero();
        assertThat(icmp.checksum()).isZero();
        assertThat(icmp.restOfHeader()).isEqualTo(0xFEDC0102L);
        assertThat(icmp.identifier()).isEqualTo(0xFEDC);
        assertThat(icmp.sequenceNumber()).isEqualTo(0x0102);
        assertThat(icmp.isError()).isFalse();
        assertThat(icmp.quotedOffset()).isEqualTo(8);
        assertThat(icmp.quotedLength()).isEqualTo(6);
    }

    @Test
    void classifiesErrorTypesPerIpVersion() {
        assertThat(IcmpHeader.isErrorType(3, false)).isTrue();
        assertThat(IcmpHeader.isErrorType(4, false)).isTrue();
        assertThat(IcmpHeader.isErrorType(5, false)).isTrue();
        assertThat(IcmpHeader.isErrorType(11, false)).isTrue();
        assertThat(IcmpHeader.isErrorType(12, false)).isTrue();
        assertThat(IcmpHeader.isErrorType(0, false)).isFalse();
        assertThat(IcmpHeader.isErrorType(8, false)).isFalse();
        assertThat(IcmpHeader.isErrorType(1, true)).isTrue();
        assertThat(IcmpHeader.isErrorType(127, true)).isTrue();
        assertThat(IcmpHeader.isErrorType(128, true)).isFalse();
        assertThat(IcmpHeader.isErrorType(135, true)).isFalse();
    }

    @Test
    void refusesFewerThanEightBytes() {
        assertThat(icmp.wrap(Unpooled.wrappedBuffer(new byte[8]), 0, 7, false))
                .isEqualTo(DecodeStatus.INNER_L4_TRUNCATED);
    }
}
