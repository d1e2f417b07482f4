package org.gwlbinspect.detect.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import org.gwlbinspect.detect.AddressMatcher;

/**
 * Which of many address groups contain an address, at a cost that does not grow with their number: the question
 * Suricata's IP-only engine answers with a radix tree of the rules' CIDRs ({@code detect-engine-iponly.c}). Here it is
 * a segment tree per IP version over the elementary intervals the groups' ranges cut the address space into. A range
 * is stored once at each of the O(log n) nodes that tile it; a lookup finds the address's interval by binary search
 * and walks from that leaf to the root, collecting the ids stored on the way: O(log n + k) for k groups found, and no
 * allocation. Negations, {@code any} and variables need nothing here: an {@link AddressMatcher} is already the
 * resolved set of disjoint ranges.
 *
 * <p>Built once per policy (allocation there is fine), immutable, shared by any number of threads.
 */
public final class AddressIndex {
    private static final long V4_MAX = 0xFFFF_FFFFL;

    private final Tree v4;
    private final Tree v6;
    private final int idLimit;

    private AddressIndex(Tree v4, Tree v6, int idLimit) {
        this.v4 = v4;
        this.v6 = v6;
        this.idLimit = idLimit;
    }

    /** An index of no group. */
    public static AddressIndex empty() {
        return new Builder().build();
    }

    /**
     * Appends to {@code out} from {@code count} the ids of the groups that contain the address, each once, in no
     * particular order, and returns the new count. {@code out} needs room for {@link #idLimit()} ids.
     *
     * @param ipVersion 4, or anything else for IPv6 (as {@link AddressMatcher#matches} reads it)
     * @param hi the high 64 bits of an IPv6 address (ignored for IPv4)
     * @param lo the low 64 bits of an IPv6 address, or the IPv4 address in the low 32 bits
     */
    public int containing(int ipVersion, long hi, long lo, int[] out, int count) {
        Tree tree = ipVersion == 4 ? v4 : v6;
        int[] start = tree.nodeStart;
        int[] ids = tree.nodeIds;
        for (int node = tree.firstNode(ipVersion, hi, lo); node > 0; node >>>= 1) {
            for (int k = start[node]; k < start[node + 1]; k++) out[count++] = ids[k];
        }
        return count;
    }

    /** Adds the ids of the groups that contain the address to {@code out} (see {@link #containing}). */
    void addContaining(int ipVersion, long hi, long lo, CandidateRules out) {
        Tree tree = ipVersion == 4 ? v4 : v6;
        int[] start = tree.nodeStart;
        int[] ids = tree.nodeIds;
        for (int node = tree.firstNode(ipVersion, hi, lo); node > 0; node >>>= 1) {
            for (int k = start[node]; k < start[node + 1]; k++) out.add(ids[k]);
        }
    }

    /** One more than the largest id added: the room {@link #containing} may need. */
    public int idLimit() {
        return idLimit;
    }

    /** Stored (id, tree node) entries over both versions: the index's size, for tests and capacity reports. */
    public int entries() {
        return v4.nodeIds.length + v6.nodeIds.length;
    }

    /** Collects groups, then builds the index. */
    public static final class Builder {
        private final List<long[]> v4 = new ArrayList<>(); // {id, startHi, startLo, endHi, endLo}
        private final List<long[]> v6 = new ArrayList<>();
        private int idLimit;

        private final BitSet added = new BitSet();

        /** Adds group {@code id}, a non-negative int not added before. */
        public Builder add(int id, AddressMatcher group) {
            if (id < 0) throw new IllegalArgumentException("negative id " + id);
            // a group's ranges are disjoint, so an id is found at most once per lookup: unless it were added twice
            if (added.get(id)) throw new IllegalArgumentException("id " + id + " added twice");
            added.set(id);
            idLimit = Math.max(idLimit, id + 1);
            group.visitRanges((version, startHi, startLo, endHi, endLo) ->
                    (version == 4 ? v4 : v6).add(new long[] {id, startHi, startLo, endHi, endLo}));
            return this;
        }

        public AddressIndex build() {
            return new AddressIndex(Tree.of(v4, 0, V4_MAX), Tree.of(v6, -1L, -1L), idLimit);
        }
    }

    /** One IP version's segment tree, its nodes numbered as a binary heap (root 1, leaf {@code i} at leaves + i). */
    private static final class Tree {
        /** Sorted first addresses of the elementary intervals (unsigned 128-bit); the first is 0. */
        final long[] boundHi;

        final long[] boundLo;
        /** A power of two, at least the number of intervals. */
        final int leaves;
        /** The ids stored at node {@code n} are {@code nodeIds[nodeStart[n] .. nodeStart[n + 1])}. */
        final int[] nodeStart;

        final int[] nodeIds;

        private final long maxHi;
        private final long maxLo;

        /**
         * The first address of the lowest range and the last of the highest (unsigned): an address outside holds no id
         * on its path to the root, as a node stores an id only when the range covers all of the node's interval. An
         * empty tree has the span [1, 0], which holds no address.
         */
        private final long spanStartHi;

        private final long spanStartLo;
        private final long spanEndHi;
        private final long spanEndLo;

        private Tree(
                long[] boundHi,
                long[] boundLo,
                int leaves,
                int[] nodeStart,
                int[] nodeIds,
                long maxHi,
                long maxLo,
                long[] span) {
            this.boundHi = boundHi;
            this.boundLo = boundLo;
            this.leaves = leaves;
            this.nodeStart = nodeStart;
            this.nodeIds = nodeIds;
            this.maxHi = maxHi;
            this.maxLo = maxLo;
            this.spanStartHi = span[0];
            this.spanStartLo = span[1];
            this.spanEndHi = span[2];
            this.spanEndLo = span[3];
        }

        /**
         * The leaf to walk up from for the address, or 0 (no node: nothing to walk) when it lies outside the ranges'
         * span. Why the span: most packets of a flow are outside every range of an IP-only set (a block list's hosts,
         * the rules' own networks), so two compares replace the binary search and the walk to the root
         * (docs/performance.md).
         */
        int firstNode(int ipVersion, long hi, long lo) {
            if (ipVersion == 4) {
                hi = 0;
                lo &= V4_MAX;
            }
            return spans(hi, lo) ? leaf(hi, lo) : 0;
        }

        /** Whether the address lies within the ranges' span: only then may some range hold it. */
        private boolean spans(long hi, long lo) {
            return compare(hi, lo, spanStartHi, spanStartLo) >= 0 && compare(hi, lo, spanEndHi, spanEndLo) <= 0;
        }

        private static int compare(long aHi, long aLo, long bHi, long bLo) {
            int c = Long.compareUnsigned(aHi, bHi);
            return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
        }

        /** {startHi, startLo, endHi, endLo} of {@code ranges} as a whole; {0, 1, 0, 0} (no address) when empty. */
        private static long[] span(List<long[]> ranges) {
            if (ranges.isEmpty()) return new long[] {0, 1, 0, 0};
            long[] span = {-1L, -1L, 0, 0};
            for (long[] r : ranges) {
                if (compare(r[1], r[2], span[0], span[1]) < 0) {
                    span[0] = r[1];
                    span[1] = r[2];
                }
                if (compare(r[3], r[4], span[2], span[3]) > 0) {
                    span[2] = r[3];
                    span[3] = r[4];
                }
            }
            return span;
        }

        /** The tree of {@code ranges} ({id, startHi, startLo, endHi, endLo}) in the space {@code [0, max]}. */
        static Tree of(List<long[]> ranges, long maxHi, long maxLo) {
            // Interval bounds: 0, every range start, and the address after every range end (unless it is the last).
            List<long[]> bounds = new ArrayList<>();
            bounds.add(new long[] {0, 0});
            for (long[] r : ranges) {
                bounds.add(new long[] {r[1], r[2]});
                if (r[3] != maxHi || r[4] != maxLo) bounds.add(after(r[3], r[4]));
            }
            bounds.sort(Comparator.<long[]>comparingLong(b -> b[0] ^ Long.MIN_VALUE)
                    .thenComparingLong(b -> b[1] ^ Long.MIN_VALUE));
            List<long[]> unique = new ArrayList<>();
            for (long[] b : bounds) {
                long[] last = unique.isEmpty() ? null : unique.get(unique.size() - 1);
                if (last == null || last[0] != b[0] || last[1] != b[1]) unique.add(b);
            }
            int n = unique.size();
            long[] hi = new long[n];
            long[] lo = new long[n];
            for (int i = 0; i < n; i++) {
                hi[i] = unique.get(i)[0];
                lo[i] = unique.get(i)[1];
            }
            int leaves = Integer.highestOneBit(n) == n ? n : Integer.highestOneBit(n) << 1;
            long[] span = span(ranges);
            Tree shape = new Tree(hi, lo, leaves, null, null, maxHi, maxLo, span);
            // Two passes over the ranges' covering nodes: count per node, then place the ids.
            int[] start = new int[2 * leaves + 1];
            for (long[] r : ranges) shape.cover(r, node -> start[node + 1]++);
            for (int node = 1; node <= 2 * leaves; node++) start[node] += start[node - 1];
            int[] ids = new int[start[2 * leaves]];
            int[] fill = Arrays.copyOf(start, start.length);
            for (long[] r : ranges) shape.cover(r, node -> ids[fill[node]++] = (int) r[0]);
            return new Tree(hi, lo, leaves, start, ids, maxHi, maxLo, span);
        }

        /** The address after {@code (hi, lo)}, as {hi, lo}. */
        private static long[] after(long hi, long lo) {
            return new long[] {lo == -1L ? hi + 1 : hi, lo + 1};
        }

        /** Calls {@code node} for each node that tiles range {@code r} (the iterative segment-tree decomposition). */
        private void cover(long[] r, IntConsumer node) {
            int first = interval(r[1], r[2]);
            int last;
            if (r[3] == maxHi && r[4] == maxLo) {
                last = boundHi.length - 1;
            } else {
                long[] next = after(r[3], r[4]);
                last = interval(next[0], next[1]) - 1;
            }
            int left = first + leaves;
            int right = last + leaves + 1;
            while (left < right) {
                if ((left & 1) == 1) node.accept(left++);
                if ((right & 1) == 1) node.accept(--right);
                left >>>= 1;
                right >>>= 1;
            }
        }

        /** Index of the bound equal to the address (it is one: every range start and end + 1 is a bound). */
        private int interval(long hi, long lo) {
            int i = leaf(hi, lo) - leaves;
            if (boundHi[i] != hi || boundLo[i] != lo) throw new IllegalStateException("not a bound");
            return i;
        }

        /** The leaf node of the interval holding the address: the last bound at or below it. */
        int leaf(long hi, long lo) {
            int low = 0;
            int high = boundHi.length - 1; // boundHi[0] = boundLo[0] = 0 is at or below every address
            while (low < high) {
                int mid = (low + high + 1) >>> 1;
                int c = Long.compareUnsigned(boundHi[mid], hi);
                if (c < 0 || c == 0 && Long.compareUnsigned(boundLo[mid], lo) <= 0) low = mid;
                else high = mid - 1;
            }
            return leaves + low;
        }
    }
}
