package org.gwlbinspect.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Lets non-first IP fragments, which carry no ports, find the flow of their datagram (gwlb.md §0 item 9, §3, as
 * gwlb-xdp's {@code frag_state}): the first fragment records (endpoint ID, IP version, source, destination,
 * protocol, fragment ID) → flow slot, generation and direction; later fragments look that up.
 *
 * <p>Lock-free, bounded and preallocated. Each entry is a seqlock-protected record in one {@code long[]}; a key may
 * sit in any of the {@value #PROBE_WINDOW} entries from its home. An entry is reusable once its timeout has passed,
 * so there is no sweep: stale entries are simply overwritten. When a window holds only live entries, the one closest
 * to expiry is overwritten (counted). A non-first fragment that arrives before its first fragment, after the
 * timeout, or whose flow has ended gets {@link #NOT_FOUND} (counted); the caller drops it.
 *
 * <p>A datagram whose first fragment the policy dropped is marked ({@link #markDatagramDropped}): its later fragments
 * get {@link #DATAGRAM_DROPPED} and are dropped too, whichever rule dropped the first one. Without the mark they would
 * find a flow with no verdict of its own (a packet-scoped drop, or a stateless rule on ports, decides nothing for the
 * flow) and pass, to wait at the receiver for a first fragment that never comes.
 */
public final class FragmentTracker {

    /** {@link #lookupFlow} result: no live mapping; drop the fragment. */
    public static final int NOT_FOUND = -1;

    /** {@link #lookupFlow} result: the datagram's first fragment was dropped; drop this one too. */
    public static final int DATAGRAM_DROPPED = -2;

    static final int PROBE_WINDOW = 8;

    private static final int ENTRY_LONGS = 9;
    private static final int SEQ = 0; // even: stable, odd: being written, 0: never used
    private static final int ENDPOINT = 1;
    private static final int SRC_HI = 2;
    private static final int SRC_LO = 3;
    private static final int DST_HI = 4;
    private static final int DST_LO = 5;
    private static final int META = 6; // fragment ID << 32 | protocol << 8 | IP version
    private static final int FLOW = 7; // dropped << 63 | direction << 62 | generation << 32 | flow slot
    private static final int EXPIRES = 8;

    private static final long DROPPED = 1L << 63;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final FlowTable flows;
    private final long[] entries;
    private final int mask;
    private final int window;
    private final long timeoutNanos;
    private final long hashSeed = new SecureRandom().nextLong();

    private final LongAdder recorded = new LongAdder();
    private final LongAdder overwrittenLive = new LongAdder();
    private final LongAdder recordFailures = new LongAdder();
    private final LongAdder lookupMisses = new LongAdder();
    private final LongAdder droppedDatagrams = new LongAdder();
    private final LongAdder droppedFragments = new LongAdder();

    /**
     * @param flows the table whose slots are recorded; a lookup checks the slot still holds the same flow
     * @param capacity fragmented datagrams tracked at once (rounded up to a power of two)
     * @param fragmentTimeout how long after the first fragment later ones are matched ({@code flows.fragmentTimeout})
     */
    public FragmentTracker(FlowTable flows, int capacity, Duration fragmentTimeout) {
        if (capacity < 1 || capacity > 1 << 26)
            throw new IllegalArgumentException("fragment tracker capacity must be between 1 and 2^26, got " + capacity);
        this.flows = Objects.requireNonNull(flows, "flows");
        int size = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
        this.entries = new long[size * ENTRY_LONGS];
        this.mask = size - 1;
        this.window = Math.min(PROBE_WINDOW, size);
        this.timeoutNanos = fragmentTimeout.toNanos();
    }

    /**
     * Records the first fragment (offset 0, more-fragments set) of a datagram whose flow is {@code flowSlot}, found with
     * {@code key} (its source, destination, direction and generation are used; ports are ignored). Returns false if
     * contention with other workers left no entry to write (counted); the later fragments will then be dropped.
     *
     * @param fragmentId IPv4 Identification (16 bits) or IPv6 Fragment header Identification (32 bits)
     */
    public boolean recordFirstFragment(FlowKey key, int fragmentId, int flowSlot, long nowNanos) {
        long meta = meta(key, fragmentId);
        long srcHi = key.sourceHi();
        long srcLo = key.sourceLo();
        long dstHi = key.destinationHi();
        long dstLo = key.destinationLo();
        int home = (int) hash(key.endpointId, srcHi, srcLo, dstHi, dstLo, meta) & mask;
        for (int attempt = 0; attempt < 2; attempt++) {
            int target = -1;
            long targetSeq = 0;
            boolean targetLive = false;
            long soonest = 0;
            for (int i = 0; i < window; i++) {
                int base = ((home + i) & mask) * ENTRY_LONGS;
                long seq = (long) LONGS.getAcquire(entries, base + SEQ);
                if ((seq & 1) != 0) continue;
                if (seq == 0) {
                    if (target < 0 || targetLive) {
                        target = base;
                        targetSeq = seq;
                        targetLive = false;
                    }
                    continue;
                }
                boolean same = matches(base, key.endpointId, srcHi, srcLo, dstHi, dstLo, meta);
                long expires = entries[base + EXPIRES];
                VarHandle.loadLoadFence();
                if ((long) LONGS.getAcquire(entries, base + SEQ) != seq) continue;
                boolean live = nowNanos - expires < 0;
                if (same) { // a repeated first fragment: refresh its mapping in place
                    target = base;
                    targetSeq = seq;
                    targetLive = false;
                    break;
                }
                if (!live && (target < 0 || targetLive)) {
                    target = base;
                    targetSeq = seq;
                    targetLive = false;
                } else if (live && (target < 0 || (targetLive && expires - soonest < 0))) {
                    target = base;
                    targetSeq = seq;
                    targetLive = true;
                    soonest = expires;
                }
            }
            if (target < 0) continue;
            if (!LONGS.compareAndSet(entries, target + SEQ, targetSeq, targetSeq + 1)) continue;
            entries[target + ENDPOINT] = key.endpointId;
            entries[target + SRC_HI] = srcHi;
            entries[target + SRC_LO] = srcLo;
            entries[target + DST_HI] = dstHi;
            entries[target + DST_LO] = dstLo;
            entries[target + META] = meta;
            entries[target + FLOW] = ((long) (key.direction & 1) << 62)
                    | ((long) (key.generation & 0x3FFF_FFFF) << 32)
                    | Integer.toUnsignedLong(flowSlot);
            entries[target + EXPIRES] = nowNanos + timeoutNanos;
            LONGS.setRelease(entries, target + SEQ, targetSeq + 2);
            recorded.increment();
            if (targetLive) overwrittenLive.increment();
            return true;
        }
        recordFailures.increment();
        return false;
    }

    /**
     * Finds the flow of a non-first fragment. {@code key} is filled from the fragment's IP header with ports 0; on a hit
     * its direction and generation are set to the recorded flow's, ready for {@link FlowTable#recordInbound}. Returns
     * the flow slot or {@link #NOT_FOUND}.
     */
    public int lookupFlow(FlowKey key, int fragmentId, long nowNanos) {
        long meta = meta(key, fragmentId);
        long srcHi = key.sourceHi();
        long srcLo = key.sourceLo();
        long dstHi = key.destinationHi();
        long dstLo = key.destinationLo();
        int home = (int) hash(key.endpointId, srcHi, srcLo, dstHi, dstLo, meta) & mask;
        for (int i = 0; i < window; i++) {
            int base = ((home + i) & mask) * ENTRY_LONGS;
            long seq = (long) LONGS.getAcquire(entries, base + SEQ);
            if (seq == 0 || (seq & 1) != 0) continue;
            boolean same = matches(base, key.endpointId, srcHi, srcLo, dstHi, dstLo, meta);
            long flow = entries[base + FLOW];
            long expires = entries[base + EXPIRES];
            VarHandle.loadLoadFence();
            if (!same || (long) LONGS.getAcquire(entries, base + SEQ) != seq || nowNanos - expires >= 0) continue;
            if ((flow & DROPPED) != 0) {
                droppedFragments.increment();
                return DATAGRAM_DROPPED;
            }
            int slot = (int) flow;
            int generation = (int) (flow >>> 32) & 0x3FFF_FFFF;
            if (!flows.isCurrent(slot, generation)) break; // the flow ended; its slot may hold another flow now
            key.generation = generation;
            key.direction = (int) (flow >>> 62) & 1;
            return slot;
        }
        lookupMisses.increment();
        return NOT_FOUND;
    }

    /**
     * Marks the datagram of a first fragment that the policy dropped, found with the {@code key} and {@code fragmentId}
     * it was recorded with ({@link #recordFirstFragment}): its later fragments then get {@link #DATAGRAM_DROPPED}.
     *
     * @return whether a live mapping was found and marked (false: none, or other workers kept it busy)
     */
    public boolean markDatagramDropped(FlowKey key, int fragmentId, long nowNanos) {
        long meta = meta(key, fragmentId);
        long srcHi = key.sourceHi();
        long srcLo = key.sourceLo();
        long dstHi = key.destinationHi();
        long dstLo = key.destinationLo();
        int home = (int) hash(key.endpointId, srcHi, srcLo, dstHi, dstLo, meta) & mask;
        for (int attempt = 0; attempt < 2; attempt++) {
            for (int i = 0; i < window; i++) {
                int base = ((home + i) & mask) * ENTRY_LONGS;
                long seq = (long) LONGS.getAcquire(entries, base + SEQ);
                if (seq == 0 || (seq & 1) != 0) continue;
                boolean same = matches(base, key.endpointId, srcHi, srcLo, dstHi, dstLo, meta);
                long expires = entries[base + EXPIRES];
                VarHandle.loadLoadFence();
                if (!same || (long) LONGS.getAcquire(entries, base + SEQ) != seq || nowNanos - expires >= 0) continue;
                if (!LONGS.compareAndSet(entries, base + SEQ, seq, seq + 1)) break; // changed under us: try again
                entries[base + FLOW] |= DROPPED;
                LONGS.setRelease(entries, base + SEQ, seq + 2);
                droppedDatagrams.increment();
                return true;
            }
        }
        return false;
    }

    /** Datagrams marked dropped after their first fragment was. */
    public long droppedDatagrams() {
        return droppedDatagrams.sum();
    }

    /** Later fragments of a dropped datagram that {@link #lookupFlow} turned away. */
    public long droppedFragments() {
        return droppedFragments.sum();
    }

    /** First fragments recorded. */
    public long recorded() {
        return recorded.sum();
    }

    /** Mappings overwritten before their timeout because their window was full. */
    public long overwrittenLive() {
        return overwrittenLive.sum();
    }

    /** First fragments not recorded because other workers kept the window busy. */
    public long recordFailures() {
        return recordFailures.sum();
    }

    /** Non-first fragments with no live mapping (the caller drops them). */
    public long lookupMisses() {
        return lookupMisses.sum();
    }

    private boolean matches(int base, long endpointId, long srcHi, long srcLo, long dstHi, long dstLo, long meta) {
        return entries[base + META] == meta
                && entries[base + ENDPOINT] == endpointId
                && entries[base + SRC_LO] == srcLo
                && entries[base + DST_LO] == dstLo
                && entries[base + SRC_HI] == srcHi
                && entries[base + DST_HI] == dstHi;
    }

    private static long meta(FlowKey key, int fragmentId) {
        return ((long) fragmentId << 32) | ((long) key.protocol << 8) | key.ipVersion;
    }

    private long hash(long endpointId, long srcHi, long srcLo, long dstHi, long dstLo, long meta) {
        long h = hashSeed;
        h = mix(h, endpointId);
        h = mix(h, srcHi);
        h = mix(h, srcLo);
        h = mix(h, dstHi);
        h = mix(h, dstLo);
        h = mix(h, meta);
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        return h ^ (h >>> 33);
    }

    private static long mix(long h, long value) {
        return Long.rotateLeft((h ^ value) * 0x9E3779B97F4A7C15L, 29);
    }
}
