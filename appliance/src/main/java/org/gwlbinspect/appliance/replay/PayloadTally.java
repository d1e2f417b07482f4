package org.gwlbinspect.appliance.replay;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A multiset of datagrams by a 64-bit hash of their bytes: the sender adds what it sent, the receiver takes what came
 * back. Safe for one adding and one taking thread. Two different datagrams share a hash with odds of about n²/2^65.
 */
final class PayloadTally {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ConcurrentHashMap<Long, Long> counts = new ConcurrentHashMap<>();
    private final AtomicLong outstanding = new AtomicLong();

    void add(long hash) {
        counts.merge(hash, 1L, Long::sum);
        outstanding.incrementAndGet();
    }

    /** Takes one datagram with this hash; false if none is outstanding. */
    boolean take(long hash) {
        boolean[] taken = new boolean[1];
        counts.computeIfPresent(hash, (k, n) -> {
            taken[0] = true;
            return n == 1 ? null : n - 1;
        });
        if (taken[0]) outstanding.decrementAndGet();
        return taken[0];
    }

    /** Datagrams added and not taken. */
    long outstanding() {
        return outstanding.get();
    }

    /** A 64-bit hash of {@code b[0, length)} (eight bytes a step, then the tail, then a final mix). */
    static long hash(byte[] b, int length) {
        long h = 0x9E3779B97F4A7C15L ^ length;
        int i = 0;
        for (; i + 8 <= length; i += 8) h = step(h, (long) LONGS.get(b, i));
        long tail = 0;
        for (int shift = 0; i < length; i++, shift += 8) tail |= (b[i] & 0xFFL) << shift;
        h = step(h, tail);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    private static long step(long h, long word) {
        word *= 0x87C37B91114253D5L;
        word = Long.rotateLeft(word, 31);
        word *= 0x4CF5AD432745937FL;
        return Long.rotateLeft(h ^ word, 27) * 5 + 0x52DCE729;
    }
}
