package org.gwlbinspect.flowlog;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.l7.AppProtocol;

/**
 * What a flow's netflow records need (policy.md §4) and the {@link FlowTable} does not keep: when the flow started,
 * per direction the OR of its TCP flags and its smallest and largest TTL (IPv6 hop limit), the app protocol the
 * inspector recognised and whether the flow raised an alert. Preallocated per table slot: four longs each (32 bytes),
 * allocated in the constructor; no allocation, lock or logging per packet.
 *
 * <h2>Slot reuse</h2>
 *
 * Every word carries the table generation it was written for. A packet whose slot holds an older generation starts
 * the flow over ({@code start} = its time, app protocol unknown, not alerted); a direction word of an older
 * generation means "no packet seen in this direction yet", so it is never reset by another thread. Readers ask
 * {@link #tracks} with the generation of the flow they read.
 *
 * <h2>Threads</h2>
 *
 * The two directions of a flow may arrive on two workers. Each direction's word is written only by the worker that
 * receives that direction (GWLB sends one direction over one outer 5-tuple, so one socket: the same assumption as the
 * table's packet counters), read-modify-write without CAS, and stored only when it changes (flags and TTLs settle
 * after a few packets). The flow word (generation, app protocol, alerted) is shared: starting a flow, {@link
 * #setAppProto} and {@link #markAlerted} change it by CAS, so none of them is lost to another; the start time is
 * written by whichever worker won the start. Races accepted:
 *
 * <ul>
 *   <li>If one direction of a flow does arrive on two workers at once, one packet's flags or TTL may be lost, as the
 *       table may lose a count. The record is then slightly incomplete, never wrong about another flow.
 *   <li>A packet of a flow that ends between its lookup and {@link #onPacket} is ignored ({@link
 *       FlowTable#isCurrent}); one that ends just after may update the ended flow's words after its record was
 *       written: harmless, the next flow in the slot starts over.
 *   <li>{@link #setAppProto} and {@link #markAlerted} do not check the generation: called for a slot just resolved
 *       (after its {@link #onPacket}), they can only hit a newer flow if this one ended in between and the slot was
 *       reused and restarted meanwhile, which the flow's idle timeout makes practically impossible.
 *   <li>Readers on other threads (the flow-end listener) use acquire/opaque reads: they see a worker's latest writes
 *       soon, not necessarily at once; a flow ends after it has been idle (or is the least recently seen one), so the
 *       writes of its last packet are long visible.
 * </ul>
 */
public final class FlowRecords {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final int STRIDE = 4;
    private static final int FLOW = 0; // generation << 32 | alerted << 8 | app protocol code
    private static final int START = 1; // nanoTime of the first packet
    private static final int DIRECTION = 2; // + FlowKey direction: generation << 32 | max << 16 | min << 8 | flags

    private static final long ALERTED = 1L << 8;
    private static final long APP_MASK = 0xFF;
    private static final int NO_GENERATION = -1; // table generations are non-negative
    private static final long UNUSED = (long) NO_GENERATION << 32;

    private static final AppProtocol[] APP_PROTOCOLS = AppProtocol.values();

    private final int capacity;
    private final long[] words;

    /** Records for a table of {@code capacity} slots ({@link FlowTable#capacity()}). */
    public FlowRecords(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity must not be negative, got " + capacity);
        this.capacity = capacity;
        this.words = new long[capacity * STRIDE];
        for (int slot = 0; slot < capacity; slot++) {
            int base = slot * STRIDE;
            words[base + FLOW] = UNUSED;
            words[base + DIRECTION] = UNUSED;
            words[base + DIRECTION + 1] = UNUSED;
        }
    }

    /** Records that keep nothing, for an appliance without flow logs: every call returns at once. */
    public static FlowRecords disabled() {
        return new FlowRecords(0);
    }

    public int capacity() {
        return capacity;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Workers
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Notes one packet of the flow {@code resolver} just resolved into {@code slot}: its direction, TCP flags and
     * TTL (IPv6 hop limit). Call once per packet, right after the flow was resolved.
     */
    public void onPacket(FlowResolver resolver, int slot, InnerPacket packet, long nowNanos) {
        int ttl = packet.ipVersion() == 4 ? packet.ipv4().ttl() : packet.ipv6().hopLimit();
        onPacket(resolver.table(), slot, resolver.direction(), packet.tcpFlags(), ttl, nowNanos);
    }

    /**
     * Notes one packet of the live flow in {@code slot} travelling in {@code direction} ({@link FlowKey#A_TO_B} or
     * {@link FlowKey#B_TO_A}); starts the flow over first if the slot holds a newer flow than the one recorded.
     */
    public void onPacket(FlowTable table, int slot, int direction, int tcpFlags, int ttl, long nowNanos) {
        if (slot >= capacity) return; // disabled (capacity 0), or not this table's slot
        int base = slot * STRIDE;
        int generation = table.generation(slot);
        long flow = (long) LONGS.getAcquire(words, base + FLOW);
        if ((int) (flow >>> 32) != generation) {
            if (!table.isCurrent(slot, generation)) return; // ended since it was resolved: its record is written
            start(base, flow, generation, nowNanos);
        }
        int at = base + DIRECTION + (direction & 1);
        long seen = (long) LONGS.getOpaque(words, at);
        int flags = tcpFlags & 0xFF;
        int t = ttl & 0xFF;
        long next;
        if ((int) (seen >>> 32) != generation) {
            next = directionWord(generation, flags, t, t);
        } else {
            int min = Math.min((int) (seen >>> 8) & 0xFF, t);
            int max = Math.max((int) (seen >>> 16) & 0xFF, t);
            next = directionWord(generation, ((int) seen & 0xFF) | flags, min, max);
        }
        if (next != seen) LONGS.setOpaque(words, at, next);
    }

    /**
     * Records the app protocol the inspector recognised for the flow in {@code slot} (the EVE {@code app_proto} of its
     * netflow records; {@code unknown} until set). Call after {@link #onPacket} for the same packet.
     */
    public void setAppProto(int slot, AppProtocol protocol) {
        if (slot >= capacity) return;
        int at = slot * STRIDE + FLOW;
        long code = protocol.ordinal() + 1; // 0: never set
        long flow;
        do {
            flow = (long) LONGS.getVolatile(words, at);
            if ((flow & APP_MASK) == code) return;
        } while (!LONGS.compareAndSet(words, at, flow, (flow & ~APP_MASK) | code));
    }

    /** Records that the flow in {@code slot} raised an alert ({@code alerted: true}). Call after {@link #onPacket}. */
    public void markAlerted(int slot) {
        if (slot >= capacity) return;
        int at = slot * STRIDE + FLOW;
        long flow;
        do {
            flow = (long) LONGS.getVolatile(words, at);
            if ((flow & ALERTED) != 0) return;
        } while (!LONGS.compareAndSet(words, at, flow, flow | ALERTED));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Readers (the flow-end listener; consistent for an ended or idle flow)
    // ---------------------------------------------------------------------------------------------------------------

    /** Whether a packet of the flow of {@code generation} in {@code slot} was recorded; otherwise nothing is known. */
    public boolean tracks(int slot, int generation) {
        return slot < capacity && (int) ((long) LONGS.getAcquire(words, slot * STRIDE + FLOW) >>> 32) == generation;
    }

    /** {@link System#nanoTime()} of the flow's first recorded packet; meaningful when {@link #tracks}. */
    public long startNanos(int slot) {
        return (long) LONGS.getOpaque(words, slot * STRIDE + START);
    }

    /** The app protocol set by {@link #setAppProto}, {@link AppProtocol#UNKNOWN} if none; when {@link #tracks}. */
    public AppProtocol appProto(int slot) {
        int code = (int) ((long) LONGS.getOpaque(words, slot * STRIDE + FLOW) & APP_MASK);
        return code == 0 ? AppProtocol.UNKNOWN : APP_PROTOCOLS[code - 1];
    }

    /** Whether {@link #markAlerted} was called; meaningful when {@link #tracks}. */
    public boolean alerted(int slot) {
        return ((long) LONGS.getOpaque(words, slot * STRIDE + FLOW) & ALERTED) != 0;
    }

    /** Whether a packet of the flow of {@code generation} was recorded in {@code direction}. */
    public boolean seen(int slot, int generation, int direction) {
        return slot < capacity && (int) (directionWord(slot, direction) >>> 32) == generation;
    }

    /** OR of the TCP flags seen in {@code direction}; meaningful when {@link #seen}. */
    public int tcpFlags(int slot, int direction) {
        return (int) directionWord(slot, direction) & 0xFF;
    }

    /** Smallest TTL (hop limit) seen in {@code direction}; meaningful when {@link #seen}. */
    public int minTtl(int slot, int direction) {
        return (int) (directionWord(slot, direction) >>> 8) & 0xFF;
    }

    /** Largest TTL (hop limit) seen in {@code direction}; meaningful when {@link #seen}. */
    public int maxTtl(int slot, int direction) {
        return (int) (directionWord(slot, direction) >>> 16) & 0xFF;
    }

    private long directionWord(int slot, int direction) {
        return (long) LONGS.getOpaque(words, slot * STRIDE + DIRECTION + (direction & 1));
    }

    /**
     * Starts the flow of {@code generation} over. The CAS decides which worker starts it when both directions' first
     * packets race; the loser's packet is then simply recorded in the started flow.
     */
    private void start(int base, long seenFlow, int generation, long nowNanos) {
        if (LONGS.compareAndSet(words, base + FLOW, seenFlow, (long) generation << 32)) {
            LONGS.setOpaque(words, base + START, nowNanos);
        }
    }

    private static long directionWord(int generation, int flags, int minTtl, int maxTtl) {
        return ((long) generation << 32) | ((long) maxTtl << 16) | ((long) minTtl << 8) | flags;
    }
}
