package org.gwlbinspect.appliance.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HairpinHeaderWriterTest {

    private static final int IP_10_99_0_1 = 0x0A630001;
    private static final int IP_10_99_0_2 = 0x0A630002;

    @Test
    void writesGoldenReplyHeaderWithPortsKeptAndChecksum() {
        // The reply to 10.99.0.1:50000 -> 10.99.0.2:6081 (gwlb.md §2.1): IPs swapped, source port kept.
        byte[] expected = HexFormat.of()
                .parseHex(""
                        + "4500" + "0080" // version 4, IHL 5, TOS 0 | total length 128 = 28 + 100
                        + "0000" + "0000" // identification 0 | flags 0 (DF not set), fragment offset 0
                        + "4011" + "65a5" // TTL 64, protocol 17 (UDP) | header checksum (cross-checked with Python)
                        + "0a630002" // source 10.99.0.2 (the appliance)
                        + "0a630001" // destination 10.99.0.1 (the GWLB node)
                        + "c350" + "17c1" // source port 50000 (GWLB's, kept) | destination port 6081
                        + "006c" + "0000"); // UDP length 108 = 8 + 100 | UDP checksum 0 (RFC 768: none)
        MemorySegment segment = MemorySegment.ofArray(new byte[40]);

        new HairpinHeaderWriter().write(segment, 5, IP_10_99_0_2, IP_10_99_0_1, 50000, 6081, 100);

        assertThat(segment.asSlice(5, 28).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
        assertThat(segment.asSlice(0, 5).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
        assertThat(segment.asSlice(33).toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
    }

    @Test
    void writesConfiguredTtl() {
        MemorySegment segment = MemorySegment.ofArray(new byte[28]);

        new HairpinHeaderWriter(2).write(segment, 0, IP_10_99_0_2, IP_10_99_0_1, 50000, 6081, 100);

        assertThat(segment.get(ValueLayout.JAVA_BYTE, 8)).isEqualTo((byte) 2);
        assertThat(onesComplementSum(segment.toArray(ValueLayout.JAVA_BYTE), 20))
                .isEqualTo(0xFFFF);
    }

    @Test
    void headerChecksumVerifiesForRandomAddressesAndLengths() {
        SplittableRandom random = new SplittableRandom(42);
        HairpinHeaderWriter writer = new HairpinHeaderWriter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(28);
            for (int i = 0; i < 10_000; i++) {
                int payload = random.nextInt(HairpinHeaderWriter.MAX_PAYLOAD_LENGTH + 1);
                writer.write(segment, 0, random.nextInt(), random.nextInt(), random.nextInt(65536), 6081, payload);
                byte[] header = segment.toArray(ValueLayout.JAVA_BYTE);
                // RFC 1071: the one's-complement sum over a header that includes its checksum is all ones.
                assertThat(onesComplementSum(header, 20)).as("iteration %d", i).isEqualTo(0xFFFF);
                assertThat(((header[2] & 0xFF) << 8) | (header[3] & 0xFF)).isEqualTo(28 + payload);
            }
        }
    }

    @Test
    void writesMaximumPayloadLength() {
        MemorySegment segment = MemorySegment.ofArray(new byte[28]);

        new HairpinHeaderWriter().write(segment, 0, 1, 2, 3, 4, HairpinHeaderWriter.MAX_PAYLOAD_LENGTH);

        byte[] header = segment.toArray(ValueLayout.JAVA_BYTE);
        assertThat(HexFormat.of().formatHex(header, 2, 4)).isEqualTo("ffff"); // total length 65535
        assertThat(HexFormat.of().formatHex(header, 24, 26)).isEqualTo("ffeb"); // UDP length 65515 = 8 + 65507
    }

    @Test
    void rejectsPayloadThatDoesNotFitAnIpv4Packet() {
        MemorySegment segment = MemorySegment.ofArray(new byte[28]);
        HairpinHeaderWriter writer = new HairpinHeaderWriter();

        assertThatThrownBy(() -> writer.write(segment, 0, 1, 2, 3, 4, 65508))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65507");
        assertThatThrownBy(() -> writer.write(segment, 0, 1, 2, 3, 4, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsPortsOutsideSixteenBits() {
        MemorySegment segment = MemorySegment.ofArray(new byte[28]);
        HairpinHeaderWriter writer = new HairpinHeaderWriter();

        assertThatThrownBy(() -> writer.write(segment, 0, 1, 2, 65536, 6081, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> writer.write(segment, 0, 1, 2, 50000, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsTtlOutsideOneToTwoHundredFiftyFive() {
        assertThatThrownBy(() -> new HairpinHeaderWriter(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HairpinHeaderWriter(256)).isInstanceOf(IllegalArgumentException.class);
    }

    private static int onesComplementSum(byte[] bytes, int length) {
        int sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += ((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return sum;
    }
}
