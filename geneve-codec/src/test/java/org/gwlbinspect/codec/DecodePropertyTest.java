package org.gwlbinspect.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.gwlbinspect.codec.l4.UdpHeader;
import org.junit.jupiter.api.Test;

/**
 * Invariants over many generated inputs, with seeded {@link Random} so a failure reproduces: valid packets decode to
 * what was written, and no input, however broken, makes a decoder throw.
 */
class DecodePropertyTest {
    static final int ITERATIONS = 10_000;

    final GeneveHeader header = new GeneveHeader();
    final InnerPacket inner = new InnerPacket();

    @Test
    void roundTripsRandomValidGwlbHeaders() {
        Random random = new Random(6081);
        for (int i = 0; i < ITERATIONS; i++) {
            long endpointId = random.nextLong();
            long attachmentId = random.nextLong();
            long flowCookie = random.nextLong() & 0xFFFFFFFFL;
            int protocolType = random.nextBoolean() ? GeneveHeader.PROTOCOL_IPV4 : GeneveHeader.PROTOCOL_IPV6;
            int vni = random.nextInt(1 << 24);
            boolean criticalFlag = random.nextBoolean();

            // The three AWS options and up to three unknown non-critical ones, in a random order.
            List<byte[]> options = new ArrayList<>();
            options.add(option(endpointId, GeneveHeaders::writeEndpointIdOption));
            options.add(option(attachmentId, GeneveHeaders::writeAttachmentIdOption));
            options.add(option(flowCookie, GeneveHeaders::writeFlowCookieOption));
            int extras = random.nextInt(4);
            for (int e = 0; e < extras; e++) {
                options.add(randomUnknownOption(random));
            }
            Collections.shuffle(options, random);
            byte[] optionBytes = TestPackets.concat(options.toArray(new byte[0][]));

            ByteBuf written = Unpooled.buffer();
            GeneveHeaders.writeBase(written, optionBytes.length, false, criticalFlag, protocolType, vni);
            written.writeBytes(optionBytes);
            int headerLength = written.readableBytes();
            byte[] innerBytes = new byte[random.nextInt(64)];
            random.nextBytes(innerBytes);
            written.writeBytes(innerBytes);

            assertThat(header.wrap(written, 0, written.readableBytes()))
                    .as("iteration %d", i)
                    .isEqualTo(DecodeStatus.OK);
            assertThat(header.headerLength()).isEqualTo(headerLength);
            assertThat(header.optionsLength()).isEqualTo(optionBytes.length);
            assertThat(header.innerOffset()).isEqualTo(headerLength);
            assertThat(header.protocolType()).isEqualTo(protocolType);
            assertThat(header.vni()).isEqualTo(vni);
            assertThat(header.critical()).isEqualTo(criticalFlag);
            assertThat(header.oam()).isFalse();
            assertThat(header.endpointId()).isEqualTo(endpointId);
            assertThat(header.attachmentId()).isEqualTo(attachmentId);
            assertThat(header.flowCookie()).isEqualTo(flowCookie);
            assertThat(header.hasUnknownOptions()).isEqualTo(extras > 0);

            // Re-encode from the decoded values and the options area, returned verbatim as the appliance does.
            ByteBuf reEncoded = Unpooled.buffer();
            GeneveHeaders.writeBase(
                    reEncoded,
                    header.optionsLength(),
                    header.oam(),
                    header.critical(),
                    header.protocolType(),
                    header.vni());
            reEncoded.writeBytes(written, GeneveHeader.BASE_LENGTH, header.optionsLength());
            assertThat(ByteBufUtil.getBytes(reEncoded)).isEqualTo(ByteBufUtil.getBytes(written, 0, headerLength));
        }
    }

    @Test
    void decodesRandomValidInnerPacketsToTheirTuple() {
        Random random = new Random(8926);
        for (int i = 0; i < ITERATIONS; i++) {
            boolean v6 = random.nextBoolean();
            boolean tcp = random.nextBoolean();
            int srcPort = random.nextInt(65536);
            int dstPort = random.nextInt(65536);
            int flags = random.nextInt(256);
            byte[] payload = new byte[random.nextInt(200)];
            random.nextBytes(payload);
            byte[] l4 = tcp
                    ? TestPackets.tcp(
                            srcPort,
                            dstPort,
                            random.nextLong() & 0xFFFFFFFFL,
                            0,
                            flags,
                            new byte[4 * random.nextInt(11)],
                            payload)
                    : TestPackets.udp(srcPort, dstPort, payload);
            int protocol = tcp ? TcpHeader.PROTOCOL : UdpHeader.PROTOCOL;
            long srcHi = v6 ? random.nextLong() : 0;
            long srcLo = v6 ? random.nextLong() : random.nextLong() & 0xFFFFFFFFL;
            long dstHi = v6 ? random.nextLong() : 0;
            long dstLo = v6 ? random.nextLong() : random.nextLong() & 0xFFFFFFFFL;
            byte[] packet = v6
                    ? TestPackets.ipv6Packet(protocol, srcHi, srcLo, dstHi, dstLo, l4)
                    : TestPackets.ipv4Packet(protocol, srcLo, dstLo, l4);
            ByteBuf datagram =
                    TestPackets.gwlb(random.nextLong(), random.nextLong(), random.nextInt() & 0xFFFFFFFFL, packet);

            assertThat(TestPackets.decode(datagram, header, inner))
                    .as("iteration %d", i)
                    .isEqualTo(DecodeStatus.OK);
            assertThat(inner.ipVersion()).isEqualTo(v6 ? 6 : 4);
            assertThat(inner.protocol()).isEqualTo(protocol);
            assertThat(inner.srcAddrHi()).isEqualTo(srcHi);
            assertThat(inner.srcAddrLo()).isEqualTo(srcLo);
            assertThat(inner.dstAddrHi()).isEqualTo(dstHi);
            assertThat(inner.dstAddrLo()).isEqualTo(dstLo);
            assertThat(inner.srcPort()).isEqualTo(srcPort);
            assertThat(inner.dstPort()).isEqualTo(dstPort);
            assertThat(inner.tcpFlags()).isEqualTo(tcp ? flags : 0);
            assertThat(inner.ipTotalLength()).isEqualTo(packet.length);
            assertThat(inner.l4Length()).isEqualTo(l4.length);
            assertThat(inner.payloadLength()).isEqualTo(payload.length);
            assertThat(inner.payloadOffset() + inner.payloadLength()).isEqualTo(datagram.readableBytes());
        }
    }

    @Test
    void neverThrowsOnRandomBytes() {
        Random random = new Random(791);
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] bytes = new byte[random.nextInt(160)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && random.nextBoolean()) {
                bytes[0] = (byte) (random.nextBoolean() ? 0x08 : 0x0A); // Ver 0 with 32 or 40 option bytes: go deeper
            }
            decodeWithoutThrowing(bytes, "random bytes, iteration " + i);
        }
    }

    @Test
    void neverThrowsOnMutatedVectors() {
        Random random = new Random(8200);
        List<byte[]> vectors = Vectors.GENEVE.stream().map(Vectors::bytes).toList();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] bytes = vectors.get(random.nextInt(vectors.size())).clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            if (random.nextBoolean()) {
                bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
            }
            decodeWithoutThrowing(bytes, "mutated vector, iteration " + i);
        }
    }

    @Test
    void rejectsEveryTruncationOfEveryVectorWithoutThrowing() {
        for (String vector : Vectors.GENEVE) {
            byte[] full = Vectors.bytes(vector);
            assertThat(TestPackets.decode(Unpooled.wrappedBuffer(full), header, inner))
                    .isEqualTo(DecodeStatus.OK);
            int packetEnd = header.innerOffset() + inner.ipTotalLength(); // padding after this is optional
            for (int length = 0; length <= full.length; length++) {
                byte[] prefix = Arrays.copyOf(full, length);
                DecodeStatus status = decodeWithoutThrowing(prefix, vector + " cut to " + length);
                if (length < packetEnd) {
                    assertThat(status).as("%s cut to %d bytes", vector, length).isNotEqualTo(DecodeStatus.OK);
                } else {
                    assertThat(status).as("%s cut to %d bytes", vector, length).isEqualTo(DecodeStatus.OK);
                }
            }
        }
    }

    /** Decodes as the data path does, plus the inner decoder alone over the same bytes with both Protocol Types. */
    DecodeStatus decodeWithoutThrowing(byte[] bytes, String what) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes); // capacity == length: any over-read throws
        try {
            inner.decode(buf, 0, bytes.length, GeneveHeader.PROTOCOL_IPV4);
            inner.decode(buf, 0, bytes.length, GeneveHeader.PROTOCOL_IPV6);
            return TestPackets.decode(buf, header, inner);
        } catch (Throwable t) {
            return fail("%s threw on %s", what, ByteBufUtil.hexDump(bytes), t);
        }
    }

    interface OptionWriter {
        int write(ByteBuf out, long value);
    }

    static byte[] option(long value, OptionWriter writer) {
        ByteBuf out = Unpooled.buffer();
        writer.write(out, value);
        return ByteBufUtil.getBytes(out);
    }

    /** A non-critical option that is not one of the three AWS ones, with 0 to 16 bytes of data. */
    static byte[] randomUnknownOption(Random random) {
        int optionClass = random.nextInt(1 << 16);
        int type = random.nextInt(0x80);
        if (optionClass == GeneveHeader.AWS_OPTION_CLASS && type >= 1 && type <= 3) {
            type += 3;
        }
        byte[] data = new byte[4 * random.nextInt(5)];
        random.nextBytes(data);
        ByteBuf out = Unpooled.buffer();
        GeneveHeaders.writeOption(out, optionClass, type, data);
        return ByteBufUtil.getBytes(out);
    }
}
