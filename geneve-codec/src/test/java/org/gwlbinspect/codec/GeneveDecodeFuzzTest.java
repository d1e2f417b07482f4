package org.gwlbinspect.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;

/**
 * Jazzer fuzz test over the whole decode path. Under Surefire it runs in regression mode over the seeds in
 * {@code GeneveDecodeFuzzTestInputs/}; {@code JAZZER_FUZZ=1 ./mvnw -pl geneve-codec test -Dtest=GeneveDecodeFuzzTest}
 * fuzzes for real.
 */
class GeneveDecodeFuzzTest {
    private final GeneveHeader header = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();

    @FuzzTest(maxDuration = "30s")
    void decodesAnyDatagramWithoutThrowing(byte[] datagram) {
        ByteBuf buf = Unpooled.wrappedBuffer(datagram); // capacity == length: any over-read throws
        DecodeStatus status = header.wrap(buf, 0, datagram.length);
        if (status == DecodeStatus.OK) {
            status = inner.decode(
                    buf, header.innerOffset(), datagram.length - header.innerOffset(), header.protocolType());
            if (status == DecodeStatus.OK) {
                // Everything the decoders vouched for lies inside the datagram.
                assertThat(inner.payloadOffset()).isBetween(header.innerOffset(), datagram.length);
                assertThat(inner.payloadOffset() + inner.payloadLength()).isLessThanOrEqualTo(datagram.length);
                assertThat(inner.l4Offset() + inner.l4Length()).isLessThanOrEqualTo(datagram.length);
            }
        }
        assertThat(status).isNotNull();
        // Reach the inner decoders directly too, without needing a valid GENEVE header first.
        assertThat(inner.decode(buf, 0, datagram.length, GeneveHeader.PROTOCOL_IPV4))
                .isNotNull();
        assertThat(inner.decode(buf, 0, datagram.length, GeneveHeader.PROTOCOL_IPV6))
                .isNotNull();
    }
}
