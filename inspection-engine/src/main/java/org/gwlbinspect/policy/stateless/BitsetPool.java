package org.gwlbinspect.policy.stateless;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Bit sets over rule positions, each {@code words} longs, stored end to end in one array and known by their offset.
 * An equal set is stored once: most elementary intervals of a policy hold the same rules as some other interval (the
 * gaps between a list of /32s all hold only the rules without that setting), so sharing keeps the index near the
 * number of distinct sets rather than the number of intervals. Compile time only.
 *
 * <p>A pool that would outgrow its budget stops storing: it frees what it holds and only counts the distinct sets
 * still to come, by a 64-bit fingerprint each, so that the operator can be told what the index would have needed
 * ({@link #neededWords()}) without the memory the index itself would take.
 */
final class BitsetPool {
    /** Returned by {@link #intern} once the pool is over its budget: the set was counted, not stored. */
    static final int NOT_STORED = -1;

    private final int words;
    private final int summaryWords;
    private final long budgetWords;
    private Map<Key, Integer> offsets = new HashMap<>();
    private long[] pool;
    private int size;
    /** Per set, which of its words are non-zero: set {@code offset / words} at {@code summaryWords} times that. */
    private long[] summaries;

    /** Over budget: the fingerprints of every distinct set seen, stored or not; null while within the budget. */
    private Set<Long> fingerprints;

    private long distinctSets;

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

    /**
     * The offset of a set equal to {@code bits} ({@code words} longs), stored now if it is new; {@link #NOT_STORED}
     * once the pool is over its budget.
     */
    int intern(long[] bits) {
        if (fingerprints != null) {
            if (fingerprints.add(fingerprint(bits, 0, words))) distinctSets++;
            return NOT_STORED;
        }
        Key key = new Key(bits);
        Integer known = offsets.get(key);
        if (known != null) return known;
        int summarySize = size / words * summaryWords;
        if ((long) size + words + summarySize + summaryWords > budgetWords) {
            stopStoring();
            return intern(bits);
        }
        if (size + words > pool.length)
            pool = Arrays.copyOf(pool, (int) Math.min(budgetWords, 2L * pool.length + words));
        System.arraycopy(bits, 0, pool, size, words);
        if (summarySize + summaryWords > summaries.length) {
            summaries = Arrays.copyOf(summaries, 2 * summaries.length + summaryWords);
        }
        for (int w = 0; w < words; w++) if (bits[w] != 0) summaries[summarySize + (w >>> 6)] |= 1L << w;
        int offset = size;
        size += words;
        distinctSets++;
        offsets.put(new Key(Arrays.copyOf(bits, words)), offset);
        return offset;
    }

    /** Whether some set did not fit in the budget, so the pool holds nothing usable. */
    boolean overBudget() {
        return fingerprints != null;
    }

    /** Words the distinct sets interned so far and their summaries take, or would take without the budget. */
    long neededWords() {
        return distinctSets * (words + summaryWords);
    }

    /** The stored sets, trimmed. */
    long[] toArray() {
        return Arrays.copyOf(pool, size);
    }

    /** The sets' summaries, trimmed: set at offset {@code o} has its summary at {@code o / words * summaryWords}. */
    long[] summaries() {
        return Arrays.copyOf(summaries, size / words * summaryWords);
    }

    /** Frees the stored sets and keeps counting by fingerprint: the index will not be built. */
    private void stopStoring() {
        fingerprints = new HashSet<>();
        for (int offset = 0; offset < size; offset += words) fingerprints.add(fingerprint(pool, offset, words));
        pool = new long[0];
        summaries = new long[0];
        offsets = Map.of();
        size = 0;
    }

    /**
     * A 64-bit hash of {@code n} words: two different sets share one with a probability near 2^-64 per pair, so a
     * count of a million sets is exact but for about one chance in 10^7.
     */
    private static long fingerprint(long[] bits, int from, int n) {
        long h = 0x9E3779B97F4A7C15L * (n + 1);
        for (int i = 0; i < n; i++) h = mix(h ^ mix(bits[from + i] + i * 0xD6E8FEB86659FD93L));
        return h;
    }

    /** MurmurHash3's 64-bit finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
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
