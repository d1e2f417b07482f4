package org.gwlbinspect.detect;

import java.math.BigInteger;
import org.gwlbinspect.policy.IpPrefix;

/**
 * CIDR blocks as written in rule headers and variables, as inclusive ranges for the address matchers. The text is
 * parsed by the policy model's {@link IpPrefix} (one parser for both); this class adds the range form and the rule
 * parser's error wording.
 */
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
        IpPrefix prefix;
        try {
            prefix = IpPrefix.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(problem(text), e);
        }
        int bits = prefix.ipVersion() == 6 ? 128 : 32;
        BigInteger start = prefix.ipVersion() == 6
                ? unsigned(prefix.hi()).shiftLeft(64).or(unsigned(prefix.lo()))
                : BigInteger.valueOf(prefix.lo());
        BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix.length()).subtract(BigInteger.ONE);
        return new Block(prefix.ipVersion(), start, start.or(hostMask));
    }

    /** Says which part of a block that did not parse is wrong: the address first, then the prefix length. */
    private static String problem(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        boolean v6 = address.indexOf(':') >= 0;
        try {
            IpPrefix.parse(address);
        } catch (IllegalArgumentException e) {
            return "bad IPv" + (v6 ? 6 : 4) + " address '" + text + "'";
        }
        String p = text.substring(slash + 1);
        if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit))
            return "bad CIDR prefix in '" + text + "'";
        int bits = v6 ? 128 : 32;
        return "CIDR prefix /" + Integer.parseInt(p) + " is longer than " + bits + " bits in '" + text + "'";
    }

    private static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }
}
