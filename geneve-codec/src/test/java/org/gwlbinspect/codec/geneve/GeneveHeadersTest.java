package org.gwlbinspect.codec.geneve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.Vectors;
import org.junit.jupiter.api.Test;

class GeneveHeadersTest {

    @Test
    void writesTheFortyByteHeaderGwlbSends() {
        ByteBuf out = Unpooled.buffer();
        int written = GeneveHeaders.writeGwlb(
                out,
                GeneveHeader.PROTOCOL_IPV4,
                TestPackets.ENDPOINT_ID,
                TestPackets.ATTACHMENT_ID,
                TestPackets.FLOW_COOKIE);
        assertThat(written).isEqualTo(40).isEqualTo(out.readableBytes());
        byte[] vector = Vectors.bytes("geneve/gwlb-ipv4-tcp-syn.hex");
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(java.util.Arrays.copyOf(vector, 40));
    }

    @Test
    void writesAtTheWriterIndex() {
        ByteBuf out = Unpooled.buffer().writeBytes(new byte[3]);
        GeneveHeaders.writeGwlb(out, GeneveHeader.PROTOCOL_IPV6, 1, 2, 3);
        assertThat(out.readableBytes()).isEqualTo(43);
        assertThat(out.getUnsignedShort(3 + 2)).isEqualTo(GeneveHeader.PROTOCOL_IPV6);
    }

    @Test
    void writesFlagsAndVni() {
        ByteBuf out = Unpooled.buffer();
        GeneveHeaders.writeBase(out, 4, true, true, 0x0800, 0x123456);
        assertThat(ByteBufUtil.hexDump(out)).isEqualTo("01c0080012345600");
    }

    @Test
    void refusesOptionsThatOptLenCannotExpress() {
        ByteBuf out = Unpooled.buffer();
        assertThatThrownBy(() -> GeneveHeaders.writeBase(out, 256, false, false, 0x0800, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeneveHeaders.writeBase(out, 6, false, false, 0x0800, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeneveHeaders.writeBase(out, 4, false, false, 0x0800, 1 << 24))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeneveHeaders.writeOption(out, 0x0109, 1, new byte[3]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GeneveHeaders.writeOption(out, 0x10000, 1, new byte[4]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
