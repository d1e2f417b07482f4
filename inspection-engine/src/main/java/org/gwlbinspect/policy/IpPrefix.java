package org.gwlbinspect.policy;

/**
 * An IPv4 or IPv6 CIDR block (a bare address is a /32 or /128), in the two-long form the flow stage uses: IPv6 high
 * and low 64 bits; IPv4 {@code hi = 0} and {@code lo} = the unsigned 32-bit address.
 *
 * @param ipVersion 4 or 6
 * @param hi network address, high 64 bits (0 for IPv4)
 * @param lo network address, low 64 bits (host bits cleared)
 * @param length prefix length, 0–32 for IPv4, 0–128 for IPv6
 */
public record IpPrefix(int ipVersion, long hi, long lo, int length) {

    public IpPrefix {
        if (ipVersion != 4 && ipVersion != 6) throw new IllegalArgumentException("IP version must be 4 or 6");
        if (length < 0 || length > (ipVersion == 4 ? 32 : 128))
            throw new IllegalArgumentException("prefix length " + length + " out of range for IPv" + ipVersion);
        hi &= maskHi(ipVersion, length);
        lo &= maskLo(ipVersion, length);
    }

    /**
     * Parses {@code a.b.c.d[/n]} or an IPv6 address (RFC 4291 §2.2 text forms, including {@code ::} and an embedded
     * dotted quad) with an optional {@code /n}. Host bits set below the prefix are allowed and cleared, as NFW does.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static IpPrefix parse(String text) {
        if (text == null || text.isEmpty()) throw new IllegalArgumentException("empty address");
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        boolean v6 = address.indexOf(':') >= 0;
        int max = v6 ? 128 : 32;
        int length = max;
        if (slash >= 0) {
            String digits = text.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit))
                throw new IllegalArgumentException("bad prefix length in " + text);
            length = Integer.parseInt(digits);
            if (length > max) throw new IllegalArgumentException("prefix length " + length + " exceeds " + max);
        }
        if (!v6) return new IpPrefix(4, 0, parseIpv4(address, text) & 0xFFFF_FFFFL, length);
        long[] words = parseIpv6(address, text);
        return new IpPrefix(6, words[0], words[1], length);
    }

    /** Whether an address of the given version (two-long form) lies in this block; versions never mix. */
    public boolean contains(int version, long addressHi, long addressLo) {
        return version == ipVersion
                && (addressHi & maskHi(ipVersion, length)) == hi
                && (addressLo & maskLo(ipVersion, length)) == lo;
    }

    /** The mask over the high 64 bits for this block. */
    public long maskHi() {
        return maskHi(ipVersion, length);
    }

    /** The mask over the low 64 bits for this block. */
    public long maskLo() {
        return maskLo(ipVersion, length);
    }

    private static long maskHi(int version, int length) {
        if (version == 4) return 0;
        return length == 0 ? 0 : length >= 64 ? -1L : -1L << (64 - length);
    }

    private static long maskLo(int version, int length) {
        if (version == 4) return length == 0 ? 0 : (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL;
        return length <= 64 ? 0 : length == 128 ? -1L : -1L << (128 - length);
    }

    @Override
    public String toString() {
        if (ipVersion == 4) {
            return (lo >>> 24) + "." + ((lo >>> 16) & 0xFF) + "." + ((lo >>> 8) & 0xFF) + "." + (lo & 0xFF) + "/"
                    + length;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            long word = i < 4 ? hi : lo;
            int group = (int) ((word >>> (48 - 16 * (i % 4))) & 0xFFFF);
            if (i > 0) out.append(':');
            out.append(Integer.toHexString(group));
        }
        return out.append('/').append(length).toString();
    }

    private static int parseIpv4(String address, String text) {
        String[] parts = address.split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("not an IPv4 address: " + text);
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit))
                throw new IllegalArgumentException("not an IPv4 address: " + text);
            int octet = Integer.parseInt(part);
            if (octet > 255) throw new IllegalArgumentException("octet " + octet + " above 255 in " + text);
            value = (value << 8) | octet;
        }
        return value;
    }

    private static long[] parseIpv6(String address, String text) {
        int[] groups = new int[8];
        int doubleColon = address.indexOf("::");
        if (doubleColon >= 0 && address.indexOf("::", doubleColon + 1) >= 0)
            throw new IllegalArgumentException("more than one '::' in " + text);
        String head = doubleColon < 0 ? address : address.substring(0, doubleColon);
        String tail = doubleColon < 0 ? "" : address.substring(doubleColon + 2);
        int[] headGroups = ipv6Groups(head, text, doubleColon < 0);
        int[] tailGroups = ipv6Groups(tail, text, true);
        int total = headGroups.length + tailGroups.length;
        if (doubleColon < 0 ? total != 8 : total > 7)
            throw new IllegalArgumentException("not an IPv6 address: " + text);
        System.arraycopy(headGroups, 0, groups, 0, headGroups.length);
        System.arraycopy(tailGroups, 0, groups, 8 - tailGroups.length, tailGroups.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) hi = (hi << 16) | groups[i];
        for (int i = 4; i < 8; i++) lo = (lo << 16) | groups[i];
        return new long[] {hi, lo};
    }

    /** Hex groups of one side of '::'; an IPv4 dotted quad may end the last side (RFC 4291 §2.2 form 3). */
    private static int[] ipv6Groups(String part, String text, boolean mayEndWithIpv4) {
        if (part.isEmpty()) return new int[0];
        String[] pieces = part.split(":", -1);
        boolean dotted = mayEndWithIpv4 && pieces[pieces.length - 1].indexOf('.') >= 0;
        int[] out = new int[pieces.length + (dotted ? 1 : 0)];
        for (int i = 0; i < pieces.length; i++) {
            String piece = pieces[i];
            if (dotted && i == pieces.length - 1) {
                int v4 = parseIpv4(piece, text);
                out[i] = v4 >>> 16;
                out[i + 1] = v4 & 0xFFFF;
                break;
            }
            if (piece.isEmpty() || piece.length() > 4)
                throw new IllegalArgumentException("not an IPv6 address: " + text);
            for (int c = 0; c < piece.length(); c++) {
                if (Character.digit(piece.charAt(c), 16) < 0)
                    throw new IllegalArgumentException("not an IPv6 address: " + text);
            }
            out[i] = Integer.parseInt(piece, 16);
        }
        return out;
    }
}
