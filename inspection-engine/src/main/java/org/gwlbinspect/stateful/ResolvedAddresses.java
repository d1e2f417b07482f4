package org.gwlbinspect.stateful;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.gwlbinspect.detect.engine.ResolvedNames;

/**
 * The names each client was told resolve to which addresses: one <em>binding</em> (GWLB endpoint, client address, name,
 * address, expiry) per address of an observed DNS answer (docs/destination-binding.md). Shared by all workers: the DNS
 * answer and the connection it announces may arrive on two workers.
 *
 * <h2>Storage</h2>
 *
 * Preallocated: {@code capacity} entries of {@value #WORDS} longs in one array plus a {@value #NAME_BYTES}-byte name
 * each, and two open-addressed indexes of {@code 2 × capacity} words (rounded up to a power of two) whose words are
 * {@code fingerprint << 32 | entry + 1}: one by (endpoint, client, address) for "which names lead to this destination",
 * one by (endpoint, client, name) for "was this name resolved at all". A key's words sit within {@value #WINDOW} words
 * of its home position. An index word is a hint: readers always check the entry's key, so a word left pointing to an
 * entry since reused is harmless, and a writer that finds a window full takes a word whose entry no longer has its key
 * or has expired.
 *
 * <h2>Threads</h2>
 *
 * No locks. Each entry has a sequence word, odd while a writer owns it (a seqlock): a writer takes an entry by one CAS
 * from an even value, writes the key and name, and publishes the next even value; a reader reads the sequence, the
 * fields, then the sequence again, and ignores the entry if it changed. Refreshing a binding moves its expiry forward by
 * CAS and marks it referenced, without taking the entry.
 *
 * <h2>Full</h2>
 *
 * A new binding takes the entry under a clock hand shared by all writers (the CLOCK algorithm): an entry never used or
 * expired is taken at once (counted as {@link #reusedExpired()}); a live entry refreshed since the hand last passed is
 * spared once; after {@value #MAX_PROBES} entries the hand takes a live one ({@link #evictedLive()}): the oldest
 * bindings not refreshed go first.
 *
 * <p>TTLs are clamped to {@code [minTtl, maxTtl]} ({@link DestinationBindingConfig}). Allocates nothing after
 * construction.
 */
public final class ResolvedAddresses implements ResolvedNames {
    /** Longest name kept: DNS names are at most 253 characters in text form. */
    public static final int NAME_BYTES = 256;

    static final int WORDS = 8;
    private static final int SEQ = 0;
    private static final int ENDPOINT = 1;
    private static final int CLIENT_HI = 2;
    private static final int CLIENT_LO = 3;
    private static final int ADDRESS_HI = 4;
    private static final int ADDRESS_LO = 5;
    /** Expiry in the caller's nanosecond clock; 0 for an entry never used. */
    private static final int EXPIRES = 6;
    /** clientVersion << 48 | addressVersion << 40 | referenced << 32 | name length. */
    private static final int META = 7;

    private static final long REFERENCED = 1L << 32;
    static final int WINDOW = 16;
    static final int MAX_PROBES = 8;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int capacity;
    private final long[] entries;
    private final byte[] names;
    private final long[] byAddress;
    private final long[] byName;
    private final int indexMask;
    private final long seed;
    private final long minTtlNanos;
    private final long maxTtlNanos;
    private final AtomicLong hand = new AtomicLong();

    private final LongAdder recorded = new LongAdder();
    private final LongAdder refreshed = new LongAdder();
    private final LongAdder reusedExpired = new LongAdder();
    private final LongAdder evictedLive = new LongAdder();
    private final LongAdder indexFull = new LongAdder();
    private final LongAdder contended = new LongAdder();

    public ResolvedAddresses(DestinationBindingConfig config) {
        this(config, ThreadLocalRandom.current().nextLong());
    }

    ResolvedAddresses(DestinationBindingConfig config, long seed) {
        this.capacity = config.capacity();
        this.entries = new long[capacity * WORDS];
        this.names = new byte[capacity * NAME_BYTES];
        int indexSize = Integer.highestOneBit(Math.max(capacity * 2 - 1, WINDOW)) << 1;
        this.byAddress = new long[indexSize];
        this.byName = new long[indexSize];
        this.indexMask = indexSize - 1;
        this.seed = seed;
        this.minTtlNanos = config.minTtl().toNanos();
        this.maxTtlNanos = config.maxTtl().toNanos();
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Records that the client was told {@code name} resolves to the address, for {@code ttlSeconds} (clamped).
     *
     * @param name lowercased, no trailing dot; a longer name than {@value #NAME_BYTES} is not recorded
     */
    public void record(
            long endpointId,
            int clientVersion,
            long clientHi,
            long clientLo,
            byte[] name,
            int nameOffset,
            int nameLength,
            int version,
            long hi,
            long lo,
            long ttlSeconds,
            long nowNanos) {
        if (nameLength <= 0 || nameLength > NAME_BYTES) return;
        long ttl = Math.clamp(
                Math.min(ttlSeconds, Long.MAX_VALUE / NANOS_PER_SECOND) * NANOS_PER_SECOND, minTtlNanos, maxTtlNanos);
        long expires = nowNanos + ttl;
        long addressKey = addressHash(endpointId, clientVersion, clientHi, clientLo, version, hi, lo);
        long nameKey = nameHash(endpointId, clientVersion, clientHi, clientLo, name, nameOffset, nameLength);
        int existing = find(
                addressKey,
                endpointId,
                clientVersion,
                clientHi,
                clientLo,
                version,
                hi,
                lo,
                name,
                nameOffset,
                nameLength,
                false,
                nowNanos);
        if (existing >= 0) {
            extend(existing, expires);
            refreshed.increment();
            return;
        }
        int entry = claim(nowNanos);
        if (entry < 0) {
            contended.increment();
            return;
        }
        int at = entry * WORDS;
        long seq = (long) LONGS.getOpaque(entries, at + SEQ); // odd: ours
        entries[at + ENDPOINT] = endpointId;
        entries[at + CLIENT_HI] = clientHi;
        entries[at + CLIENT_LO] = clientLo;
        entries[at + ADDRESS_HI] = hi;
        entries[at + ADDRESS_LO] = lo;
        entries[at + META] = (long) clientVersion << 48 | (long) version << 40 | nameLength;
        System.arraycopy(name, nameOffset, names, entry * NAME_BYTES, nameLength);
        LONGS.setRelease(entries, at + EXPIRES, expires);
        LONGS.setRelease(entries, at + SEQ, seq + 1);
        recorded.increment();
        if (!index(byAddress, addressKey, entry, nowNanos, true) || !index(byName, nameKey, entry, nowNanos, false)) {
            indexFull.increment();
            LONGS.setRelease(entries, at + EXPIRES, 1L); // unreachable by one index: the hand takes it first
        }
    }

    /**
     * Whether the client was told {@code name} resolves to the address; if not, whether it was told the name resolves
     * at all.
     */
    public BindingResult check(
            long endpointId,
            int clientVersion,
            long clientHi,
            long clientLo,
            byte[] name,
            int nameOffset,
            int nameLength,
            int version,
            long hi,
            long lo,
            long nowNanos) {
        long addressKey = addressHash(endpointId, clientVersion, clientHi, clientLo, version, hi, lo);
        if (find(
                        addressKey,
                        endpointId,
                        clientVersion,
                        clientHi,
                        clientLo,
                        version,
                        hi,
                        lo,
                        name,
                        nameOffset,
                        nameLength,
                        false,
                        nowNanos)
                >= 0) {
            return BindingResult.BOUND;
        }
        long nameKey = nameHash(endpointId, clientVersion, clientHi, clientLo, name, nameOffset, nameLength);
        int fingerprint = (int) (nameKey >>> 32);
        int home = (int) nameKey & indexMask;
        for (int i = 0; i < WINDOW; i++) {
            long word = (long) LONGS.getOpaque(byName, (home + i) & indexMask);
            if (word == 0 || (int) (word >>> 32) != fingerprint) continue;
            int entry = (int) word - 1;
            if (nameMatches(
                    entry,
                    endpointId,
                    clientVersion,
                    clientHi,
                    clientLo,
                    name,
                    nameOffset,
                    nameLength,
                    false,
                    nowNanos)) {
                return BindingResult.MISMATCH;
            }
        }
        return BindingResult.UNRESOLVED;
    }

    @Override
    public boolean resolvesTo(
            long endpointId,
            int clientVersion,
            long clientHi,
            long clientLo,
            int version,
            long hi,
            long lo,
            byte[] domain,
            boolean suffix,
            long nowNanos) {
        long addressKey = addressHash(endpointId, clientVersion, clientHi, clientLo, version, hi, lo);
        return find(
                        addressKey,
                        endpointId,
                        clientVersion,
                        clientHi,
                        clientLo,
                        version,
                        hi,
                        lo,
                        domain,
                        0,
                        domain.length,
                        suffix,
                        nowNanos)
                >= 0;
    }

    /**
     * The live entry binding this name (with {@code suffix}, the name or one under it) to this address for this
     * client, or -1.
     */
    private int find(
            long addressKey,
            long endpointId,
            int clientVersion,
            long clientHi,
            long clientLo,
            int version,
            long hi,
            long lo,
            byte[] name,
            int nameOffset,
            int nameLength,
            boolean suffix,
            long nowNanos) {
        int fingerprint = (int) (addressKey >>> 32);
        int home = (int) addressKey & indexMask;
        for (int i = 0; i < WINDOW; i++) {
            long word = (long) LONGS.getOpaque(byAddress, (home + i) & indexMask);
            if (word == 0 || (int) (word >>> 32) != fingerprint) continue;
            int entry = (int) word - 1;
            if (addressMatches(entry, endpointId, clientVersion, clientHi, clientLo, version, hi, lo)
                    && nameMatches(
                            entry,
                            endpointId,
                            clientVersion,
                            clientHi,
                            clientLo,
                            name,
                            nameOffset,
                            nameLength,
                            suffix,
                            nowNanos)) {
                return entry;
            }
        }
        return -1;
    }

    /** The entry holds this address (read consistently under its sequence). */
    private boolean addressMatches(
            int entry,
            long endpointId,
            int clientVersion,
            long clientHi,
            long clientLo,
            int version,
            long hi,
            long lo) {
        int at = entry * WORDS;
        long seq = (long) LONGS.getAcquire(entries, at + SEQ);
        if ((seq & 1) != 0) return false;
        boolean same = entries[at + ADDRESS_HI] == hi
                && entries[at + ADDRESS_LO] == lo
                && (int) (entries[at + META] >>> 40 & 0xFF) == version;
        VarHandle.loadLoadFence();
        return same && (long) LONGS.getOpaque(entries, at + SEQ) == seq;
    }

    /**
     * The entry is live, belongs to this client and its name is {@code name}, or with {@code suffix} the name or a name
     * under it.
     */
    private boolean nameMatches(
            int entry,
            long endpointId,
            int clientVersion,
            long clientHi,
            long clientLo,
            byte[] name,
            int nameOffset,
            int nameLength,
            boolean suffix,
            long nowNanos) {
        int at = entry * WORDS;
        long seq = (long) LONGS.getAcquire(entries, at + SEQ);
        if ((seq & 1) != 0) return false;
        if ((long) LONGS.getOpaque(entries, at + EXPIRES) - nowNanos <= 0) return false;
        long meta = entries[at + META];
        if (entries[at + ENDPOINT] != endpointId
                || entries[at + CLIENT_HI] != clientHi
                || entries[at + CLIENT_LO] != clientLo
                || (int) (meta >>> 48) != clientVersion) {
            return false;
        }
        int length = (int) meta & 0xFFFF;
        int from = entry * NAME_BYTES;
        boolean same;
        if (length == nameLength) {
            same = java.util.Arrays.equals(names, from, from + length, name, nameOffset, nameOffset + nameLength);
        } else if (suffix && length > nameLength) {
            int start = from + length - nameLength;
            same = names[start - 1] == '.'
                    && java.util.Arrays.equals(
                            names, start, start + nameLength, name, nameOffset, nameOffset + nameLength);
        } else {
            same = false;
        }
        VarHandle.loadLoadFence();
        return same && (long) LONGS.getOpaque(entries, at + SEQ) == seq;
    }

    private void extend(int entry, long expires) {
        int at = entry * WORDS;
        while (true) {
            long current = (long) LONGS.getOpaque(entries, at + EXPIRES);
            // 0: a writer has just taken the entry for another binding and publishes its own expiry; a refresh of
            // the old binding must not give the new one a lifetime it was not answered with.
            if (current == 0 || current - expires >= 0) break;
            if (LONGS.compareAndSet(entries, at + EXPIRES, current, expires)) break;
        }
        long meta = (long) LONGS.getOpaque(entries, at + META);
        if ((meta & REFERENCED) == 0) LONGS.compareAndSet(entries, at + META, meta, meta | REFERENCED);
    }

    /** Takes an entry under the clock hand (sequence left odd), or -1 when every probe lost a race. */
    private int claim(long nowNanos) {
        for (int probe = 0; probe < MAX_PROBES; probe++) {
            int entry = (int) Long.remainderUnsigned(hand.getAndIncrement(), capacity);
            int at = entry * WORDS;
            long seq = (long) LONGS.getAcquire(entries, at + SEQ);
            if ((seq & 1) != 0) continue;
            long expires = (long) LONGS.getOpaque(entries, at + EXPIRES);
            boolean free = expires == 0 || expires - nowNanos <= 0;
            long meta = (long) LONGS.getOpaque(entries, at + META);
            if (!free && (meta & REFERENCED) != 0 && probe < MAX_PROBES - 1) {
                LONGS.compareAndSet(entries, at + META, meta, meta & ~REFERENCED); // a second chance
                continue;
            }
            if (!LONGS.compareAndSet(entries, at + SEQ, seq, seq + 1)) continue;
            if (expires != 0 && free) reusedExpired.increment();
            else if (!free) evictedLive.increment();
            LONGS.setOpaque(entries, at + EXPIRES, 0L);
            return entry;
        }
        return -1;
    }

    /**
     * Puts {@code entry} in {@code index} under {@code key}: an empty word of the window, or one whose entry expired or
     * no longer holds a key of that fingerprint. False when the window has neither.
     */
    private boolean index(long[] index, long key, int entry, long nowNanos, boolean byAddressKey) {
        int fingerprint = (int) (key >>> 32);
        long word = (long) fingerprint << 32 | (entry + 1L);
        int home = (int) key & indexMask;
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < WINDOW; i++) {
                int w = (home + i) & indexMask;
                long current = (long) LONGS.getOpaque(index, w);
                if (current == word) return true;
                boolean take = round == 0 ? current == 0 : stale(current, nowNanos, byAddressKey);
                if (take && LONGS.compareAndSet(index, w, current, word)) return true;
            }
        }
        return false;
    }

    /** The index word no longer leads to a live entry with its fingerprint. */
    private boolean stale(long word, long nowNanos, boolean byAddressKey) {
        int entry = (int) word - 1;
        int at = entry * WORDS;
        long seq = (long) LONGS.getAcquire(entries, at + SEQ);
        if ((seq & 1) != 0) return false; // being written: its writer indexes it next
        long expires = (long) LONGS.getOpaque(entries, at + EXPIRES);
        if (expires == 0 || expires - nowNanos <= 0) return true;
        long meta = entries[at + META];
        int clientVersion = (int) (meta >>> 48);
        long key = byAddressKey
                ? addressHash(
                        entries[at + ENDPOINT],
                        clientVersion,
                        entries[at + CLIENT_HI],
                        entries[at + CLIENT_LO],
                        (int) (meta >>> 40 & 0xFF),
                        entries[at + ADDRESS_HI],
                        entries[at + ADDRESS_LO])
                : nameHash(
                        entries[at + ENDPOINT],
                        clientVersion,
                        entries[at + CLIENT_HI],
                        entries[at + CLIENT_LO],
                        names,
                        entry * NAME_BYTES,
                        (int) meta & 0xFFFF);
        VarHandle.loadLoadFence();
        if ((long) LONGS.getOpaque(entries, at + SEQ) != seq) return false;
        return (int) (key >>> 32) != (int) (word >>> 32);
    }

    private long addressHash(
            long endpointId, int clientVersion, long clientHi, long clientLo, int version, long hi, long lo) {
        long h = seed;
        h = mix(h ^ endpointId);
        h = mix(h ^ clientHi ^ ((long) clientVersion << 56));
        h = mix(h ^ clientLo);
        h = mix(h ^ hi ^ ((long) version << 56));
        return mix(h ^ lo);
    }

    private long nameHash(
            long endpointId, int clientVersion, long clientHi, long clientLo, byte[] name, int offset, int length) {
        long h = seed ^ 0x5851F42D4C957F2DL;
        h = mix(h ^ endpointId);
        h = mix(h ^ clientHi ^ ((long) clientVersion << 56));
        h = mix(h ^ clientLo);
        long word = 0;
        for (int i = 0; i < length; i++) {
            word = word << 8 | (name[offset + i] & 0xFF);
            if ((i & 7) == 7) {
                h = mix(h ^ word);
                word = 0;
            }
        }
        return mix(h ^ word ^ length);
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ---- counters (metrics, tests) ----

    /** Bindings added. */
    public long recorded() {
        return recorded.sum();
    }

    /** Answers that repeated a live binding: its expiry moved forward. */
    public long refreshed() {
        return refreshed.sum();
    }

    /** Entries taken for a new binding after theirs expired. */
    public long reusedExpired() {
        return reusedExpired.sum();
    }

    /** Live bindings given up to make room (the map is too small for the answers seen within their TTLs). */
    public long evictedLive() {
        return evictedLive.sum();
    }

    /** New bindings that found no room in an index window (dropped at once). */
    public long indexFull() {
        return indexFull.sum();
    }

    /** New bindings not recorded because every entry probed was being written by another worker. */
    public long contended() {
        return contended.sum();
    }

    /** Live bindings now (walks every entry: metrics scrape, tests). */
    public int live(long nowNanos) {
        int n = 0;
        for (int e = 0; e < capacity; e++) {
            long expires = (long) LONGS.getOpaque(entries, e * WORDS + EXPIRES);
            if (expires != 0 && expires - nowNanos > 0) n++;
        }
        return n;
    }
}
