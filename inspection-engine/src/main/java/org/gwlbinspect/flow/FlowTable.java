package org.gwlbinspect.flow;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Lock-free, fixed-capacity table of the flows GWLB has sent us, keyed by endpoint ID, IP version and the symmetric
 * 5-tuple (gwlb.md §0 items 5, 6, 11), holding each flow's latest GENEVE header for the return path.
 *
 * <h2>Storage</h2>
 *
 * All memory is allocated in the constructor. A flow lives in an <em>entry</em> of {@value #ENTRY_LONGS} longs in one
 * {@code long[]} (192 bytes: lookup words, counters and outer route, header: three cache lines, so one packet touches
 * few lines). The entry number is the flow's <em>slot</em> handle. Free entries sit on a lock-free free list. An
 * open-addressed index of {@code 2 × capacity} words (rounded up to a power of two, load factor ≤ 0.5) maps a key
 * to its entry: each word is {@code fingerprint << 32 | (entry + 1)}, 0 when empty. A key may sit anywhere in the
 * {@value #PROBE_WINDOW} index words from its home position (its <em>window</em>); lookups scan the window, there
 * are no tombstones and no probe chains to repair.
 *
 * <h2>Entry states</h2>
 *
 * The first word of an entry is its control word: {@code generation (30 bits) | state (2 bits) | header sequence (32
 * bits)}. FREE → (key written, index word published) → ACTIVE → (CAS by whoever ends it) → REMOVING → listener →
 * FREE with generation + 1 → free list. Only the thread that moved an entry to REMOVING may release it, so ending is
 * decided by one CAS. The generation makes a slot handle stale once its flow ends ({@link #isCurrent}).
 *
 * <h2>Threads</h2>
 *
 * Any number of workers call {@link #lookupOrCreate} and {@link #recordInbound}; one housekeeping thread calls
 * {@link #expireIdle}. No locks: a reader validates an entry by reading the control word before and after the key
 * (as {@code StampedLock.validate} does); the header is a seqlock inside the control word whose writer tries once
 * and skips if another worker is mid-copy; counters per direction are opaque single-writer updates.
 *
 * <h2>Races accepted (all rare, none corrupt the table)</h2>
 *
 * <ul>
 *   <li>Two workers creating the same flow at once may both publish it. Each creator rescans the window after
 *       publishing and takes its own entry back if it sees another live entry with the key, so at least one of them
 *       sees the other (both sides fence between publish and rescan). Another worker may find an entry before its
 *       creator takes it back; the creator takes it back only by a CAS on the control word it published, which fails
 *       once {@link #recordInbound} has accepted a packet in it, so no accepted packet is lost to a take-back (the
 *       late one gets {@link RecordResult#FLOW_ENDED}). A duplicate is kept when both copies already had packets
 *       recorded by others, or after {@value #MAX_CREATE_ATTEMPTS} attempts; the copy that lookups do not reach then
 *       idles out with the packets counted in it.
 *   <li>Per-direction packet and byte counters are updated without CAS: if one direction of a flow arrives on two
 *       workers at the same instant, an increment can be lost. GWLB hashes a flow to one outer 5-tuple, so one
 *       direction normally arrives on one socket.
 *   <li>A worker that holds a slot handle while the flow expires or is evicted may write a last-seen time into the
 *       ending entry; its {@link #recordInbound} then returns {@link RecordResult#FLOW_ENDED} and the caller looks up
 *       again. If the flow ends between that method's check and its counter update, the packet is accepted but counted
 *       in the ended entry, possibly after the listener read it; a worker held up there until the entry is reused
 *       would add it to the next flow's counters (and could mark that flow established early, so eviction spares
 *       it sooner than it should).
 * </ul>
 *
 * <h2>Full table</h2>
 *
 * When no entry is free or the window has no empty index word, one of {@value #EVICTION_SAMPLES} live flows sampled
 * from the new key's window (up to twice as many while they are all established) is ended and creation retries,
 * bounded so a flood of new flows costs a fixed number of cache misses each. The victim is chosen by kind,
 * then by age (Redis's sampled LRU within a kind):
 *
 * <ol>
 *   <li><em>idle</em>: already past its idle timeout, the sweep has not reached it yet (counted as expired);
 *   <li><em>embryonic</em>: the initiator has not sent a packet after the first reply (a SYN that got no SYN-ACK, or
 *       whose SYN-ACK was never acknowledged; a UDP request without answer or with a single answer);
 *   <li><em>established</em>: the initiator spoke again after a reply.
 * </ol>
 *
 * "Established" is what Linux conntrack calls <em>assured</em> and spares in its {@code early_drop}: a flood of
 * spoofed SYNs or one-packet UDP flows never gets there, so it evicts its own flows, not the connections that carry
 * traffic. The table parses no TCP flags; it decides from the per-direction packet order it records anyway (one bit
 * set once per flow, see {@link #recordInbound}), so a flood that answers every reply (a completed handshake) counts
 * as established and competes by age. When the free entries are gone, any flow's entry serves: if the new key's
 * window holds no idle or embryonic flow (clustering leaves some windows with few flows, or none), the sample goes on
 * in up to {@value #EVICTION_REGIONS} other windows spread over the index before an established flow is chosen; the
 * victim's entry goes straight to the creator that evicted it, not through the free list. If creation still fails
 * {@value #MAX_CREATE_ATTEMPTS} times (workers racing for the index words freed), {@link #lookupOrCreate} returns
 * {@link #TABLE_FULL} (counted) and the caller drops the packet.
 */
public final class FlowTable {

    /** Lookup result: no live flow has the key. */
    public static final int NOT_FOUND = -1;
    /** Lookup result: the flow is new and no room could be made for it; drop the packet (FLOW_TABLE_FULL). */
    public static final int TABLE_FULL = -2;
    /** {@link #copyHeader} result: the slot no longer holds the flow of that generation. */
    public static final int STALE_SLOT = -3;
    /** {@link #copyHeader} result: the header kept changing during the bounded number of read attempts. */
    public static final int HEADER_BUSY = -4;

    /** GWLB sends 40-byte headers (gwlb.md §1.3); room is left for a few more options. */
    public static final int HEADER_MAX_BYTES = 64;

    /** Longs per entry; see the word offsets below. */
    static final int ENTRY_LONGS = 24;

    // Word offsets inside an entry. Words 0-7: what a lookup and the sweep read. 8-15: per-packet writes.
    // 16-23: the header, read back by egress.
    private static final int CONTROL = 0;
    private static final int LAST_SEEN = 1;
    private static final int KEY_ENDPOINT = 2;
    private static final int KEY_A_HI = 3;
    private static final int KEY_A_LO = 4;
    private static final int KEY_B_HI = 5;
    private static final int KEY_B_LO = 6;
    private static final int KEY_META = 7; // FlowKey.portsProtocolVersion()
    private static final int PACKETS = 8; // + direction
    private static final int BYTES = 10; // + direction
    private static final int POLICY_STATE = 12;
    private static final int INFO = 13; // ESTABLISHED bit | initiator direction << 32 | policy index
    private static final int ROUTE_ADDRESSES = 14; // GWLB address << 32 | appliance address
    private static final int ROUTE_PORT_LENGTH = 15; // GWLB UDP source port << 32 | header length
    private static final int HEADER = 16;

    // Control word layout.
    private static final long SEQ_MASK = 0xFFFF_FFFFL;
    private static final long STATE_MASK = 3L << 32;
    private static final long FREE = 0;
    private static final long ACTIVE = 1L << 32;
    private static final long REMOVING = 2L << 32;
    private static final int GENERATION_SHIFT = 34;
    private static final long GENERATION_MASK = -1L << GENERATION_SHIFT;
    private static final long GENERATION_ONE = 1L << GENERATION_SHIFT;
    private static final long IDENTITY_MASK = ~SEQ_MASK; // generation and state: what a slot handle refers to

    private static final long EMPTY = 0;

    // INFO word: bit 32 the initiator's direction, bit 33 set once the initiator spoke after a reply.
    private static final long INITIATOR_BIT = 1L << 32;
    private static final long ESTABLISHED_BIT = 1L << 33;
    private static final int PROTOCOL_TCP = 6;

    /**
     * Index words a key may occupy from its home position: four cache lines. At load factor 0.5 a linear-probing
     * cluster longer than this is very rare, so eviction for lack of a free word hardly ever happens before the table
     * is full, and a miss costs a bounded scan.
     */
    static final int PROBE_WINDOW = 32;

    // How a flow ends, in the eviction policy's order of preference (lowest first); SWEPT is the idle sweep.
    private static final int KIND_IDLE = 0;
    private static final int KIND_EMBRYONIC = 1;
    private static final int KIND_ESTABLISHED = 2;
    private static final int SWEPT = 3;

    /**
     * Live candidates compared when evicting, nearest the home position first. Each costs a cache miss on its entry,
     * so under a flood of new flows on a full table this bounds the work per new flow (Redis samples 5 by default).
     */
    static final int EVICTION_SAMPLES = 8;

    /**
     * Other windows sampled, a quarter of the index apart, when the free list is empty and the new key's window holds
     * too few flows, or only established ones: at load ≤ 0.5 an empty window is rare, four in a row practically never
     * happen.
     */
    static final int EVICTION_REGIONS = 3;

    static final int MAX_CREATE_ATTEMPTS = 4;
    private static final int HEADER_READ_ATTEMPTS = 8;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int capacity;
    private final long[] entries;
    private final long[] index;
    private final int indexMask;
    private final int window;
    private final long tcpIdleTimeoutNanos;
    private final long otherIdleTimeoutNanos;
    private final long hashSeed;
    private final FlowEndListener listener;
    private final FreeList freeList;

    // Written by several workers, read by the metrics scrape: striped, so creating flows on many cores does not
    // contend on one counter. Active flows are derived, so there is no counter that every create and end must CAS.
    private final LongAdder published = new LongAdder();
    private final LongAdder retracted = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder evictedIdle = new LongAdder(); // also counted in expired
    private final LongAdder evictedEmbryonic = new LongAdder();
    private final LongAdder evictedEstablished = new LongAdder();
    private final LongAdder headersTooLong = new LongAdder();
    private final LongAdder contentionFallbacks = new LongAdder();
    private final LongAdder creationFailures = new LongAdder();

    // Written by the housekeeping thread only; kept out of this object so its writes do not invalidate the cache line
    // of the final fields every worker reads.
    private final SweepCursor sweep = new SweepCursor();

    // Test seam: lets a test stop a creator between the steps of creation. Called on the creation path only, never for
    // a packet of a known flow. Set before the table is shared.
    CreationHook creationHook = CreationHook.NONE;

    public FlowTable(FlowTableConfig config) {
        this(config, FlowEndListener.NONE);
    }

    public FlowTable(FlowTableConfig config, FlowEndListener listener) {
        // Seeded per process so nobody can precompute tuples that all land in one window and evict each other.
        this(config, listener, new SecureRandom().nextLong());
    }

    /**
     * A table whose slots follow from {@code hashSeed}: the same packets then land in the same slots (and get the same
     * EVE {@code flow_id}s) on every run, for the deterministic replay of a capture. The data path uses a random seed.
     */
    public FlowTable(FlowTableConfig config, FlowEndListener listener, long hashSeed) {
        this.capacity = config.capacity();
        this.entries = new long[capacity * ENTRY_LONGS];
        int indexSize = Integer.highestOneBit(Math.max(2, 2 * capacity) - 1) << 1;
        this.index = new long[indexSize];
        this.indexMask = indexSize - 1;
        this.window = Math.min(PROBE_WINDOW, indexSize);
        this.tcpIdleTimeoutNanos = config.tcpIdleTimeout().toNanos();
        this.otherIdleTimeoutNanos = config.otherIdleTimeout().toNanos();
        this.hashSeed = hashSeed;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.freeList = new FreeList(capacity);
    }

    /** Most flows held at once ({@code flows.capacity}). */
    public int capacity() {
        return capacity;
    }

    /** Number of index words; {@link #expireIdle} visits each once per pass. */
    public int indexSize() {
        return index.length;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Data path
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Finds the live flow of {@code key}. Returns its slot and leaves the slot's generation in {@code key}, or
     * {@link #NOT_FOUND}. For packets that must not open a flow (injected replies, gwlb.md §0 item 7).
     */
    public int lookup(FlowKey key) {
        long hash = hash(key);
        return find(key, key.portsProtocolVersion(), (int) hash & indexMask, (int) (hash >>> 32));
    }

    /**
     * Finds the flow of {@code key} or creates it with {@code key.direction()} as the initiator's direction and
     * {@code nowNanos} as last seen. Returns its slot (generation left in {@code key}) or {@link #TABLE_FULL}. Mid-flow
     * packets of flows never seen create them too: after a GWLB failover flows arrive without a SYN (gwlb.md §3).
     * Follow with {@link #recordInbound} for the packet itself.
     */
    public int lookupOrCreate(FlowKey key, long nowNanos) {
        long meta = key.portsProtocolVersion();
        long hash = hash(key);
        int home = (int) hash & indexMask;
        int fingerprint = (int) (hash >>> 32);
        int slot = find(key, meta, home, fingerprint);
        return slot >= 0 ? slot : create(key, meta, home, fingerprint, nowNanos);
    }

    /**
     * Records one inbound packet of the flow in {@code slot} (found with {@code key}, whose direction and generation are
     * used): last-seen time, the direction's packet and byte counters, the outer route and the GENEVE header
     * {@code buf[headerOffset, headerOffset + headerLength)}, refreshed on every packet because GWLB drops replies that
     * carry an old cookie (gwlb.md §0 item 5). Never allocates; does not move {@code buf}'s indices.
     *
     * @param gwlbAddress outer IPv4 source: the GWLB node to reply to
     * @param applianceAddress outer IPv4 destination: our address GWLB sent to, the source of replies
     * @param gwlbSourcePort outer UDP source port, echoed as the source port of replies (gwlb.md §2.1)
     */
    public RecordResult recordInbound(
            int slot,
            FlowKey key,
            long nowNanos,
            int packetBytes,
            ByteBuf buf,
            int headerOffset,
            int headerLength,
            int gwlbAddress,
            int applianceAddress,
            int gwlbSourcePort) {
        int base = slot * ENTRY_LONGS;
        long identity = ACTIVE | generationBits(key.generation);
        // Last seen is stored before the control word changes: the sweep reads the control word first and ends the flow
        // only by a CAS on the value it read, so it either sees this time or fails its CAS ("remove only if still
        // idle").
        LONGS.setOpaque(entries, base + LAST_SEEN, nowNanos);
        boolean tooLong = headerLength < 0 || headerLength > HEADER_MAX_BYTES;
        RecordResult result = RecordResult.HEADER_SKIPPED;
        long control = (long) LONGS.getAcquire(entries, base + CONTROL);
        for (int attempt = 0; attempt < 2; attempt++) {
            if ((control & IDENTITY_MASK) != identity) return RecordResult.FLOW_ENDED;
            if ((control & 1) != 0) break; // another worker is mid-copy: its header is as recent as ours
            long writing = (control & IDENTITY_MASK) | ((control + 1) & SEQ_MASK);
            if (LONGS.compareAndSet(entries, base + CONTROL, control, writing)) {
                writeRouteAndHeader(
                        base,
                        tooLong ? 0 : headerLength,
                        buf,
                        headerOffset,
                        gwlbAddress,
                        applianceAddress,
                        gwlbSourcePort);
                LONGS.setRelease(entries, base + CONTROL, (control & IDENTITY_MASK) | ((control + 2) & SEQ_MASK));
                result = RecordResult.HEADER_STORED;
                break;
            }
            control = (long) LONGS.getAcquire(entries, base + CONTROL);
        }
        if (tooLong) {
            headersTooLong.increment();
            result = RecordResult.HEADER_TOO_LONG;
        }
        int direction = key.direction & 1;
        // One writer per direction in practice (see class javadoc): read-add-write, no CAS on the per-packet path.
        int packets = base + PACKETS + direction;
        int bytes = base + BYTES + direction;
        LONGS.setOpaque(entries, packets, (long) LONGS.getOpaque(entries, packets) + 1);
        LONGS.setOpaque(entries, bytes, (long) LONGS.getOpaque(entries, bytes) + packetBytes);
        // The eviction policy's one bit: set when the initiator sends after the other side has answered. Same cache
        // line as the counters just written; the CAS runs once per flow.
        long info = (long) LONGS.getOpaque(entries, base + INFO);
        if ((info & ESTABLISHED_BIT) == 0
                && ((info & INITIATOR_BIT) != 0) == (direction == 1)
                && (long) LONGS.getOpaque(entries, base + PACKETS + (direction ^ 1)) > 0) {
            markEstablished(base + INFO, info);
        }
        return result;
    }

    /**
     * Appends the flow's stored GENEVE header to {@code dst} (at its writer index, which advances) for a packet we send
     * back to GWLB. Returns the header length (0 if none is stored), {@link #STALE_SLOT} if the flow of that
     * generation has ended, or {@link #HEADER_BUSY} if a consistent copy could not be read in a few attempts.
     */
    public int copyHeader(int slot, int generation, ByteBuf dst) {
        int base = slot * ENTRY_LONGS;
        long identity = ACTIVE | generationBits(generation);
        for (int attempt = 0; attempt < HEADER_READ_ATTEMPTS; attempt++) {
            long before = (long) LONGS.getAcquire(entries, base + CONTROL);
            if ((before & IDENTITY_MASK) != identity) return STALE_SLOT;
            if ((before & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            int length = (int) entries[base + ROUTE_PORT_LENGTH];
            if (length < 0 || length > HEADER_MAX_BYTES) continue; // torn read; the check below would reject it too
            dst.ensureWritable(length);
            int at = dst.writerIndex();
            int words = length >>> 3;
            for (int i = 0; i < words; i++) dst.setLong(at + (i << 3), entries[base + HEADER + i]);
            int rest = length & 7;
            if (rest != 0) {
                long tail = entries[base + HEADER + words];
                for (int j = 0; j < rest; j++) dst.setByte(at + (words << 3) + j, (int) (tail >>> (56 - (j << 3))));
            }
            VarHandle.loadLoadFence();
            long after = (long) LONGS.getAcquire(entries, base + CONTROL);
            if (after == before) {
                dst.writerIndex(at + length);
                return length;
            }
        }
        return HEADER_BUSY;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Housekeeping
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Ends flows idle for their protocol's timeout among the next {@code maxSlots} index words, continuing where the
     * previous call stopped, so each call is short and the data path never waits for a full pass. An entry is ended
     * only by a CAS on the control word read before its last-seen time, so a flow touched meanwhile survives. Call
     * from one housekeeping thread ({@link FlowExpiry}). Returns the number of flows expired.
     */
    public int expireIdle(long nowNanos, int maxSlots) {
        int visits = Math.min(maxSlots, index.length);
        int position = sweep.position;
        int ended = 0;
        try {
            for (int i = 0; i < visits; i++) {
                long word = (long) LONGS.getAcquire(index, position);
                position = (position + 1) & indexMask;
                if (word == EMPTY) continue;
                int slot = entryOf(word);
                int base = slot * ENTRY_LONGS;
                long control = (long) LONGS.getAcquire(entries, base + CONTROL);
                if ((control & STATE_MASK) != ACTIVE || (control & 1) != 0) continue;
                if (!isIdle(base, nowNanos)) continue;
                if (end((position - 1) & indexMask, word, slot, control, SWEPT, nowNanos, false)) ended++;
            }
        } finally {
            sweep.position = position;
        }
        return ended;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading a flow (workers, listener, egress)
    // ---------------------------------------------------------------------------------------------------------------

    /** Current generation of {@code slot}; it increases each time the slot's flow ends. */
    public int generation(int slot) {
        return generationOf((long) LONGS.getAcquire(entries, slot * ENTRY_LONGS + CONTROL));
    }

    /** Whether {@code slot} still holds the live flow it held at {@code generation}. */
    public boolean isCurrent(int slot, int generation) {
        long control = (long) LONGS.getAcquire(entries, slot * ENTRY_LONGS + CONTROL);
        return (control & IDENTITY_MASK) == (ACTIVE | generationBits(generation));
    }

    /**
     * Fills {@code dst} with the flow's key as its initiator sent it ({@code dst.direction()} is the initiator's
     * direction) and the slot's generation. Consistent while the flow is live and inside {@link FlowEndListener}.
     */
    public FlowKey readKey(int slot, FlowKey dst) {
        int base = slot * ENTRY_LONGS;
        long meta = entries[base + KEY_META];
        dst.endpointId = entries[base + KEY_ENDPOINT];
        dst.addressAHi = entries[base + KEY_A_HI];
        dst.addressALo = entries[base + KEY_A_LO];
        dst.addressBHi = entries[base + KEY_B_HI];
        dst.addressBLo = entries[base + KEY_B_LO];
        dst.portA = (int) (meta >>> 48);
        dst.portB = (int) (meta >>> 32) & 0xFFFF;
        dst.protocol = (int) (meta >>> 8) & 0xFF;
        dst.ipVersion = (int) meta & 0xFF;
        dst.direction = initiatorDirection(slot);
        dst.generation = generation(slot);
        return dst;
    }

    /** Direction ({@link FlowKey#A_TO_B} or {@link FlowKey#B_TO_A}) of the first packet seen: who initiated. */
    public int initiatorDirection(int slot) {
        return (int) ((long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + INFO) >>> 32) & 1;
    }

    public long lastSeenNanos(int slot) {
        return (long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + LAST_SEEN);
    }

    /** Packets recorded in {@code direction} ({@link FlowKey#A_TO_B} or {@link FlowKey#B_TO_A}). */
    public long packets(int slot, int direction) {
        return (long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + PACKETS + (direction & 1));
    }

    /** Bytes recorded in {@code direction}, as passed to {@link #recordInbound}. */
    public long bytes(int slot, int direction) {
        return (long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + BYTES + (direction & 1));
    }

    /** Outer IPv4 source of the latest packet: the GWLB node to send replies to. */
    public int gwlbAddress(int slot) {
        return (int) ((long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + ROUTE_ADDRESSES) >>> 32);
    }

    /** Outer IPv4 destination of the latest packet: our address, the source of replies. */
    public int applianceAddress(int slot) {
        return (int) (long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + ROUTE_ADDRESSES);
    }

    /** Outer UDP source port of the latest packet, echoed in replies. */
    public int gwlbSourcePort(int slot) {
        return (int) ((long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + ROUTE_PORT_LENGTH) >>> 32) & 0xFFFF;
    }

    /** Length of the stored header, 0 if none. */
    public int headerLength(int slot) {
        return (int) (long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + ROUTE_PORT_LENGTH);
    }

    /**
     * The policy engine's state word for this flow; 0 when the flow is created. The policy fields are not checked
     * against a generation: set them only for a slot just returned by a lookup, or checked with {@link #isCurrent}.
     */
    public long policyState(int slot) {
        return (long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + POLICY_STATE);
    }

    public void setPolicyState(int slot, long state) {
        LONGS.setOpaque(entries, slot * ENTRY_LONGS + POLICY_STATE, state);
    }

    /**
     * Replaces the policy word only if it still is {@code expected}: a flow's two directions may be on two workers,
     * each updating its own bits of the word.
     */
    public boolean compareAndSetPolicyState(int slot, long expected, long state) {
        return LONGS.compareAndSet(entries, slot * ENTRY_LONGS + POLICY_STATE, expected, state);
    }

    /** An index the policy engine may use into its own pool; -1 when the flow is created. */
    public int policyIndex(int slot) {
        return (int) (long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + INFO);
    }

    public void setPolicyIndex(int slot, int policyIndex) {
        int at = slot * ENTRY_LONGS + INFO;
        // A CAS, not a plain write: another worker may set the established bit in the high half meanwhile.
        while (true) {
            long info = (long) LONGS.getOpaque(entries, at);
            long next = (info & ~SEQ_MASK) | Integer.toUnsignedLong(policyIndex);
            if (LONGS.compareAndSet(entries, at, info, next)) return;
        }
    }

    /**
     * Whether the flow's initiator sent a packet after the other side's first one: the flow is past its handshake and
     * the eviction policy spares it before embryonic flows (see the class javadoc).
     */
    public boolean isEstablished(int slot) {
        return ((long) LONGS.getOpaque(entries, slot * ENTRY_LONGS + INFO) & ESTABLISHED_BIT) != 0;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Counters, readable from any thread
    // ---------------------------------------------------------------------------------------------------------------

    /** Live flows: created minus expired minus evicted. */
    public long activeFlows() {
        return createdFlows() - expired.sum() - evictedFlows();
    }

    /** Flows created (not counting duplicates taken back after a creation race). */
    public long createdFlows() {
        return published.sum() - retracted.sum();
    }

    public long expiredFlows() {
        return expired.sum();
    }

    /** Flows ended to make room while not idle: embryonic plus established ones. */
    public long evictedFlows() {
        return evictedEmbryonic.sum() + evictedEstablished.sum();
    }

    /** Flows ended to make room that were already past their idle timeout; also counted in {@link #expiredFlows}. */
    public long evictedIdleFlows() {
        return evictedIdle.sum();
    }

    /** Flows ended to make room before their initiator spoke after a reply (see the class javadoc). */
    public long evictedEmbryonicFlows() {
        return evictedEmbryonic.sum();
    }

    /** Flows ended to make room although established: the sampled candidates held no idle or embryonic flow. */
    public long evictedEstablishedFlows() {
        return evictedEstablished.sum();
    }

    /** Inbound headers longer than {@link #HEADER_MAX_BYTES}, not stored. */
    public long headersTooLong() {
        return headersTooLong.sum();
    }

    /** Creations that lost a race (index word taken, duplicate taken back) and retried. */
    public long insertContentionFallbacks() {
        return contentionFallbacks.sum();
    }

    /** Times {@link #lookupOrCreate} returned {@link #TABLE_FULL}. */
    public long creationFailures() {
        return creationFailures.sum();
    }

    /** Counts live flows by scanning the whole index: O(index size), for tests and diagnostics only. */
    long countLiveFlows() {
        long live = 0;
        for (int position = 0; position < index.length; position++) {
            long word = (long) LONGS.getAcquire(index, position);
            if (word == EMPTY) continue;
            long control = (long) LONGS.getAcquire(entries, entryOf(word) * ENTRY_LONGS + CONTROL);
            if ((control & STATE_MASK) == ACTIVE) live++;
        }
        return live;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    private int find(FlowKey key, long meta, int home, int fingerprint) {
        for (int i = 0; i < window; i++) {
            long word = (long) LONGS.getAcquire(index, (home + i) & indexMask);
            if (word != EMPTY && (int) (word >>> 32) == fingerprint) {
                int slot = entryOf(word);
                if (matches(slot, key, meta)) return slot;
            }
        }
        return NOT_FOUND;
    }

    /**
     * Whether {@code slot} is live with {@code key}, judged on one consistent snapshot: the control word is read before
     * and after the key, and the key of an entry only changes while it is FREE. Leaves the generation in {@code key}.
     */
    private boolean matches(int slot, FlowKey key, long meta) {
        int base = slot * ENTRY_LONGS;
        long before = (long) LONGS.getAcquire(entries, base + CONTROL);
        if ((before & STATE_MASK) != ACTIVE) return false;
        boolean equal = entries[base + KEY_META] == meta
                && entries[base + KEY_ENDPOINT] == key.endpointId
                && entries[base + KEY_A_LO] == key.addressALo
                && entries[base + KEY_B_LO] == key.addressBLo
                && entries[base + KEY_A_HI] == key.addressAHi
                && entries[base + KEY_B_HI] == key.addressBHi;
        VarHandle.loadLoadFence();
        long after = (long) LONGS.getAcquire(entries, base + CONTROL);
        if (!equal || ((before ^ after) & IDENTITY_MASK) != 0) return false;
        key.generation = generationOf(before);
        return true;
    }

    private int create(FlowKey key, long meta, int home, int fingerprint, long nowNanos) {
        int slot = -1; // an entry taken off the free list, kept across attempts
        for (int attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
            if (attempt > 0) {
                int found = find(key, meta, home, fingerprint); // the race we lost may have been with this very flow
                if (found >= 0) {
                    if (slot >= 0) freeList.push(slot);
                    return found;
                }
            }
            if (slot < 0) {
                slot = freeList.pop();
                if (slot < 0) {
                    // The victim's entry comes straight to us: pushed on the free list, another creator could take
                    // it first, again and again under a flood on several workers.
                    slot = evictOne(home, EVICTION_REGIONS, nowNanos, true);
                    if (slot < 0) continue;
                }
            }
            creationHook.reached(CreationStep.PUBLISHING, slot);
            int position = firstEmpty(home);
            if (position < 0) {
                evictOne(home, 0, nowNanos, false); // the window is full: the index word must come from it
                continue;
            }
            long free = prepare(slot, key, meta, nowNanos);
            long word = ((long) fingerprint << 32) | (slot + 1);
            if (!LONGS.compareAndSet(index, position, EMPTY, word)) {
                contentionFallbacks.increment();
                continue;
            }
            long active = (free & GENERATION_MASK) | ACTIVE;
            LONGS.setRelease(entries, slot * ENTRY_LONGS + CONTROL, active);
            published.increment();
            // Another worker may have published the same key in another empty word of the window meanwhile. Both sides
            // fence between publishing and rescanning, so at least one of them sees the other and takes its own back.
            VarHandle.fullFence();
            creationHook.reached(CreationStep.PUBLISHED, slot);
            if (attempt < MAX_CREATE_ATTEMPTS - 1 && hasTwin(key, meta, home, fingerprint, slot)) {
                contentionFallbacks.increment();
                creationHook.reached(CreationStep.TAKING_BACK, slot);
                if (retract(slot, position, word, active)) {
                    slot = -1;
                    continue;
                }
                if (!isCurrent(slot, generationOf(active))) { // an evicting worker ended it first and will release it
                    slot = -1;
                    continue;
                }
                // A worker found it and recorded a packet in it: keep it, so that packet stays counted. The twin's
                // creator takes its own back unless it was used too; a duplicate left then idles out.
            }
            key.generation = generationOf(active);
            return slot;
        }
        int found = find(key, meta, home, fingerprint);
        if (found >= 0) {
            if (slot >= 0) freeList.push(slot);
            return found;
        }
        if (slot >= 0) freeList.push(slot);
        creationFailures.increment();
        return TABLE_FULL;
    }

    /** Writes a new flow into an entry this thread owns (off the free list, FREE); returns its control word. */
    private long prepare(int slot, FlowKey key, long meta, long nowNanos) {
        int base = slot * ENTRY_LONGS;
        entries[base + LAST_SEEN] = nowNanos;
        entries[base + KEY_ENDPOINT] = key.endpointId;
        entries[base + KEY_A_HI] = key.addressAHi;
        entries[base + KEY_A_LO] = key.addressALo;
        entries[base + KEY_B_HI] = key.addressBHi;
        entries[base + KEY_B_LO] = key.addressBLo;
        entries[base + KEY_META] = meta;
        entries[base + PACKETS] = 0;
        entries[base + PACKETS + 1] = 0;
        entries[base + BYTES] = 0;
        entries[base + BYTES + 1] = 0;
        entries[base + POLICY_STATE] = 0;
        entries[base + INFO] = ((long) (key.direction & 1) << 32) | SEQ_MASK; // policy index -1
        entries[base + ROUTE_ADDRESSES] = 0;
        entries[base + ROUTE_PORT_LENGTH] = 0;
        // Publication is the index CAS that follows (a full barrier); the plain writes above are ordered before it.
        return (long) LONGS.getAcquire(entries, base + CONTROL);
    }

    private boolean hasTwin(FlowKey key, long meta, int home, int fingerprint, int self) {
        for (int i = 0; i < window; i++) {
            long word = (long) LONGS.getVolatile(index, (home + i) & indexMask);
            if (word != EMPTY && (int) (word >>> 32) == fingerprint) {
                int other = entryOf(word);
                if (other != self && matches(other, key, meta)) return true;
            }
        }
        return false;
    }

    /**
     * Takes back an entry this thread just published as a duplicate, only if its control word is still the one it was
     * published with. Another worker may have found the entry meanwhile, and once {@link #recordInbound} accepts a
     * packet the entry must stay: before counting, that method either moved the header sequence on by its own CAS or
     * saw it moved (odd, or changed under its CAS), and the sequence never returns to the published value while the
     * entry lives. So this CAS and every accepted packet are ordered on the control word: the packet either lands in an
     * entry that stays, or sees the entry taken back and returns {@link RecordResult#FLOW_ENDED}. False if the entry
     * was used or someone else is ending it.
     */
    private boolean retract(int slot, int position, long word, long active) {
        long removing = (active & GENERATION_MASK) | REMOVING;
        if (!LONGS.compareAndSet(entries, slot * ENTRY_LONGS + CONTROL, active, removing)) return false;
        LONGS.compareAndSet(index, position, word, EMPTY); // only the entry's owner changes this word
        release(slot, active);
        retracted.increment();
        return true;
    }

    private int firstEmpty(int home) {
        for (int i = 0; i < window; i++) {
            int position = (home + i) & indexMask;
            if ((long) LONGS.getAcquire(index, position) == EMPTY) return position;
        }
        return -1;
    }

    /**
     * Ends one flow to make room and returns its entry, which with {@code keepEntry} now belongs to the caller (FREE,
     * off the free list), or -1 if no candidate was found or another thread ended the chosen one first.
     *
     * <p>Samples live flows from the window at {@code home}, then, with {@code regions > 0} (any flow's entry will
     * do), from up to that many more windows a quarter of the index apart: {@value #EVICTION_SAMPLES} candidates if
     * they include an idle or embryonic flow, else up to twice as many before an established flow is chosen.
     * Clustering leaves some windows with few flows, or none: without looking further, a window of established flows
     * would lose one although embryonic flows fill the rest of the table. The victim is the lowest kind (idle,
     * embryonic, established), the least recently seen within it. Cost: at most {@code 2 × EVICTION_SAMPLES} entry
     * reads, reached only when the table is full of established flows.
     */
    private int evictOne(int home, int regions, long nowNanos, boolean keepEntry) {
        int quarter = index.length >>> 2;
        int victimPosition = -1;
        long victimWord = 0;
        long victimControl = 0;
        long victimSeen = 0;
        int victimKind = Integer.MAX_VALUE;
        int sampled = 0;
        search:
        for (int region = 0; region <= regions; region++) {
            int start = home + region * quarter;
            for (int i = 0; i < window; i++) {
                if (sampled >= EVICTION_SAMPLES && (victimKind < KIND_ESTABLISHED || sampled >= 2 * EVICTION_SAMPLES))
                    break search;
                int position = (start + i) & indexMask;
                long word = (long) LONGS.getAcquire(index, position);
                if (word == EMPTY) continue;
                int base = entryOf(word) * ENTRY_LONGS;
                long control = (long) LONGS.getAcquire(entries, base + CONTROL);
                if ((control & STATE_MASK) != ACTIVE || (control & 1) != 0) continue;
                sampled++;
                long seen = (long) LONGS.getOpaque(entries, base + LAST_SEEN);
                int kind = isIdle(base, nowNanos)
                        ? KIND_IDLE
                        : ((long) LONGS.getOpaque(entries, base + INFO) & ESTABLISHED_BIT) == 0
                                ? KIND_EMBRYONIC
                                : KIND_ESTABLISHED;
                // nanoTime values compare by difference
                if (kind < victimKind || (kind == victimKind && seen - victimSeen < 0)) {
                    victimPosition = position;
                    victimWord = word;
                    victimControl = control;
                    victimSeen = seen;
                    victimKind = kind;
                }
            }
        }
        if (victimPosition < 0) return -1;
        int victim = entryOf(victimWord);
        return end(victimPosition, victimWord, victim, victimControl, victimKind, nowNanos, keepEntry) ? victim : -1;
    }

    /**
     * Ends a live flow seen as {@code word} at {@code position} with control word {@code control}. The CAS to REMOVING
     * decides who ends it; the index CAS then checks the entry was still published there (a stale view of a reused
     * entry is undone). The listener runs before the slot goes back to the free list, or, with {@code keepEntry}, to
     * the calling creator.
     */
    private boolean end(int position, long word, int slot, long control, int kind, long nowNanos, boolean keepEntry) {
        int at = slot * ENTRY_LONGS + CONTROL;
        long removing = (control & GENERATION_MASK) | REMOVING | (control & SEQ_MASK);
        if (!LONGS.compareAndSet(entries, at, control, removing)) return false;
        if (!LONGS.compareAndSet(index, position, word, EMPTY)) {
            LONGS.setRelease(entries, at, control);
            return false;
        }
        FlowEndReason reason;
        switch (kind) {
            case KIND_EMBRYONIC -> {
                evictedEmbryonic.increment();
                reason = FlowEndReason.EVICTED;
            }
            case KIND_ESTABLISHED -> {
                evictedEstablished.increment();
                reason = FlowEndReason.EVICTED;
            }
            case KIND_IDLE -> {
                evictedIdle.increment();
                expired.increment();
                reason = FlowEndReason.EXPIRED;
            }
            default -> {
                expired.increment();
                reason = FlowEndReason.EXPIRED;
            }
        }
        boolean kept = false;
        try {
            listener.onFlowEnd(this, slot, reason, nowNanos);
            kept = keepEntry;
        } finally {
            if (kept) free(slot, control);
            else release(slot, control); // also when the listener threw: the entry must not leak
        }
        return true;
    }

    /**
     * Sets the established bit by CAS ({@link #setPolicyIndex} may change the low half at the same time); a failed
     * CAS retries once with the fresh word and otherwise leaves it to the flow's next packet.
     */
    private void markEstablished(int at, long info) {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (LONGS.compareAndSet(entries, at, info, info | ESTABLISHED_BIT)) return;
            info = (long) LONGS.getOpaque(entries, at);
            if ((info & ESTABLISHED_BIT) != 0) return;
        }
    }

    /** FREE with the next generation, so handles to the ended flow go stale, then back on the free list. */
    private void release(int slot, long control) {
        free(slot, control);
        freeList.push(slot);
    }

    /** FREE with the next generation, owned by the calling thread (not on the free list). */
    private void free(int slot, long control) {
        LONGS.setRelease(entries, slot * ENTRY_LONGS + CONTROL, (control & GENERATION_MASK) + GENERATION_ONE | FREE);
    }

    private boolean isIdle(int base, long nowNanos) {
        long meta = entries[base + KEY_META];
        long timeout = ((meta >>> 8) & 0xFF) == PROTOCOL_TCP ? tcpIdleTimeoutNanos : otherIdleTimeoutNanos;
        return nowNanos - (long) LONGS.getOpaque(entries, base + LAST_SEEN) >= timeout;
    }

    private void writeRouteAndHeader(
            int base,
            int headerLength,
            ByteBuf buf,
            int headerOffset,
            int gwlbAddress,
            int applianceAddress,
            int gwlbSourcePort) {
        entries[base + ROUTE_ADDRESSES] = ((long) gwlbAddress << 32) | Integer.toUnsignedLong(applianceAddress);
        entries[base + ROUTE_PORT_LENGTH] = ((long) (gwlbSourcePort & 0xFFFF) << 32) | headerLength;
        int words = headerLength >>> 3;
        for (int i = 0; i < words; i++) entries[base + HEADER + i] = buf.getLong(headerOffset + (i << 3));
        int rest = headerLength & 7;
        if (rest != 0) {
            long tail = 0;
            int from = headerOffset + (words << 3);
            for (int j = 0; j < rest; j++) tail |= (long) buf.getUnsignedByte(from + j) << (56 - (j << 3));
            entries[base + HEADER + words] = tail;
        }
    }

    private long hash(FlowKey key) {
        long h = hashSeed;
        h = mix(h, key.endpointId);
        h = mix(h, key.addressAHi);
        h = mix(h, key.addressALo);
        h = mix(h, key.addressBHi);
        h = mix(h, key.addressBLo);
        h = mix(h, key.portsProtocolVersion());
        // MurmurHash3 fmix64: every input bit reaches both the home position (low bits) and the fingerprint (high
        // bits).
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    private static long mix(long h, long value) {
        return Long.rotateLeft((h ^ value) * 0x9E3779B97F4A7C15L, 29);
    }

    private static int entryOf(long word) {
        return (int) word - 1;
    }

    private static int generationOf(long control) {
        return (int) (control >>> GENERATION_SHIFT);
    }

    private static long generationBits(int generation) {
        return ((long) generation << GENERATION_SHIFT) & GENERATION_MASK;
    }

    /** Where a creator is in {@link #create}; see {@link #creationHook}. */
    enum CreationStep {
        /** The creator holds an entry off the free list and is about to pick an index word and publish it there. */
        PUBLISHING,
        /** The entry is published and ACTIVE; the rescan for a twin follows. */
        PUBLISHED,
        /** The rescan found a twin; the creator is about to take its own entry back. */
        TAKING_BACK
    }

    interface CreationHook {
        CreationHook NONE = (step, slot) -> {};

        void reached(CreationStep step, int slot);
    }

    private static final class SweepCursor {
        int position;
    }

    /**
     * Treiber stack of free entries. The head carries a tag that changes on every CAS, so an entry popped and pushed
     * back between another thread's read and CAS (ABA) does not corrupt the list. Creating and ending a flow each cost
     * one CAS here; packets of existing flows never touch it.
     */
    private static final class FreeList {
        private static final long NONE = 0xFFFF_FFFFL;

        private final int[] next;
        private final AtomicLong head = new AtomicLong();

        FreeList(int size) {
            next = new int[size];
            for (int i = 0; i < size; i++) next[i] = i + 1 < size ? i + 1 : -1;
            head.set(0);
        }

        int pop() {
            while (true) {
                long h = head.get();
                int top = (int) h;
                if (top < 0) return -1;
                int below = next[top]; // may be stale; then the tag has changed and the CAS fails
                long replacement = ((h >>> 32) + 1) << 32 | (below < 0 ? NONE : below);
                if (head.compareAndSet(h, replacement)) return top;
            }
        }

        void push(int slot) {
            while (true) {
                long h = head.get();
                next[slot] = (int) h;
                if (head.compareAndSet(h, ((h >>> 32) + 1) << 32 | slot)) return;
            }
        }
    }
}
