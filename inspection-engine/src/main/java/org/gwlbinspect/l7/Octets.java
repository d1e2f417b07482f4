package org.gwlbinspect.l7;

/** Big-endian reads and ASCII helpers over byte arrays; callers have checked every index beforehand. */
final class Octets {
    private Octets() {}

    static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    static int u24(byte[] b, int i) {
        return ((b[i] & 0xFF) << 16) | ((b[i + 1] & 0xFF) << 8) | (b[i + 2] & 0xFF);
    }

    static byte toLowerAscii(byte c) {
        return c >= 'A' && c <= 'Z' ? (byte) (c + ('a' - 'A')) : c;
    }

    /** Whether {@code a[aOffset, aOffset + length)} equals {@code b} byte for byte. */
    static boolean equals(byte[] a, int aOffset, int length, byte[] b) {
        if (length != b.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (a[aOffset + i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    /** As {@link #equals(byte[], int, int, byte[])}, folding ASCII letters only (Suricata's {@code nocase}). */
    static boolean equalsIgnoreAsciiCase(byte[] a, int aOffset, int length, byte[] b) {
        if (length != b.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (toLowerAscii(a[aOffset + i]) != toLowerAscii(b[i])) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code value} (0..65535) in decimal at {@code pos}; returns the position after the last digit. */
    static int writeDecimal(byte[] dst, int pos, int value) {
        if (value >= 10000) {
            dst[pos++] = (byte) ('0' + value / 10000);
        }
        if (value >= 1000) {
            dst[pos++] = (byte) ('0' + value / 1000 % 10);
        }
        if (value >= 100) {
            dst[pos++] = (byte) ('0' + value / 100 % 10);
        }
        if (value >= 10) {
            dst[pos++] = (byte) ('0' + value / 10 % 10);
        }
        dst[pos++] = (byte) ('0' + value % 10);
        return pos;
    }

    /** Whether a 16-bit TLS code point is a GREASE value (RFC 8701 §2: 0x0A0A, 0x1A1A, ..., 0xFAFA). */
    static boolean isGrease(int value) {
        return (value & 0x0F0F) == 0x0A0A && (value >>> 8) == (value & 0xFF);
    }
}
