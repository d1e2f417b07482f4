package org.gwlbinspect.policy.stateless;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One field's elementary intervals (unsigned 128-bit keys: an IPv6 address, an IPv4 address or a port in the low
 * bits) and, for each, the set of rules whose ranges of that field contain it, as a {@link BitsetPool} offset. A
 * lookup is a binary search for the last interval start at or below the key; no allocation.
 *
 * <p>{@code detect.engine.AddressIndex} answers the same "which ranges hold this address" question for the stateful
 * side, but as a list of ids collected from a segment tree, O(k) in the rules found: a /8 shared by 1 000 rules would
 * cost 1 000 ids per packet. The stateless index needs the answer as a precomputed bit set per interval instead.
 */
final class IntervalSets {
    private final long[] startHi;
    private final long[] startLo;
    private final int[] sets;

    private IntervalSets(long[] startHi, long[] startLo, int[] sets) {
        this.startHi = startHi;
        this.startLo = startLo;
        this.sets = sets;
    }

    /** The pool offset of the set of rules whose ranges hold the key. */
    int setAt(long hi, long lo) {
        int low = 0;
        int high = startHi.length - 1; // the first interval starts at 0, at or below every key
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            int c = Long.compareUnsigned(startHi[mid], hi);
            if (c < 0 || c == 0 && Long.compareUnsigned(startLo[mid], lo) <= 0) low = mid;
            else high = mid - 1;
        }
        return sets[low];
    }

    /** Number of elementary intervals (for tests and size reports). */
    int intervals() {
        return sets.length;
    }

    /** Collects ranges of one field over the key space {@code [0, max]}, then builds the intervals' sets. */
    static final class Builder {
        private final long maxHi;
        private final long maxLo;
        private final List<long[]> ranges = new ArrayList<>(); // {rule, startHi, startLo, endHi, endLo}

        Builder(long maxHi, long maxLo) {
            this.maxHi = maxHi;
            this.maxLo = maxLo;
        }

        void add(int rule, long startHi, long startLo, long endHi, long endLo) {
            ranges.add(new long[] {rule, startHi, startLo, endHi, endLo});
        }

        /**
         * Builds the intervals; {@code always} are the rules without this setting, in every interval's set. A rule's
         * ranges may overlap one another, so the sweep counts how many of its ranges are open rather than setting a
         * bit.
         */
        IntervalSets build(long[] always, int ruleCount, BitsetPool pool) {
            List<long[]> bounds = new ArrayList<>();
            bounds.add(new long[] {0, 0});
            for (long[] r : ranges) {
                bounds.add(new long[] {r[1], r[2]});
                if (!isMax(r[3], r[4])) bounds.add(after(r[3], r[4]));
            }
            bounds.sort((a, b) -> {
                int c = Long.compareUnsigned(a[0], b[0]);
                return c != 0 ? c : Long.compareUnsigned(a[1], b[1]);
            });
            int n = 0;
            long[] hi = new long[bounds.size()];
            long[] lo = new long[bounds.size()];
            for (long[] b : bounds) {
                if (n > 0 && hi[n - 1] == b[0] && lo[n - 1] == b[1]) continue;
                hi[n] = b[0];
                lo[n] = b[1];
                n++;
            }
            hi = Arrays.copyOf(hi, n);
            lo = Arrays.copyOf(lo, n);
            IntervalSets shape = new IntervalSets(hi, lo, identity(n));
            // Per interval, the ranges that open there and the ranges that closed just before it (linked lists).
            int[] openHead = filled(n + 1);
            int[] closeHead = filled(n + 1);
            int[] openNext = new int[ranges.size()];
            int[] closeNext = new int[ranges.size()];
            for (int i = 0; i < ranges.size(); i++) {
                long[] r = ranges.get(i);
                int first = shape.setAt(r[1], r[2]);
                int end = isMax(r[3], r[4]) ? n : shape.setAt(after(r[3], r[4])[0], after(r[3], r[4])[1]);
                openNext[i] = openHead[first];
                openHead[first] = i;
                closeNext[i] = closeHead[end];
                closeHead[end] = i;
            }
            long[] current = Arrays.copyOf(always, always.length);
            int[] open = new int[ruleCount];
            int[] sets = new int[n];
            for (int interval = 0; interval < n; interval++) {
                for (int i = closeHead[interval]; i >= 0; i = closeNext[i]) {
                    int rule = (int) ranges.get(i)[0];
                    if (--open[rule] == 0 && (always[rule >>> 6] & (1L << rule)) == 0) {
                        current[rule >>> 6] &= ~(1L << rule);
                    }
                }
                for (int i = openHead[interval]; i >= 0; i = openNext[i]) {
                    int rule = (int) ranges.get(i)[0];
                    open[rule]++;
                    current[rule >>> 6] |= 1L << rule;
                }
                sets[interval] = pool.intern(current);
            }
            return new IntervalSets(hi, lo, sets);
        }

        private boolean isMax(long hi, long lo) {
            return hi == maxHi && lo == maxLo;
        }

        private static long[] after(long hi, long lo) {
            return new long[] {lo == -1L ? hi + 1 : hi, lo + 1};
        }

        private static int[] identity(int n) {
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = i;
            return out;
        }

        private static int[] filled(int n) {
            int[] out = new int[n];
            Arrays.fill(out, -1);
            return out;
        }
    }
}
