package org.gwlbinspect.detect;

import java.math.BigInteger;

/** Parsing of IPv4/IPv6 addresses and CIDR blocks as written in rule headers and variables. */
final class Cidrs {
    static final BigInteger V4_MAX = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
    static final BigInteger V6_MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    /** A parsed block: IP version and the inclusive range it covers. */
    record Block(int version, BigInteger start, BigInteger end) {}

    private Cidrs() {}

    /**
     * Parses {@code 10.0.0.0/8}, {@code 10.1.2.3}, {@code 2001:db8::/32} or {@code ::1}. Host bits below the prefix
     * are ignored, as Suricata masks them.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static Block parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        boolean v6 = address.indexOf(':') >= 0;
        int bits = v6 ? 128 : 32;
        BigInteger value = v6 ? parseIpv6(address, text) : parseIpv4(address, text);
        int prefix = bits;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit))
                throw new IllegalArgumentException("bad CIDR prefix in '" + text + "'");
            prefix = Integer.parseInt(p);
            if (prefix > bits)
                throw new IllegalArgumentException(
                        "CIDR prefix /" + prefix + " is longer than " + bits + " bits in '" + text + "'");
        }
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
        BigInteger start = value.andNot(hostMask);
        return new Block(v6 ? 6 : 4, start, start.or(hostMask));
    }

    private static BigInteger parseIpv4(String address, String text) {
        String[] parts = address.split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("bad IPv4 address '" + text + "'");
        long value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit))
                throw new IllegalArgumentException("bad IPv4 address '" + text + "'");
            int octet = Integer.parseInt(part);
            if (octet > 255) throw new IllegalArgumentException("bad IPv4 address '" + text + "'");
            value = (value << 8) | octet;
        }
        return BigInteger.valueOf(value);
    }

    private static BigInteger parseIpv6(String address, String text) {
        int doubleColon = address.indexOf("::");
        if (doubleColon >= 0 && address.indexOf("::", doubleColon + 1) >= 0)
            throw new IllegalArgumentException("bad IPv6 address '" + text + "'");
        String head = doubleColon < 0 ? address : address.substring(0, doubleColon);
        String tail = doubleColon < 0 ? "" : address.substring(doubleColon + 2);
        int[] headGroups = groups(head, text);
        int[] tailGroups = groups(tail, text);
        int total = headGroups.length + tailGroups.length;
        if (doubleColon < 0 ? total != 8 : total > 7)
            throw new IllegalArgumentException("bad IPv6 address '" + text + "'");
        BigInteger value = BigInteger.ZERO;
        for (int g : headGroups) value = value.shiftLeft(16).or(BigInteger.valueOf(g));
        value = value.shiftLeft(16 * (8 - total));
        for (int g : tailGroups) value = value.shiftLeft(16).or(BigInteger.valueOf(g));
        return value;
    }

    /** Colon-separated hex groups; a dotted IPv4 tail counts as two groups. */
    private static int[] groups(String part, String text) {
        if (part.isEmpty()) return new int[0];
        String[] items = part.split(":", -1);
        int count = items.length;
        boolean v4Tail = items[items.length - 1].indexOf('.') >= 0;
        int[] out = new int[v4Tail ? count + 1 : count];
        for (int i = 0; i < items.length; i++) {
            String item = items[i];
            if (v4Tail && i == items.length - 1) {
                long v4 = parseIpv4(item, text).longValue();
                out[i] = (int) (v4 >>> 16);
                out[i + 1] = (int) (v4 & 0xFFFF);
                break;
            }
            if (item.isEmpty() || item.length() > 4 || !item.chars().allMatch(c -> Character.digit(c, 16) >= 0))
                throw new IllegalArgumentException("bad IPv6 address '" + text + "'");
            out[i] = Integer.parseInt(item, 16);
        }
        return out;
    }
}
