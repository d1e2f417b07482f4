package org.gwlbinspect.appliance.replay;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A multiset of datagrams by a 64-bit hash of their bytes, with the time each was sent: the sender adds what it sent,
 * the receiver takes what came back and learns when it was sent (identical datagrams are taken oldest first). Safe for
 * one adding and one taking thread. Two different datagrams share a hash with odds of about n²/2^65.
 */
final class PayloadTally {
    /** What {@link #take} returns for a hash with nothing outstanding. */
    static final long NONE = Long.MIN_VALUE;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ConcurrentHashMap<Long, SendTimes> sent = new ConcurrentHashMap<>();
    private final AtomicLong outstanding = new AtomicLong();

    /** Send times of the outstanding datagrams of one hash, oldest first (a ring; one entry almost always). */
    private static final class SendTimes {
        long[] nanos = new long[1];
        int head;
        int size;

        void add(long t) {
            if (size == nanos.length) {
                long[] grown = new long[size * 2];
                for (int i = 0; i < size; i++) grown[i] = nanos[(head + i) % size];
                nanos = grown;
                head = 0;
            }
            nanos[(head + size++) % nanos.length] = t;
        }

        long take() {
            long t = nanos[head];
            head = (head + 1) % nanos.length;
            size--;
            return t;
        }
    }

    void add(long hash) {
        add(hash, 0);
    }

    /** Adds a datagram sent at {@code sendNanos} ({@link System#nanoTime}). */
    void add(long hash, long sendNanos) {
        sent.compute(hash, (k, times) -> {
            SendTimes t = times == null ? new SendTimes() : times;
            t.add(sendNanos);
            return t;
        });
        outstanding.incrementAndGet();
    }

    /** Takes one datagram with this hash; false if none is outstanding. */
    boolean take(long hash) {
        return takeSendTime(hash) != NONE;
    }

    /** Takes the oldest outstanding datagram with this hash and returns when it was sent, or {@link #NONE}. */
    long takeSendTime(long hash) {
        long[] taken = {NONE};
        sent.computeIfPresent(hash, (k, times) -> {
            taken[0] = times.take();
            return times.size == 0 ? null : times;
        });
        if (taken[0] != NONE) outstanding.decrementAndGet();
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
