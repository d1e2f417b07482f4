package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.SplittableRandom;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.junit.jupiter.api.Test;

class GwlbEncapsulatorTest {
    private static final long CLIENT = ipv4(10, 100, 1, 10);
    private static final long SERVER = ipv4(203, 0, 113, 10);
    private final GwlbEncapsulator encapsulator = new GwlbEncapsulator(0x01234567890abcdefL, 0x42);
    private final GeneveHeader geneve = new GeneveHeader();

    private ByteBuf wrap(byte[] inner) {
        ByteBuf out = Unpooled.buffer();
        encapsulator.encapsulate(inner, 0, inner.length, 4, out);
        return out;
    }

    @Test
    void writesGwlbsFortyByteHeaderWithTheThreeAwsOptionsThenThePacket() {
        byte[] syn = ipv4Packet(6, CLIENT, SERVER, tcp(41000, 443, 1, 0, 0x02, new byte[0]));
        ByteBuf datagram = wrap(syn);

        assertThat(geneve.wrap(datagram, 0, datagram.readableBytes())).isEqualTo(DecodeStatus.OK);
        assertThat(geneve.headerLength()).isEqualTo(GeneveHeader.GWLB_HEADER_LENGTH);
        assertThat(geneve.protocolType()).isEqualTo(GeneveHeader.PROTOCOL_IPV4);
        assertThat(geneve.endpointId()).isEqualTo(0x01234567890abcdefL);
        assertThat(geneve.attachmentId()).isEqualTo(0x42);
        assertThat(geneve.flowCookie()).isNotZero();
        assertThat(ByteBufUtil.getBytes(datagram, 40, syn.length)).isEqualTo(syn);
    }

    @Test
    void givesBothDirectionsOfAFlowOneCookieAndOneSourcePort() {
        ByteBuf request = wrap(ipv4Packet(6, CLIENT, SERVER, tcp(41000, 443, 1, 0, 0x02, new byte[0])));
        int requestPort = encapsulator.sourcePort();
        ByteBuf reply = wrap(ipv4Packet(6, SERVER, CLIENT, tcp(443, 41000, 9, 2, 0x12, new byte[0])));
        int replyPort = encapsulator.sourcePort();
        ByteBuf other = wrap(ipv4Packet(6, CLIENT, SERVER, tcp(41001, 443, 1, 0, 0x02, new byte[0])));

        assertThat(cookie(reply)).isEqualTo(cookie(request));
        assertThat(replyPort).isEqualTo(requestPort).isBetween(10_000, 59_999);
        assertThat(cookie(other)).isNotEqualTo(cookie(request));
        assertThat(encapsulator.sourcePort()).isNotEqualTo(requestPort);
    }

    private long cookie(ByteBuf datagram) {
        assertThat(geneve.wrap(datagram, 0, datagram.readableBytes())).isEqualTo(DecodeStatus.OK);
        return geneve.flowCookie();
    }

    @Test
    void writesTheHeaderGeneveHeadersWritesForEveryCookieAndBothIpVersions() {
        SplittableRandom random = new java.util.SplittableRandom(6);
        GwlbEncapsulator other = new GwlbEncapsulator(0x0fedcba987654321L, 0xFFFF_FFFF_FFFF_FFFFL);
        for (int i = 0; i < 2000; i++) {
            int version = random.nextBoolean() ? 4 : 6;
            byte[] inner = new byte[(version == 4 ? 20 : 40) + random.nextInt(200)];
            random.nextBytes(inner);
            inner[0] = (byte) (version << 4 | (version == 4 ? 5 : 0));
            GwlbEncapsulator e = random.nextBoolean() ? encapsulator : other;
            ByteBuf out = Unpooled.buffer();
            e.encapsulate(inner, 0, inner.length, version, out);

            long cookie = Integer.toUnsignedLong(GwlbEncapsulator.symmetricFlowHash(inner, 0, inner.length, version));
            ByteBuf expected = Unpooled.buffer();
            GeneveHeaders.writeGwlb(
                    expected,
                    version == 4 ? GeneveHeader.PROTOCOL_IPV4 : GeneveHeader.PROTOCOL_IPV6,
                    e.endpointId(),
                    e == encapsulator ? 0x42 : 0xFFFF_FFFF_FFFF_FFFFL,
                    cookie == 0 ? 1 : cookie);
            expected.writeBytes(inner);
            assertThat(ByteBufUtil.getBytes(out)).isEqualTo(ByteBufUtil.getBytes(expected));
        }
    }
}
