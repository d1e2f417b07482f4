package org.gwlbinspect.codec.geneve;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.MalformedPackets;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.Vectors;
import org.junit.jupiter.api.Test;

class GeneveHeaderTest {
    final GeneveHeader header = new GeneveHeader();

    DecodeStatus wrap(ByteBuf packet) {
        return header.wrap(packet, 0, packet.readableBytes());
    }

    @Test
    void wrapsGwlbHeaderWithoutMovingTheBufferIndices() {
        ByteBuf packet = Vectors.load("geneve/gwlb-ipv4-tcp-syn.hex");
        int writerIndex = packet.writerIndex();
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(packet.readerIndex()).isZero();
        assertThat(packet.writerIndex()).isEqualTo(writerIndex);
        assertThat(header.buffer()).isSameAs(packet);
        assertThat(header.offset()).isZero();
        assertThat(header.headerLength()).isEqualTo(GeneveHeader.GWLB_HEADER_LENGTH);
        assertThat(header.endpointId()).isEqualTo(TestPackets.ENDPOINT_ID);
    }

    @Test
    void wrapsHeaderAtANonZeroOffset() {
        byte[] vector = Vectors.bytes("geneve/gwlb-ipv4-udp.hex");
        ByteBuf buf = Unpooled.buffer().writeBytes(new byte[13]).writeBytes(vector);
        assertThat(header.wrap(buf, 13, vector.length)).isEqualTo(DecodeStatus.OK);
        assertThat(header.innerOffset()).isEqualTo(13 + 40);
        assertThat(header.flowCookie()).isEqualTo(TestPackets.FLOW_COOKIE);
    }

    @Test
    void reusesOneFlyweightAcrossPackets() {
        assertThat(wrap(Vectors.load("geneve/gwlb-extra-option.hex"))).isEqualTo(DecodeStatus.OK);
        assertThat(header.hasUnknownOptions()).isTrue();
        ByteBuf other = TestPackets.gwlb(1, 2, 3, new byte[] {0x45});
        assertThat(wrap(other)).isEqualTo(DecodeStatus.OK);
        assertThat(header.hasUnknownOptions()).isFalse();
        assertThat(header.headerLength()).isEqualTo(40);
        assertThat(header.endpointId()).isEqualTo(1);
        assertThat(header.attachmentId()).isEqualTo(2);
        assertThat(header.flowCookie()).isEqualTo(3);
    }

    @Test
    void readsFlowCookieAsUnsigned32Bits() {
        ByteBuf packet = TestPackets.gwlb(-1L, Long.MIN_VALUE, 0xFFFFFFFFL, new byte[0]);
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(header.endpointId()).isEqualTo(-1L);
        assertThat(header.attachmentId()).isEqualTo(Long.MIN_VALUE);
        assertThat(header.flowCookie()).isEqualTo(0xFFFFFFFFL);
    }

    @Test
    void carriesNonZeroVniWithoutCheckingIt() {
        ByteBuf packet = Vectors.load("geneve/gwlb-ipv4-tcp-syn.hex");
        packet.setMedium(4, 0xABCDEF);
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(header.vni()).isEqualTo(0xABCDEF);
    }

    @Test
    void acceptsCriticalBitWithoutCriticalOptions() {
        ByteBuf packet = Vectors.load("geneve/gwlb-ipv4-tcp-syn.hex");
        packet.setByte(1, 0x40);
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(header.critical()).isTrue();
        assertThat(header.oam()).isFalse();
    }

    @Test
    void ignoresReservedBits() {
        ByteBuf packet = Vectors.load("geneve/gwlb-ipv4-tcp-syn.hex");
        packet.setByte(1, 0x3F); // Rsvd. (RFC 8926 §3.4: ignored on receipt)
        packet.setByte(7, 0xFF); // Reserved after the VNI
        packet.setByte(11, 0xE2); // R R R bits of the endpoint ID option, Length still 2
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(header.endpointId()).isEqualTo(TestPackets.ENDPOINT_ID);
    }

    @Test
    void acceptsUnknownNonCriticalOptionWithEmptyData() {
        ByteBuf packet = Unpooled.buffer();
        GeneveHeaders.writeGwlb(packet, GeneveHeader.PROTOCOL_IPV6, 7, 8, 9, new byte[] {0x01, 0x08, 0x7F, 0x00});
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.OK);
        assertThat(header.hasUnknownOptions()).isTrue();
        assertThat(header.optionsLength()).isEqualTo(36);
        assertThat(header.protocolType()).isEqualTo(GeneveHeader.PROTOCOL_IPV6);
    }

    @Test
    void dropsTruncatedBaseHeader() {
        assertThat(wrap(MalformedPackets.geneveTruncated())).isEqualTo(DecodeStatus.GENEVE_TRUNCATED);
    }

    @Test
    void treatsRangeOutsideTheBufferAsTruncated() {
        ByteBuf packet = Vectors.load("geneve/gwlb-ipv4-tcp-syn.hex");
        assertThat(header.wrap(packet, 0, packet.capacity() + 1)).isEqualTo(DecodeStatus.GENEVE_TRUNCATED);
        assertThat(header.wrap(packet, -1, 40)).isEqualTo(DecodeStatus.GENEVE_TRUNCATED);
        assertThat(header.wrap(packet, packet.capacity() - 7, 8)).isEqualTo(DecodeStatus.GENEVE_TRUNCATED);
    }

    @Test
    void dropsUnknownVersion() {
        assertThat(wrap(MalformedPackets.geneveBadVersion())).isEqualTo(DecodeStatus.GENEVE_BAD_VERSION);
    }

    @Test
    void dropsOamControlMessage() {
        assertThat(wrap(MalformedPackets.geneveOamPacket())).isEqualTo(DecodeStatus.GENEVE_OAM_PACKET);
    }

    @Test
    void dropsEthernetProtocolType() {
        assertThat(wrap(MalformedPackets.geneveBadProtocolType())).isEqualTo(DecodeStatus.GENEVE_BAD_PROTOCOL_TYPE);
    }

    @Test
    void rejectsOptionLengthBeyondDatagram() {
        assertThat(wrap(MalformedPackets.geneveOptionsOverrun())).isEqualTo(DecodeStatus.GENEVE_OPTIONS_OVERRUN);
    }

    @Test
    void rejectsOptionRunningPastOptionsArea() {
        assertThat(wrap(MalformedPackets.geneveOptionOverrun())).isEqualTo(DecodeStatus.GENEVE_OPTION_OVERRUN);
    }

    @Test
    void rejectsOptionRunningPastOptionsAreaEvenWhenDatagramIsLonger() {
        // Opt Len 7 words cuts the cookie option in half although the inner packet follows.
        ByteBuf packet = Vectors.load("geneve/gwlb-ipv4-tcp-syn.hex");
        packet.setByte(0, 7);
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.GENEVE_OPTION_OVERRUN);
    }

    @Test
    void dropsPacketWithUnknownCriticalOption() {
        assertThat(wrap(MalformedPackets.geneveCriticalOption())).isEqualTo(DecodeStatus.GENEVE_CRITICAL_OPTION);
    }

    @Test
    void treatsAwsTypeWithCriticalBitAsUnknownCriticalOption() {
        ByteBuf packet = Vectors.load("geneve/gwlb-ipv4-tcp-syn.hex");
        packet.setByte(10, 0x81); // endpoint ID type with the critical bit: a different, unknown type
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.GENEVE_CRITICAL_OPTION);
    }

    @Test
    void rejectsAwsOptionWithWrongLength() {
        assertThat(wrap(MalformedPackets.geneveBadAwsOptionLength()))
                .isEqualTo(DecodeStatus.GENEVE_BAD_AWS_OPTION_LENGTH);
    }

    @Test
    void rejectsFlowCookieWithWrongLength() {
        ByteBuf packet = Unpooled.buffer();
        GeneveHeaders.writeBase(packet, 36, false, false, GeneveHeader.PROTOCOL_IPV4, 0);
        GeneveHeaders.writeEndpointIdOption(packet, 1);
        GeneveHeaders.writeAttachmentIdOption(packet, 2);
        GeneveHeaders.writeOption(
                packet, GeneveHeader.AWS_OPTION_CLASS, GeneveHeader.AWS_TYPE_FLOW_COOKIE, new byte[8]);
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.GENEVE_BAD_AWS_OPTION_LENGTH);
    }

    @Test
    void rejectsDuplicateAwsOption() {
        assertThat(wrap(MalformedPackets.geneveDuplicateAwsOption()))
                .isEqualTo(DecodeStatus.GENEVE_DUPLICATE_AWS_OPTION);
    }

    @Test
    void rejectsHeaderWithoutEndpointId() {
        assertThat(wrap(MalformedPackets.geneveMissingEndpointId())).isEqualTo(DecodeStatus.GENEVE_MISSING_ENDPOINT_ID);
    }

    @Test
    void rejectsHeaderWithoutAttachmentId() {
        assertThat(wrap(MalformedPackets.geneveMissingAttachmentId()))
                .isEqualTo(DecodeStatus.GENEVE_MISSING_ATTACHMENT_ID);
    }

    @Test
    void rejectsHeaderWithoutFlowCookie() {
        assertThat(wrap(MalformedPackets.geneveMissingFlowCookie())).isEqualTo(DecodeStatus.GENEVE_MISSING_FLOW_COOKIE);
    }

    @Test
    void rejectsHeaderWithoutOptions() {
        ByteBuf packet = Unpooled.buffer();
        GeneveHeaders.writeBase(packet, 0, false, false, GeneveHeader.PROTOCOL_IPV4, 0);
        assertThat(wrap(packet)).isEqualTo(DecodeStatus.GENEVE_MISSING_ENDPOINT_ID);
    }
}
