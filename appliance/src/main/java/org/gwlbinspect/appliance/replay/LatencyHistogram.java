package org.gwlbinspect.appliance.replay;

/**
 * Latencies in nanoseconds, counted in log-linear buckets as HdrHistogram counts them: exact below 64 ns, then 64
 * buckets per power of two, so a percentile is within 1.6 % of the value recorded. Fixed memory, no allocation per
 * value; one writing thread, read after it stopped.
 */
final class LatencyHistogram {
    private static final int SUB_BUCKET_BITS = 6;
    private static final int SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
    /** Up to 2^42 ns (73 minutes); longer values count in the last bucket. */
    private static final int MAX_EXPONENT = 42;

    private final long[] counts = new long[(MAX_EXPONENT - SUB_BUCKET_BITS + 2) * SUB_BUCKETS];
    private long total;
    private long max;

    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[Math.min(index(v), counts.length - 1)]++;
        total++;
        if (v > max) max = v;
    }

    private static int index(long v) {
        if (v < SUB_BUCKETS) return (int) v;
        int exponent = 63 - Long.numberOfLeadingZeros(v); // >= SUB_BUCKET_BITS
        int sub = (int) (v >>> (exponent - SUB_BUCKET_BITS)) & (SUB_BUCKETS - 1);
        return (exponent - SUB_BUCKET_BITS + 1) * SUB_BUCKETS + sub;
    }

    /** The smallest value of bucket {@code i} and its width. */
    private static long lowest(int i) {
        if (i < SUB_BUCKETS) return i;
        int exponent = i / SUB_BUCKETS + SUB_BUCKET_BITS - 1;
        long sub = i % SUB_BUCKETS;
        return (1L << exponent) | (sub << (exponent - SUB_BUCKET_BITS));
    }

    private static long width(int i) {
        return i < SUB_BUCKETS ? 1 : 1L << (i / SUB_BUCKETS - 1);
    }

    long count() {
        return total;
    }

    long max() {
        return max;
    }

    /**
     * The value at {@code quantile} (0.5 = median, 0.999 = p99.9): the middle of the bucket that holds the
     * ceil(quantile × count)-th smallest value, never above the maximum; 0 when empty.
     */
    long valueAt(double quantile) {
        if (total == 0) return 0;
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) return i == counts.length - 1 ? max : Math.min(max, lowest(i) + width(i) / 2);
        }
        return max;
    }
}
