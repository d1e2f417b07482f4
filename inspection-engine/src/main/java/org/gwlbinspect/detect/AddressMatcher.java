package org.gwlbinspect.detect;

import java.math.BigInteger;
import java.util.List;

/**
 * A compiled address group from a rule header (policy.md §3.1): sorted, disjoint ranges per IP version, matched by
 * binary search without allocating. IPv4 addresses are passed as the low 32 bits of {@code lo}.
 */
public final class AddressMatcher {
    private static final BigInteger LONG_MASK = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final boolean any;
    private final boolean containsNegation;
    private final long[] v4Start;
    private final long[] v4End;
    private final long[] v6StartHi;
    private final long[] v6StartLo;
    private final long[] v6EndHi;
    private final long[] v6EndLo;
    private final String text;

    AddressMatcher(Ranges v4, Ranges v6, boolean containsNegation, String text) {
        this.any = v4.isAll() && v6.isAll();
        this.containsNegation = containsNegation;
        this.text = text;
        List<BigInteger[]> r4 = v4.ranges();
        v4Start = new long[r4.size()];
        v4End = new long[r4.size()];
        for (int i = 0; i < r4.size(); i++) {
            v4Start[i] = r4.get(i)[0].longValue();
            v4End[i] = r4.get(i)[1].longValue();
        }
        List<BigInteger[]> r6 = v6.ranges();
        v6StartHi = new long[r6.size()];
        v6StartLo = new long[r6.size()];
        v6EndHi = new long[r6.size()];
        v6EndLo = new long[r6.size()];
        for (int i = 0; i < r6.size(); i++) {
            v6StartHi[i] = r6.get(i)[0].shiftRight(64).longValue();
            v6StartLo[i] = r6.get(i)[0].and(LONG_MASK).longValue();
            v6EndHi[i] = r6.get(i)[1].shiftRight(64).longValue();
            v6EndLo[i] = r6.get(i)[1].and(LONG_MASK).longValue();
        }
    }

    /** Matches every IPv4 and IPv6 address ({@code any}). */
    public static AddressMatcher any() {
        return new AddressMatcher(Ranges.all(Cidrs.V4_MAX), Ranges.all(Cidrs.V6_MAX), false, "any");
    }

    /**
     * Whether the address is in the group.
     *
     * @param ipVersion 4 or 6
     * @param hi the high 64 bits of an IPv6 address (ignored for IPv4)
     * @param lo the low 64 bits of an IPv6 address, or the IPv4 address in the low 32 bits
     */
    public boolean matches(int ipVersion, long hi, long lo) {
        if (any) return true;
        if (ipVersion == 4) return matchesIpv4((int) lo);
        int low = 0;
        int high = v6StartHi.length - 1;
        int found = -1;
        while (low <= high) { // last range whose start <= address
            int mid = (low + high) >>> 1;
            if (compare128(v6StartHi[mid], v6StartLo[mid], hi, lo) <= 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found >= 0 && compare128(hi, lo, v6EndHi[found], v6EndLo[found]) <= 0;
    }

    /** Whether the IPv4 address (network order bits in an int) is in the group. */
    public boolean matchesIpv4(int address) {
        if (any) return true;
        long value = address & 0xFFFF_FFFFL;
        int low = 0;
        int high = v4Start.length - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (v4Start[mid] <= value) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found >= 0 && value <= v4End[found];
    }

    /** True when the group is every address of both versions. */
    public boolean isAny() {
        return any;
    }

    /** True when the written group (after variable expansion) negates something: makes IP-only rules like-IP-only. */
    public boolean containsNegation() {
        return containsNegation;
    }

    /** Receives the inclusive ranges of a group, IPv4 ones with {@code startHi = endHi = 0}. */
    @FunctionalInterface
    public interface RangeVisitor {
        void range(int ipVersion, long startHi, long startLo, long endHi, long endLo);
    }

    /**
     * Passes every disjoint range of the group to {@code visitor}, IPv4 first, each version in ascending order: the
     * group as the address index stores it (policy compile time; not for the data path).
     */
    public void visitRanges(RangeVisitor visitor) {
        for (int i = 0; i < v4Start.length; i++) visitor.range(4, 0, v4Start[i], 0, v4End[i]);
        for (int i = 0; i < v6StartHi.length; i++) visitor.range(6, v6StartHi[i], v6StartLo[i], v6EndHi[i], v6EndLo[i]);
    }

    /** Number of disjoint IPv4 and IPv6 ranges, for tests and capacity reports. */
    public int rangeCount() {
        return v4Start.length + v6StartHi.length;
    }

    private static int compare128(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** The group as written in the rule. */
    @Override
    public String toString() {
        return text;
    }
}
