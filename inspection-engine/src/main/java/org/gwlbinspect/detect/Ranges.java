package org.gwlbinspect.detect;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A set of unsigned integers in {@code [0, max]} as sorted, disjoint, non-adjacent inclusive ranges. Used only while
 * compiling address and port groups (BigInteger keeps IPv6 arithmetic simple); matchers copy the result into arrays.
 */
final class Ranges {
    private final BigInteger max;
    private final List<BigInteger[]> ranges; // each {start, end}, normalised

    private Ranges(BigInteger max, List<BigInteger[]> ranges) {
        this.max = max;
        this.ranges = ranges;
    }

    static Ranges empty(BigInteger max) {
        return new Ranges(max, List.of());
    }

    static Ranges all(BigInteger max) {
        return new Ranges(max, List.<BigInteger[]>of(new BigInteger[] {BigInteger.ZERO, max}));
    }

    static Ranges of(BigInteger max, BigInteger start, BigInteger end) {
        return new Ranges(max, List.<BigInteger[]>of(new BigInteger[] {start, end}));
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    boolean isAll() {
        return ranges.size() == 1 && ranges.get(0)[0].signum() == 0 && ranges.get(0)[1].equals(max);
    }

    List<BigInteger[]> ranges() {
        return ranges;
    }

    Ranges union(Ranges other) {
        List<BigInteger[]> all = new ArrayList<>(ranges);
        all.addAll(other.ranges);
        all.sort(Comparator.comparing((BigInteger[] r) -> r[0]));
        List<BigInteger[]> merged = new ArrayList<>();
        for (BigInteger[] r : all) {
            if (!merged.isEmpty()) {
                BigInteger[] last = merged.get(merged.size() - 1);
                if (r[0].compareTo(last[1].add(BigInteger.ONE)) <= 0) {
                    if (r[1].compareTo(last[1]) > 0) merged.set(merged.size() - 1, new BigInteger[] {last[0], r[1]});
                    continue;
                }
            }
            merged.add(r);
        }
        return new Ranges(max, List.copyOf(merged));
    }

    Ranges complement() {
        List<BigInteger[]> out = new ArrayList<>();
        BigInteger next = BigInteger.ZERO;
        for (BigInteger[] r : ranges) {
            if (r[0].compareTo(next) > 0) out.add(new BigInteger[] {next, r[0].subtract(BigInteger.ONE)});
            next = r[1].add(BigInteger.ONE);
        }
        if (next.compareTo(max) <= 0) out.add(new BigInteger[] {next, max});
        return new Ranges(max, List.copyOf(out));
    }

    Ranges minus(Ranges other) {
        // a \ b = ~(~a ∪ b)
        return complement().union(other).complement();
    }
}
