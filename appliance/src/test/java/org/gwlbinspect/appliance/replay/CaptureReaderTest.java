package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flyweight capture reader on files built byte by byte: the pcap variants (byte order, nanosecond magic, snapshot
 * length) and pcapng's blocks (interface resolution and offset, simple packets, skipped blocks, several sections) and
 * its broken files. ReplayTest covers the committed real captures.
 */
class CaptureReaderTest {
    private static final byte[] FRAME = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

    @TempDir
    Path dir;

    @Test
    void readsABigEndianNanosecondPcap() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 2 * (16 + FRAME.length)).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xA1B23C4D)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(65535)
                .putInt(101);
        b.putInt(1_700_000_000)
                .putInt(123_456_789)
                .putInt(FRAME.length)
                .putInt(FRAME.length)
                .put(FRAME);
        b.putInt(1_700_000_001).putInt(5).putInt(4).putInt(60).put(FRAME, 0, 4);
        Path file = write("be.pcap", Arrays.copyOf(b.array(), b.position()));

        try (CaptureReader reader = CaptureReader.open(file)) {
            assertThat(reader.linkType()).isEqualTo(LinkFrame.DLT_RAW); // LINKTYPE_RAW, as libpcap reports it
            assertThat(reader.linkTypeName()).isEqualTo("Raw IP");
            assertThat(reader.next()).isTrue();
            assertThat(reader.index()).isEqualTo(1);
            assertThat(reader.timestampNanos()).isEqualTo(1_700_000_000_123_456_789L);
            assertThat(reader.frame()).isEqualTo(FRAME);
            assertThat(reader.next()).isTrue();
            assertThat(reader.timestampNanos()).isEqualTo(1_700_000_001_000_000_005L);
            assertThat(reader.frameLength()).isEqualTo(4);
            assertThat(reader.originalLength()).isEqualTo(60);
            assertThat(Arrays.copyOf(reader.frameBytes(), 4)).isEqualTo(Arrays.copyOf(FRAME, 4));
            assertThat(reader.next()).isFalse();
        }
    }

    @Test
    void cutsAFrameLongerThanTheSnapshotLengthAsLibpcapDoes() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + FRAME.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xA1B2C3D4)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(6)
                .putInt(1);
        b.putInt(1).putInt(2).putInt(FRAME.length).putInt(FRAME.length).put(FRAME);
        Path file = write("snap.pcap", b.array());

        try (CaptureReader reader = CaptureReader.open(file)) {
            assertThat(reader.next()).isTrue();
            assertThat(reader.frame()).isEqualTo(Arrays.copyOf(FRAME, 6));
            assertThat(reader.originalLength()).isEqualTo(FRAME.length); // so the replay skips it as frame_truncated
            assertThat(reader.timestampNanos()).isEqualTo(1_000_002_000L);
            assertThat(reader.next()).isFalse();
        }
    }

    @Test
    void readsPcapngInterfacesTimestampResolutionOffsetAndEveryPacketBlock() throws Exception {
        Pcapng f = new Pcapng(ByteOrder.LITTLE_ENDIAN)
                .section()
                .interfaceBlock(1, option(9, new byte[] {9}), option(14, longBytes(10, ByteOrder.LITTLE_ENDIAN)))
                .interfaceBlock(1, option(9, new byte[] {(byte) 0x80 | 20})) // 2^-20 s
                .block(0x0BAD, new byte[8]) // a custom block: skipped
                .enhancedPacket(0, 1_700_000_000_123_456_789L, FRAME)
                .enhancedPacket(1, (5L << 20) + (1L << 19), FRAME) // 5.5 s
                .simplePacket(FRAME);
        Path file = write("ifaces.pcapng", f.bytes());

        try (CaptureReader reader = CaptureReader.open(file)) {
            assertThat(reader.linkType()).isEqualTo(LinkFrame.DLT_EN10MB);
            assertThat(reader.next()).isTrue();
            assertThat(reader.timestampNanos()).isEqualTo(1_700_000_010_123_456_789L); // + if_tsoffset 10 s
            assertThat(reader.frame()).isEqualTo(FRAME);
            assertThat(reader.next()).isTrue();
            assertThat(reader.timestampNanos()).isEqualTo(5_500_000_000L);
            assertThat(reader.next()).isTrue();
            assertThat(reader.index()).isEqualTo(3);
            assertThat(reader.frame()).isEqualTo(FRAME);
            assertThat(reader.next()).isFalse();
        }
    }

    @Test
    void readsABigEndianPcapngSectionAfterALittleEndianOne() throws Exception {
        Pcapng first =
                new Pcapng(ByteOrder.LITTLE_ENDIAN).section().interfaceBlock(1).enhancedPacket(0, 7, FRAME);
        Pcapng second =
                new Pcapng(ByteOrder.BIG_ENDIAN).section().interfaceBlock(1).enhancedPacket(0, 8, FRAME);
        Path file = write("sections.pcapng", concat(first.bytes(), second.bytes()));

        try (CaptureReader reader = CaptureReader.open(file)) {
            assertThat(reader.next()).isTrue();
            assertThat(reader.timestampNanos()).isEqualTo(7_000L);
            assertThat(reader.next()).isTrue();
            assertThat(reader.timestampNanos()).isEqualTo(8_000L);
            assertThat(reader.frame()).isEqualTo(FRAME);
            assertThat(reader.next()).isFalse();
        }
    }

    @Test
    void namesThePacketWhereAPcapngFileBreaksOff() throws Exception {
        byte[] whole = new Pcapng(ByteOrder.LITTLE_ENDIAN)
                .section()
                .interfaceBlock(1)
                .enhancedPacket(0, 1, FRAME)
                .enhancedPacket(0, 2, FRAME)
                .bytes();
        Path file = write("cut.pcapng", Arrays.copyOf(whole, whole.length - 5));

        try (CaptureReader reader = CaptureReader.open(file)) {
            assertThat(reader.next()).isTrue();
            assertThatThrownBy(reader::next)
                    .isInstanceOf(CaptureException.class)
                    .hasMessageContaining("cut.pcapng: packet 2: truncated pcapng dump file; tried to read 44 bytes, "
                            + "only got 39 (the 1 packets before it were read)")
                    .satisfies(e ->
                            assertThat(((CaptureException) e).packetIndex()).isEqualTo(2));
        }
    }

    @Test
    void refusesAPacketOnAnInterfaceNoBlockDescribed() throws Exception {
        Path file = write(
                "iface.pcapng",
                new Pcapng(ByteOrder.LITTLE_ENDIAN)
                        .section()
                        .interfaceBlock(1)
                        .enhancedPacket(3, 1, FRAME)
                        .bytes());

        try (CaptureReader reader = CaptureReader.open(file)) {
            assertThatThrownBy(reader::next)
                    .isInstanceOf(CaptureException.class)
                    .hasMessageContaining("packet 1: a packet arrived on interface 3, but there's no Interface "
                            + "Description Block for that interface");
        }
    }

    @Test
    void refusesInterfacesOfDifferentLinkTypesAsLibpcapDoes() throws Exception {
        Path file = write(
                "mixed.pcapng",
                new Pcapng(ByteOrder.LITTLE_ENDIAN)
                        .section()
                        .interfaceBlock(1)
                        .enhancedPacket(0, 1, FRAME)
                        .interfaceBlock(113)
                        .enhancedPacket(1, 2, FRAME)
                        .bytes());

        try (CaptureReader reader = CaptureReader.open(file)) {
            assertThat(reader.next()).isTrue();
            assertThatThrownBy(reader::next)
                    .isInstanceOf(CaptureException.class)
                    .hasMessageContaining(
                            "an interface has a type 113 different from the type of the first " + "interface (1)");
        }
    }

    @Test
    void refusesAnEmptyFileAndABlockLengthThatIsNotAMultipleOfFour() throws Exception {
        Path empty = write("empty.pcap", new byte[0]);
        assertThatThrownBy(() -> CaptureReader.open(empty))
                .isInstanceOf(CaptureException.class)
                .hasMessageStartingWith(empty + ": cannot read the capture: truncated dump file");

        byte[] bad =
                new Pcapng(ByteOrder.LITTLE_ENDIAN).section().interfaceBlock(1).bytes();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(28 + 4, 30); // the IDB's length
        Path file = write("bad.pcapng", bad);
        assertThatThrownBy(() -> CaptureReader.open(file))
                .isInstanceOf(CaptureException.class)
                .hasMessageContaining("block in pcapng dump file has a length of 30");
    }

    @Test
    void readsEveryFrameOfAPcapFarLargerThanItsWindowWhereverFramesStraddleIt() throws Exception {
        java.util.Random random = new java.util.Random(6);
        byte[][] frames = new byte[3000][];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(24)
                .order(ByteOrder.BIG_ENDIAN)
                .putInt(0xA1B2C3D4)
                .putShort((short) 2)
                .putShort((short) 4)
                .putLong(0)
                .putInt(65535)
                .putInt(1)
                .array());
        for (int i = 0; i < frames.length; i++) {
            frames[i] = new byte[1 + random.nextInt(i % 100 == 0 ? 9000 : 1500)]; // now and then beyond the window
            random.nextBytes(frames[i]);
            out.writeBytes(ByteBuffer.allocate(16)
                    .order(ByteOrder.BIG_ENDIAN)
                    .putInt(1_700_000_000 + i)
                    .putInt(i)
                    .putInt(frames[i].length)
                    .putInt(frames[i].length)
                    .array());
            out.writeBytes(frames[i]);
        }
        Path file = write("big.pcap", out.toByteArray());

        for (int window : new int[] {64, 4096, FileWindow.DEFAULT_CAPACITY}) {
            try (CaptureReader reader = CaptureReader.open(file, window)) {
                for (int i = 0; i < frames.length; i++) {
                    assertThat(reader.next())
                            .as("frame %d, window %d", i + 1, window)
                            .isTrue();
                    assertThat(reader.frame())
                            .as("frame %d, window %d", i + 1, window)
                            .isEqualTo(frames[i]);
                    assertThat(reader.timestampNanos()).isEqualTo((1_700_000_000L + i) * 1_000_000_000L + i * 1000L);
                }
                assertThat(reader.next()).isFalse();
            }
        }
    }

    @Test
    void readsPcapngBlocksAndOptionsThatStraddleASmallWindow() throws Exception {
        java.util.Random random = new java.util.Random(7);
        Pcapng f = new Pcapng(ByteOrder.LITTLE_ENDIAN)
                .section()
                .interfaceBlock(
                        1,
                        option(2, new byte[61]), // if_name, long enough to push the options across the window
                        option(9, new byte[] {9}),
                        option(14, longBytes(10, ByteOrder.LITTLE_ENDIAN)));
        byte[][] frames = new byte[500][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = new byte[1 + random.nextInt(300)];
            random.nextBytes(frames[i]);
            if (i % 7 == 3) f.block(0x0BAD, new byte[4 * random.nextInt(40)]); // skipped blocks between packets
            if (i % 2 == 0) f.enhancedPacket(0, i, frames[i]);
            else f.simplePacket(frames[i]);
        }
        Path file = write("straddle.pcapng", f.bytes());

        for (int window : new int[] {48, 100, 1000}) {
            try (CaptureReader reader = CaptureReader.open(file, window)) {
                for (int i = 0; i < frames.length; i++) {
                    assertThat(reader.next())
                            .as("frame %d, window %d", i + 1, window)
                            .isTrue();
                    assertThat(reader.frame())
                            .as("frame %d, window %d", i + 1, window)
                            .isEqualTo(frames[i]);
                    if (i % 2 == 0) assertThat(reader.timestampNanos()).isEqualTo(10_000_000_000L + i);
                }
                assertThat(reader.next()).isFalse();
            }
        }
    }

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] option(int code, byte[] value) {
        return concat(new byte[] {(byte) code, 0, (byte) value.length, 0}, value, new byte[(4 - value.length % 4) % 4]);
    }

    private static byte[] longBytes(long v, ByteOrder order) {
        return ByteBuffer.allocate(8).order(order).putLong(v).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** Builds pcapng blocks (options are little-endian, so interfaceBlock with options needs that order). */
    private static final class Pcapng {
        private final ByteOrder order;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pcapng(ByteOrder order) {
            this.order = order;
        }

        Pcapng section() {
            return block(
                    0x0A0D0D0A,
                    buffer(16)
                            .putInt(0x1A2B3C4D)
                            .putShort((short) 1)
                            .putShort((short) 0)
                            .putLong(-1)
                            .array());
        }

        Pcapng interfaceBlock(int linkType, byte[]... options) {
            byte[] fixed = buffer(8)
                    .putShort((short) linkType)
                    .putShort((short) 0)
                    .putInt(0)
                    .array();
            return block(1, concat(fixed, concat(options)));
        }

        Pcapng enhancedPacket(int iface, long units, byte[] frame) {
            byte[] fixed = buffer(20)
                    .putInt(iface)
                    .putInt((int) (units >>> 32))
                    .putInt((int) units)
                    .putInt(frame.length)
                    .putInt(frame.length)
                    .array();
            return block(6, concat(fixed, frame, new byte[(4 - frame.length % 4) % 4]));
        }

        Pcapng simplePacket(byte[] frame) {
            return block(
                    3, concat(buffer(4).putInt(frame.length).array(), frame, new byte[(4 - frame.length % 4) % 4]));
        }

        Pcapng block(int type, byte[] body) {
            int length = 12 + body.length;
            out.writeBytes(buffer(8).putInt(type).putInt(length).array());
            out.writeBytes(body);
            out.writeBytes(buffer(4).putInt(length).array());
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private ByteBuffer buffer(int size) {
            return ByteBuffer.allocate(size).order(order);
        }
    }
}
