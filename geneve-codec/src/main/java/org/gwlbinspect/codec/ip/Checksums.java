package org.gwlbinspect.codec.ip;

import io.netty.buffer.ByteBuf;

/**
 * The Internet checksum (RFC 1071) and the pseudo-header sums TCP and UDP add to it: IPv4 (RFC 9293 §3.1) and IPv6
 * (RFC 8200 §8.1).
 *
 * <p>Sums are carried as unfolded {@code long}s so that pieces add up in any order (RFC 1071 §2 (B), associativity)
 * and no fold is needed before the end: a 65 535-byte packet adds at most 32 768 × 0xFFFF, far from overflow.
 * {@link #checksum} folds and complements once. Nothing here allocates.
 */
public final class Checksums {
    private Checksums() {}

    /**
     * Adds the bytes {@code [offset, offset + length)} of {@code buf} to {@code sum} as big-endian 16-bit words; an odd
     * last byte is padded with a zero byte on the right (RFC 1071 §4.1).
     */
    public static long add(long sum, ByteBuf buf, int offset, int length) {
        int end = offset + length;
        int i = offset;
        for (; i + 4 <= end; i += 4) {
            long word = buf.getUnsignedInt(i);
            sum += (word >>> 16) + (word & 0xFFFF);
        }
        if (i + 2 <= end) {
            sum += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) {
            sum += buf.getUnsignedByte(i) << 8;
        }
        return sum;
    }

    /**
     * Sum of the IPv4 pseudo-header (RFC 9293 §3.1): source, destination, zero, protocol, upper-layer length.
     *
     * @param source IPv4 address as an unsigned 32-bit value
     * @param destination same encoding
     */
    public static long ipv4PseudoHeader(long source, long destination, int protocol, int upperLayerLength) {
        return (source >>> 16)
                + (source & 0xFFFF)
                + (destination >>> 16)
                + (destination & 0xFFFF)
                + protocol
                + upperLayerLength;
    }

    /**
     * Sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination (the final one), 32-bit upper-layer length,
     * three zero bytes, Next Header.
     */
    public static long ipv6PseudoHeader(
            long sourceHi,
            long sourceLo,
            long destinationHi,
            long destinationLo,
            int nextHeader,
            int upperLayerLength) {
        return wordsOf(sourceHi)
                + wordsOf(sourceLo)
                + wordsOf(destinationHi)
                + wordsOf(destinationLo)
                + (upperLayerLength >>> 16)
                + (upperLayerLength & 0xFFFF)
                + nextHeader;
    }

    /** The four 16-bit words of {@code value}, added. */
    private static long wordsOf(long value) {
        return (value >>> 48) + ((value >>> 32) & 0xFFFF) + ((value >>> 16) & 0xFFFF) + (value & 0xFFFF);
    }

    /** Folds {@code sum} to 16 bits with end-around carry and complements it: the value to write in a header. */
    public static int checksum(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
