package org.gwlbinspect.eve;

/**
 * Allocation-free text forms of IP addresses for EVE records, written as ASCII into a caller's byte array.
 *
 * <p>IPv6 follows RFC 5952 §4 (what {@code inet_ntop} prints): lower-case hex without leading zeros, the longest
 * run of two or more zero groups replaced by {@code ::} (the leftmost on a tie, a single zero group never), and an
 * IPv4-mapped address with its last 32 bits in dotted form (§5).
 */
public final class IpAddresses {

    /** Longest IPv6 text: eight groups of four hex digits and seven colons. */
    public static final int MAX_IPV6_LENGTH = 39;

    /** Longest IPv4 text. */
    public static final int MAX_IPV4_LENGTH = 15;

    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

    private IpAddresses() {}

    /**
     * Writes the dotted form of the IPv4 address in the low 32 bits of {@code address}.
     *
     * @return the offset after the last byte written
     */
    public static int formatIpv4(long address, byte[] dst, int offset) {
        int pos = offset;
        for (int shift = 24; shift >= 0; shift -= 8) {
            pos = writeDecimalByte((int) (address >>> shift) & 0xFF, dst, pos);
            if (shift != 0) {
                dst[pos++] = '.';
            }
        }
        return pos;
    }

    /**
     * Writes the RFC 5952 form of the IPv6 address {@code hi:lo} (big-endian halves).
     *
     * @return the offset after the last byte written
     */
    public static int formatIpv6(long hi, long lo, byte[] dst, int offset) {
        // Find the longest run of zero groups; strictly longer wins, so the leftmost run is kept on a tie.
        int bestStart = -1;
        int bestLength = 0;
        int runStart = -1;
        for (int i = 0; i < 8; i++) {
            if (group(hi, lo, i) == 0) {
                if (runStart < 0) {
                    runStart = i;
                }
                int runLength = i - runStart + 1;
                if (runLength > bestLength) {
                    bestStart = runStart;
                    bestLength = runLength;
                }
            } else {
                runStart = -1;
            }
        }
        if (bestLength < 2) {
            bestStart = -1; // RFC 5952 §4.2.2: "::" must not shorten just one 16-bit 0 field
        }
        int pos = offset;
        // RFC 5952 §5: ::ffff:a.b.c.d for IPv4-mapped addresses.
        boolean mapped = hi == 0 && (lo >>> 32) == 0xFFFFL;
        int lastHexGroup = mapped ? 5 : 7;
        for (int i = 0; i <= lastHexGroup; i++) {
            if (i == bestStart) {
                dst[pos++] = ':';
                dst[pos++] = ':';
                i += bestLength - 1;
                continue;
            }
            if (i != 0 && i != bestStart + bestLength) {
                dst[pos++] = ':';
            }
            pos = writeHexGroup(group(hi, lo, i), dst, pos);
        }
        if (mapped) {
            dst[pos++] = ':';
            pos = formatIpv4(lo, dst, pos);
        }
        return pos;
    }

    /**
     * Writes all eight groups with four digits each ({@code 2001:0db8:0000:...}), the form Suricata 7's EVE output
     * uses for IPv6 by default.
     *
     * @return the offset after the last byte written
     */
    public static int formatIpv6Full(long hi, long lo, byte[] dst, int offset) {
        int pos = offset;
        for (int i = 0; i < 8; i++) {
            if (i != 0) {
                dst[pos++] = ':';
            }
            int g = group(hi, lo, i);
            dst[pos++] = HEX[g >>> 12];
            dst[pos++] = HEX[(g >>> 8) & 0xF];
            dst[pos++] = HEX[(g >>> 4) & 0xF];
            dst[pos++] = HEX[g & 0xF];
        }
        return pos;
    }

    private static int group(long hi, long lo, int index) {
        long half = index < 4 ? hi : lo;
        return (int) (half >>> ((3 - (index & 3)) * 16)) & 0xFFFF;
    }

    private static int writeHexGroup(int value, byte[] dst, int pos) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = (value >>> shift) & 0xF;
            if (digit != 0 || started || shift == 0) {
                dst[pos++] = HEX[digit];
                started = true;
            }
        }
        return pos;
    }

    private static int writeDecimalByte(int value, byte[] dst, int pos) {
        if (value >= 100) {
            dst[pos++] = (byte) ('0' + value / 100);
            dst[pos++] = (byte) ('0' + value / 10 % 10);
        } else if (value >= 10) {
            dst[pos++] = (byte) ('0' + value / 10);
        }
        dst[pos++] = (byte) ('0' + value % 10);
        return pos;
    }
}
