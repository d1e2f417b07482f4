package org.gwlbinspect.policy.stateless;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Bit sets over rule positions, each {@code words} longs, stored end to end in one array and known by their offset.
 * An equal set is stored once: most elementary intervals of a policy hold the same rules as some other interval (the
 * gaps between a list of /32s all hold only the rules without that setting), so sharing keeps the index near the
 * number of distinct sets rather than the number of intervals. Compile time only.
 */
final class BitsetPool {
    /** Thrown when the pool would outgrow its budget; the engine then keeps the linear loop. */
    static final class OverBudget extends Exception {
        OverBudget(long words) {
            super("the stateless index would need more than " + words + " words", null, false, false);
        }
    }

    private final int words;
    private final int summaryWords;
    private final long budgetWords;
    private final Map<Key, Integer> offsets = new HashMap<>();
    private long[] pool;
    private int size;
    /** Per set, which of its words are non-zero: set {@code offset / words} at {@code summaryWords} times that. */
    private long[] summaries;

    BitsetPool(int words, long budgetWords) {
        this.words = words;
        this.summaryWords = summaryWords(words);
        this.budgetWords = budgetWords;
        pool = new long[Math.max(words, 64)];
        summaries = new long[Math.max(summaryWords, 64)];
    }

    /** Words of a summary of sets of {@code words} words: one bit per word. */
    static int summaryWords(int words) {
        return (words + 63) >>> 6;
    }

    /** The offset of a set equal to {@code bits} ({@code words} longs), stored now if it is new. */
    int intern(long[] bits) throws OverBudget {
        Key key = new Key(bits);
        Integer known = offsets.get(key);
        if (known != null) return known;
        int summarySize = size / words * summaryWords;
        if ((long) size + words + summarySize + summaryWords > budgetWords) throw new OverBudget(budgetWords);
        if (size + words > pool.length)
            pool = Arrays.copyOf(pool, (int) Math.min(budgetWords, 2L * pool.length + words));
        System.arraycopy(bits, 0, pool, size, words);
        if (summarySize + summaryWords > summaries.length) {
            summaries = Arrays.copyOf(summaries, 2 * summaries.length + summaryWords);
        }
        for (int w = 0; w < words; w++) if (bits[w] != 0) summaries[summarySize + (w >>> 6)] |= 1L << w;
        int offset = size;
        size += words;
        offsets.put(new Key(Arrays.copyOf(bits, words)), offset);
        return offset;
    }

    /** The stored sets, trimmed. */
    long[] toArray() {
        return Arrays.copyOf(pool, size);
    }

    /** The sets' summaries, trimmed: set at offset {@code o} has its summary at {@code o / words * summaryWords}. */
    long[] summaries() {
        return Arrays.copyOf(summaries, size / words * summaryWords);
    }

    private record Key(long[] bits) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Key k && Arrays.equals(bits, k.bits);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bits);
        }
    }
}
