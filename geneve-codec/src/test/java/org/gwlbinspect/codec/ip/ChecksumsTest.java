package org.gwlbinspect.codec.ip;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.gwlbinspect.codec.TestPackets;
import org.junit.jupiter.api.Test;

class ChecksumsTest {

    @Test
    void matchesTheWorkedExampleOfRfc1071() {
        // RFC 1071 §3: these eight bytes sum to 0xddf2 after the end-around carry, so the checksum is 0x220d.
        ByteBuf bytes = Unpooled.wrappedBuffer(HexFormat.of().parseHex("0001f203f4f5f6f7"));

        assertThat(Checksums.checksum(Checksums.add(0, bytes, 0, 8))).isEqualTo(0x220d);
    }

    @Test
    void padsAnOddLastByteOnTheRight() {
        ByteBuf bytes = Unpooled.wrappedBuffer(HexFormat.of().parseHex("ff0102"));

        assertThat(Checksums.add(0, bytes, 0, 3)).isEqualTo(0xff01 + 0x0200);
        assertThat(Checksums.add(0, bytes, 1, 1)).isEqualTo(0x0100);
        assertThat(Checksums.add(5, bytes, 0, 0)).isEqualTo(5);
    }

    @Test
    void agreesWithAnIndependentSumForRandomBytesOffsetsAndPieces() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1_000; i++) {
            byte[] bytes = new byte[random.nextInt(1, 200)];
            random.nextBytes(bytes);
            int offset = random.nextInt(bytes.length);
            int length = random.nextInt(bytes.length - offset + 1);
            int split = offset + 2 * random.nextInt(length / 2 + 1); // pieces must split on a word boundary
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);

            long sum =
                    Checksums.add(Checksums.add(0, buf, offset, split - offset), buf, split, offset + length - split);

            assertThat(Checksums.checksum(sum)).isEqualTo(TestPackets.internetChecksum(bytes, offset, length));
        }
    }

    @Test
    void ipv4PseudoHeaderSumsLikeItsBytes() {
        byte[] pseudo = ByteBuffer.allocate(12)
                .putInt(0xC0A80001) // 192.168.0.1
                .putInt(0xFFFFFFFE)
                .put((byte) 0)
                .put((byte) 6)
                .putShort((short) 0xFFFF)
                .array();

        long sum = Checksums.ipv4PseudoHeader(0xC0A80001L, 0xFFFFFFFEL, 6, 0xFFFF);

        assertThat(Checksums.checksum(sum)).isEqualTo(TestPackets.internetChecksum(pseudo, 0, 12));
    }

    @Test
    void ipv6PseudoHeaderSumsLikeItsBytes() {
        long sourceHi = 0x20010db8_ffff_0000L;
        long sourceLo = 0xFFFF_FFFF_FFFF_FFFFL;
        long destinationHi = 0xfe80_0000_0000_0000L;
        long destinationLo = 0x0000_0000_0000_0001L;
        byte[] pseudo = ByteBuffer.allocate(40)
                .putLong(sourceHi)
                .putLong(sourceLo)
                .putLong(destinationHi)
                .putLong(destinationLo)
                .putInt(70_000) // 32-bit upper-layer length (a jumbogram's would pass 16 bits)
                .put(new byte[] {0, 0, 0, 17})
                .array();

        long sum = Checksums.ipv6PseudoHeader(sourceHi, sourceLo, destinationHi, destinationLo, 17, 70_000);

        assertThat(Checksums.checksum(sum)).isEqualTo(TestPackets.internetChecksum(pseudo, 0, 40));
    }
}
