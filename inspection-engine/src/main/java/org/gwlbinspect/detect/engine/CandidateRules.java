package org.gwlbinspect.detect.engine;

import java.util.List;

/**
 * The rule indexes a packet's prefilter selected: a bitset with one summary bit per non-empty word, so that clearing
 * it and walking it in order cost in proportion to the candidates, not to the number of rules (10 000 rules are 157
 * words, scanned for every packet otherwise). Allocation-free after construction.
 */
final class CandidateRules {
    private final long[] words;
    /** Bit {@code w} set: {@code words[w]} may be non-zero; clear: it is zero. */
    private final long[] summary;

    CandidateRules(int rules) {
        words = new long[Math.max(1, (rules + 63) >>> 6)];
        summary = new long[(words.length + 63) >>> 6];
    }

    /** Empties the set, touching only the words in use. */
    void clear() {
        for (int s = 0; s < summary.length; s++) {
            long bits = summary[s];
            while (bits != 0) {
                words[(s << 6) + Long.numberOfTrailingZeros(bits)] = 0;
                bits &= bits - 1;
            }
            summary[s] = 0;
        }
    }

    void add(int rule) {
        int w = rule >>> 6;
        words[w] |= 1L << rule;
        summary[w >>> 6] |= 1L << w;
    }

    /** Adds the rules of a {@link #sparse} set. */
    void addAll(long[] sparse) {
        for (int k = 0; k < sparse.length; k += 2) {
            int w = (int) sparse[k];
            words[w] |= sparse[k + 1];
            summary[w >>> 6] |= 1L << w;
        }
    }

    /** Adds every rule from 0 to {@code rules - 1}. */
    void addRange(int rules) {
        for (int r = 0; r < rules; r += 64) {
            int w = r >>> 6;
            words[w] |= rules - r >= 64 ? -1L : (1L << (rules - r)) - 1;
            summary[w >>> 6] |= 1L << w;
        }
    }

    /** The smallest rule index at or after {@code from} in the set, -1 when none. */
    int next(int from) {
        int w = from >>> 6;
        if (w >= words.length) return -1;
        long bits = words[w] & (-1L << from); // the shift takes from's low 6 bits
        if (bits != 0) return (w << 6) + Long.numberOfTrailingZeros(bits);
        int after = w + 1;
        if (after >= words.length) return -1;
        int s = after >>> 6;
        long used = summary[s] & (-1L << after);
        while (used == 0) {
            if (++s == summary.length) return -1;
            used = summary[s];
        }
        int next = (s << 6) + Long.numberOfTrailingZeros(used);
        return (next << 6) + Long.numberOfTrailingZeros(words[next]);
    }

    /**
     * A fixed set of rules as (word index, bits) pairs of its non-empty words, for {@link #addAll}: adding it costs
     * in proportion to those words only.
     */
    static long[] sparse(List<Integer> ascendingRules) {
        int used = 0;
        int lastWord = -1;
        for (int r : ascendingRules) {
            if (r >>> 6 != lastWord) used++;
            lastWord = r >>> 6;
        }
        long[] out = new long[used * 2];
        int k = -2;
        lastWord = -1;
        for (int r : ascendingRules) {
            if (r >>> 6 != lastWord) {
                k += 2;
                lastWord = r >>> 6;
                out[k] = lastWord;
            }
            out[k + 1] |= 1L << r;
        }
        return out;
    }

    /** {@link #sparse(List)} of the rules whose {@code member} flag is set. */
    static long[] sparse(boolean[] member) {
        int words = (member.length + 63) >>> 6;
        long[] bits = new long[words];
        int used = 0;
        for (int r = 0; r < member.length; r++) {
            if (!member[r]) continue;
            if (bits[r >>> 6] == 0) used++;
            bits[r >>> 6] |= 1L << r;
        }
        long[] out = new long[used * 2];
        int k = 0;
        for (int w = 0; w < words; w++) {
            if (bits[w] == 0) continue;
            out[k++] = w;
            out[k++] = bits[w];
        }
        return out;
    }
}
