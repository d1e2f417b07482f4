package org.gwlbinspect.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import org.gwlbinspect.buffer.ByteBufs;

/**
 * Reassembly state of one direction of a TCP flow: hands the detector the direction's bytes in sequence order, each byte
 * once, and tells which segments contradict or escape what was inspected (Suricata {@code stream-tcp-reassemble.c},
 * inline mode).
 *
 * <h2>Positions</h2>
 *
 * Sequence numbers are 32-bit and wrap; inside, every byte has a 64-bit <em>stream offset</em> (0 = the byte after the
 * SYN, or the first byte seen on midstream pickup), found from the signed 32-bit distance to the next expected
 * sequence number, so wrap-around needs no special case.
 *
 * <h2>Storage</h2>
 *
 * A <em>window</em> of {@code windowBytes} starting at a chunk boundary is a ring of slots, each holding a chunk of the
 * shared {@link ChunkPool} or nothing. It holds two kinds of bytes, both at their stream offsets: the <em>history</em>
 * {@code [tail, next)}, already inspected and not yet acknowledged by the receiver (at most {@code historyBytes}), kept
 * to compare retransmissions with; and the <em>buffered</em> out-of-order ranges above {@code next}, kept sorted,
 * disjoint and merged when adjacent. Out-of-order bytes are copied in; in-order bytes are delivered from the packet
 * itself and copied only into the history (none when {@code historyBytes} is 0). Chunks go back to the pool as the tail
 * passes them: on an acknowledgement from the peer direction (the last one it frees goes straight to the acknowledging
 * segment's own copy, if that needs one), when the history exceeds its budget, and when the pool runs dry and
 * out-of-order bytes need the room. A direction that keeps nothing stores its next bytes from a chunk's first byte. A
 * history let go for lack of chunks (then, or because the pool had none for inspected bytes) is counted as
 * {@link StreamEvent#HISTORY_MEMCAP}.
 *
 * <h2>Overlaps: first data wins, and a contradiction is reported</h2>
 *
 * A byte is inspected once, with the value first accepted for its offset (in-order or buffered). Later copies are
 * compared with it while it is retained; a different value raises {@link StreamEvent#OVERLAP_CONFLICT}, whose packet
 * the caller should drop: then every copy the server can receive holds the inspected value, whatever overlap policy
 * its stack applies. Suricata in inline mode does the same, except that it rewrites the packet with the first data
 * instead of leaving the drop to the caller.
 *
 * <h2>Threads</h2>
 *
 * Only the thread that receives a direction touches its state, guarded by a non-blocking ownership flag: {@link
 * TcpStreamPool} enters it with one CAS per segment, a second thread finding it taken reports {@link
 * StreamEvent#STREAM_BUSY}. The peer direction's thread takes the flag the same way, only to trim the history when its
 * segments acknowledge bytes of this direction, and gives up if it is taken. {@link TcpStreamPool#release} waits for the
 * flag before freeing the state.
 */
public final class StreamReassembler {
    private static final VarHandle BUSY;
    private static final VarHandle RESET_SEEN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BUSY = lookup.findVarHandle(StreamReassembler.class, "busy", int.class);
            RESET_SEEN = lookup.findVarHandle(StreamReassembler.class, "resetSeen", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;

    private static final int FREE = 0;
    private static final int OWNED = 1;
    private static final int RELEASING = 2;

    private final ChunkPool chunks;
    private final ByteBuf chunkBuffer;
    private final int chunkShift;
    private final long chunkMask;
    private final int[] slots; // window ring: chunk per slot, -1 when none
    /** Slots of {@link #slots} holding a chunk. */
    private int heldChunks;

    private final int slotMask;
    private final long windowBytes;
    private final long depthLimit;
    private final long maxBufferedBytes;
    private final int maxBufferedSegments;
    private final long historyBytes;
    private final long[] rangeStart; // buffered out-of-order ranges [start, end), sorted, disjoint, not adjacent
    private final long[] rangeEnd;
    StreamReassembler peer;

    @SuppressWarnings("unused") // through BUSY
    private volatile int busy;

    @SuppressWarnings("unused") // through RESET_SEEN; read by the peer direction's thread
    private boolean resetSeen;

    private boolean anchored;
    private boolean synSeen;
    private boolean stopped;
    private boolean finSeen;
    private StreamEvent stopReason = StreamEvent.NONE;
    private int baseSeq; // sequence number of stream offset 0
    private long next; // offset of the next byte to inspect
    private long tail; // oldest retained history byte
    private long windowStart; // offset of the window's first slot, chunk-aligned from origin, <= tail
    /**
     * Stream offset stored at the start of a chunk: byte {@code at} lies at {@code (at - origin) & chunkMask} of the
     * chunk in slot {@code (at - origin) >>> chunkShift}. Moved to the tail whenever the direction holds no chunk
     * ({@link #rebaseIfEmpty}), so that the next bytes stored go to the start of a chunk.
     */
    private long origin;

    private long acked; // highest offset the receiver acknowledged
    private long finOffset;
    private int rangeCount;
    private long bufferedBytes;

    // Per call.
    private StreamEvent result;
    private StreamEventCounters counters;
    /** The chunk this segment's acknowledgement freed in the peer, for this segment's own copy; -1 if none. */
    private int spare = -1;
    /** Set on the peer while this direction's segment acknowledges it: the chunk it frees last is handed over. */
    private boolean handingOver;

    private int handedOver = -1;

    StreamReassembler(StreamConfig config, ChunkPool chunks) {
        this.chunks = chunks;
        this.chunkBuffer = chunks.buffer();
        this.chunkShift = Integer.numberOfTrailingZeros(config.chunkSizeBytes());
        this.chunkMask = config.chunkSizeBytes() - 1;
        this.slots = new int[config.windowBytes() / config.chunkSizeBytes()];
        this.slotMask = slots.length - 1;
        this.windowBytes = config.windowBytes();
        this.depthLimit = config.depthBytes() == 0 ? Long.MAX_VALUE : config.depthBytes();
        this.maxBufferedBytes = config.maxBufferedBytes();
        this.maxBufferedSegments = config.maxBufferedSegments();
        this.historyBytes = config.historyBytes();
        this.rangeStart = new long[config.maxBufferedSegments()];
        this.rangeEnd = new long[config.maxBufferedSegments()];
        Arrays.fill(slots, -1);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Ownership flag

    boolean tryEnter() {
        return BUSY.compareAndSet(this, FREE, OWNED);
    }

    void exit() {
        BUSY.setRelease(this, FREE);
    }

    void lockForRelease() {
        while (!BUSY.compareAndSet(this, FREE, RELEASING)) Thread.onSpinWait();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Segments

    /**
     * Takes one TCP segment of this direction; the caller holds the ownership flag.
     *
     * @param seq the segment's sequence number
     * @param ack its acknowledgment number (of the peer direction's bytes), used when {@code flags} has ACK
     * @param flags TCP flags as in the header's flags byte
     * @param buffer holds the payload
     * @param offset index of the payload in {@code buffer}
     * @param length payload bytes, may be 0
     * @return the most severe event the segment raised, {@link StreamEvent#NONE} if none
     */
    StreamEvent accept(
            int seq,
            int ack,
            int flags,
            ByteBuf buffer,
            int offset,
            int length,
            StreamDataSink sink,
            StreamEventCounters counters) {
        this.result = StreamEvent.NONE;
        this.counters = counters;
        // The acknowledgement first: the peer's chunk it frees is handed to this segment's history copy, still in the
        // cache, without a return to the shared pool and a second trip out of it (two CAS on the pool's head, which
        // every worker's segments share); given back below if this segment keeps nothing.
        if ((flags & ACK) != 0) spare = peer.acknowledge(ack);
        if (!stopped) acceptSegment(seq, flags, buffer, offset, length, sink);
        if (spare >= 0) {
            chunks.release(spare);
            spare = -1;
        }
        sink.onSegmentEnd(next);
        if ((flags & RST) != 0) RESET_SEEN.setOpaque(this, true);
        this.counters = null;
        return result;
    }

    private void acceptSegment(int seq, int flags, ByteBuf buffer, int offset, int length, StreamDataSink sink) {
        int dataSeq = seq;
        if ((flags & SYN) != 0) {
            dataSeq = seq + 1; // the SYN takes one sequence number; TCP Fast Open data follows it
            if (!anchored || (next == 0 && rangeCount == 0 && dataSeq != baseSeq)) {
                anchor(dataSeq); // first SYN, or a new ISN before any byte was inspected
                synSeen = true;
            } else if (synSeen && dataSeq == baseSeq) {
                raise(StreamEvent.DUPLICATE_SYN);
            } else {
                raise(StreamEvent.SYN_CONFLICT); // RFC 5961 §4: the receiver only answers with a challenge ACK
                return;
            }
        }
        if (length == 0) {
            if ((flags & FIN) != 0 && anchored) recordFin(offsetOf(dataSeq));
            return;
        }
        if (!anchored) {
            anchor(dataSeq);
            raise(StreamEvent.MIDSTREAM_PICKUP);
        }
        long base = offsetOf(dataSeq); // stream offset of buffer[offset]
        long end = base + length;
        if (finSeen && end > finOffset) raise(StreamEvent.DATA_AFTER_FIN);
        if ((flags & FIN) != 0) recordFin(end);
        if ((boolean) RESET_SEEN.getOpaque(this) || (boolean) RESET_SEEN.getOpaque(peer))
            raise(StreamEvent.DATA_AFTER_RESET);

        long start = base;
        if (start < next) {
            compareWithInspected(buffer, offset, base, Math.min(end, next));
            if (end <= next) return;
            start = next;
        }
        if (start > next) {
            buffer(buffer, offset, base, start, end);
        } else {
            deliver(buffer, offset, base, end, sink);
        }
    }

    /**
     * Anchors a fresh state at {@code seq}, the next byte of a connection whose previous state was given back between
     * two messages: stream offset 0 is that byte, and a segment arriving out of order is buffered, not taken as the
     * start (as a first payload without SYN would be).
     */
    void resume(int seq) {
        anchor(seq);
        synSeen = true;
    }

    private void anchor(int dataSeq) {
        anchored = true;
        baseSeq = dataSeq;
        next = 0;
        tail = 0;
        windowStart = 0;
        origin = 0;
        acked = 0;
    }

    private long offsetOf(int seq) {
        int nextSeq = baseSeq + (int) next;
        return next + (seq - nextSeq); // signed 32-bit distance: wrap-around safe within ±2 GiB
    }

    private void recordFin(long at) {
        if (!finSeen) {
            finSeen = true;
            finOffset = at;
        }
    }

    /** Bytes {@code [base.., oldEnd)} were inspected already: compare what is still retained. */
    private void compareWithInspected(ByteBuf buffer, int offset, long base, long oldEnd) {
        // Below the receiver's acknowledgement a different copy is harmless: the receiver discards it.
        boolean unverified = Math.max(base, acked) < Math.min(oldEnd, tail);
        long from = Math.max(base, tail);
        if (from < oldEnd && !equalsStored(buffer, offset + (int) (from - base), from, oldEnd - from)) {
            raise(StreamEvent.OVERLAP_CONFLICT);
        } else if (unverified) {
            raise(StreamEvent.UNVERIFIED_RETRANSMISSION);
        } else {
            raise(StreamEvent.RETRANSMISSION);
        }
    }

    /** The segment starts at {@code next}: deliver it, then whatever buffered ranges it made contiguous. */
    private void deliver(ByteBuf buffer, int offset, long base, long end, StreamDataSink sink) {
        long limit = Math.min(end, depthLimit);
        long pos = next;
        boolean conflict = false;
        while (pos < limit) {
            if (rangeCount > 0 && rangeStart[0] <= pos) {
                // First data wins: the buffered bytes are what gets inspected; the packet's copy must match them.
                long rangeEnd0 = rangeEnd[0];
                long overlapEnd = Math.min(rangeEnd0, end);
                if (!equalsStored(buffer, offset + (int) (pos - base), pos, overlapEnd - pos)) conflict = true;
                deliverStored(pos, rangeEnd0, sink);
                pos = rangeEnd0;
                removeFirstRange();
            } else {
                long pieceEnd = rangeCount > 0 ? Math.min(limit, rangeStart[0]) : limit;
                int index = offset + (int) (pos - base);
                sink.onStreamData(buffer, index, (int) (pieceEnd - pos), pos);
                retain(buffer, index, pos, pieceEnd);
                pos = pieceEnd;
            }
        }
        while (rangeCount > 0 && rangeStart[0] <= pos) {
            long rangeEnd0 = rangeEnd[0];
            deliverStored(pos, rangeEnd0, sink);
            pos = rangeEnd0;
            removeFirstRange();
        }
        next = pos;
        if (conflict) raise(StreamEvent.OVERLAP_CONFLICT);
        if (pos >= depthLimit) {
            stop(StreamEvent.DEPTH_EXCEEDED);
            return;
        }
        advanceTail(Math.max(tail, next - historyBytes));
        freeTailChunkIfUnused();
    }

    private void removeFirstRange() {
        bufferedBytes -= rangeEnd[0] - rangeStart[0];
        rangeCount--;
        System.arraycopy(rangeStart, 1, rangeStart, 0, rangeCount);
        System.arraycopy(rangeEnd, 1, rangeEnd, 0, rangeCount);
    }

    /** Keeps inspected bytes {@code [from, to)} of the packet as history, or lets the history go if it cannot. */
    private void retain(ByteBuf buffer, int index, long from, long to) {
        if (historyBytes == 0) {
            advanceTail(to);
            return;
        }
        long copyFrom = Math.max(from, to - historyBytes);
        if (copyFrom > from) advanceTail(copyFrom); // the piece alone fills the budget
        // Ranges just released count as history without a trim, so the piece may reach past the window: make room.
        // alignUp(to - windowBytes) <= from because historyBytes + one chunk <= windowBytes (StreamConfig).
        advanceTail(alignUp(to - windowBytes));
        if (!copyIn(buffer, index + (int) (copyFrom - from), copyFrom, to - copyFrom, false)) {
            counters.increment(StreamEvent.HISTORY_MEMCAP);
            advanceTail(to);
        }
    }

    /** The segment {@code [start, end)} starts beyond {@code next}: keep its new bytes until the gap fills. */
    private void buffer(ByteBuf buffer, int offset, long base, long start, long end) {
        end = Math.min(end, depthLimit); // bytes beyond the depth are never inspected, so never kept
        if (start >= end) return;
        long nextChunk = alignDown(next);
        if (end > nextChunk + windowBytes) {
            raise(StreamEvent.GAP);
            return;
        }
        int first = -1;
        int touching = 0;
        int insertAt = rangeCount;
        long overlap = 0;
        boolean conflict = false;
        for (int i = 0; i < rangeCount; i++) {
            long a = rangeStart[i];
            long b = rangeEnd[i];
            if (b < start) continue;
            if (a > end) {
                insertAt = i;
                break;
            }
            if (first < 0) first = i;
            touching++;
            long lo = Math.max(a, start);
            long hi = Math.min(b, end);
            if (hi > lo) {
                overlap += hi - lo;
                if (!equalsStored(buffer, offset + (int) (lo - base), lo, hi - lo)) conflict = true;
            }
        }
        if (conflict) raise(StreamEvent.OVERLAP_CONFLICT);
        long added = (end - start) - overlap;
        if (added == 0) {
            if (!conflict) raise(StreamEvent.RETRANSMISSION);
            return;
        }
        if (rangeCount - touching + 1 > maxBufferedSegments) {
            raise(StreamEvent.SEGMENT_LIMIT);
            return;
        }
        if (bufferedBytes + added > maxBufferedBytes) {
            raise(StreamEvent.BUFFER_LIMIT);
            return;
        }
        if (end > windowStart + windowBytes) advanceTail(alignUp(end - windowBytes)); // <= next: checked above
        // Copy only the bytes no buffered range has yet (first data wins).
        long pos = start;
        for (int i = first; i >= 0 && i < first + touching; i++) {
            long a = rangeStart[i];
            if (a > pos && !copyIn(buffer, offset + (int) (pos - base), pos, Math.min(a, end) - pos, true)) {
                stop(StreamEvent.MEMCAP);
                return;
            }
            pos = Math.max(pos, rangeEnd[i]);
        }
        if (pos < end && !copyIn(buffer, offset + (int) (pos - base), pos, end - pos, true)) {
            stop(StreamEvent.MEMCAP);
            return;
        }
        if (touching == 0) {
            System.arraycopy(rangeStart, insertAt, rangeStart, insertAt + 1, rangeCount - insertAt);
            System.arraycopy(rangeEnd, insertAt, rangeEnd, insertAt + 1, rangeCount - insertAt);
            rangeStart[insertAt] = start;
            rangeEnd[insertAt] = end;
            rangeCount++;
        } else {
            long mergedStart = Math.min(start, rangeStart[first]);
            long mergedEnd = Math.max(end, rangeEnd[first + touching - 1]);
            int after = first + touching;
            System.arraycopy(rangeStart, after, rangeStart, first + 1, rangeCount - after);
            System.arraycopy(rangeEnd, after, rangeEnd, first + 1, rangeCount - after);
            rangeCount -= touching - 1;
            rangeStart[first] = mergedStart;
            rangeEnd[first] = mergedEnd;
        }
        bufferedBytes += added;
        raise(StreamEvent.OUT_OF_ORDER);
    }

    private long alignUp(long offset) {
        return alignDown(offset + chunkMask);
    }

    /** The start of the chunk that holds (or would hold) stream offset {@code at}. */
    private long alignDown(long at) {
        return at - ((at - origin) & chunkMask);
    }

    /** The window slot of stream offset {@code at}, which is at or after {@link #windowStart}. */
    private int slotOf(long at) {
        return (int) ((at - origin) >>> chunkShift) & slotMask;
    }

    /** Index of stream offset {@code at} inside its chunk. */
    private int withinChunk(long at) {
        return (int) ((at - origin) & chunkMask);
    }

    /**
     * Once a direction keeps nothing (every chunk given back, nothing out of order), its next bytes go to the start of
     * a chunk. Why: the chunk they take is the one last given back, in a request/response flow the peer direction's,
     * just freed by this segment's acknowledgement; the peer's bytes lay from its start too, so this copy writes the
     * cache lines that copy wrote. Kept at {@code offset & chunkMask}, each flow direction would write a part of the
     * chunk no recent copy touched: with many flows in turn, a cache miss per line copied.
     */
    private void rebaseIfEmpty() {
        if (heldChunks == 0 && rangeCount == 0) {
            origin = tail; // no byte below the tail is read again, and no chunk is held: nothing moves
            windowStart = tail;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Window

    /** Copies {@code length} bytes to stream offset {@code at}; false if the pool ran out of chunks. */
    private boolean copyIn(ByteBuf buffer, int index, long at, long length, boolean mayDropHistory) {
        rebaseIfEmpty();
        while (length > 0) {
            int slot = slotOf(at);
            int chunk = slots[slot];
            if (chunk < 0) {
                chunk = takeChunk();
                if (chunk < 0 && mayDropHistory && tail < next) {
                    counters.increment(StreamEvent.HISTORY_MEMCAP);
                    advanceTail(next); // out-of-order bytes matter more than comparing retransmissions
                    chunk = chunks.acquire();
                }
                if (chunk < 0) return false;
                slots[slot] = chunk;
                heldChunks++;
            }
            int within = withinChunk(at);
            int n = (int) Math.min(length, chunkMask + 1 - within);
            ByteBufs.copy(buffer, index, chunkBuffer, chunks.offset(chunk) + within, n);
            index += n;
            at += n;
            length -= n;
        }
        return true;
    }

    private boolean equalsStored(ByteBuf buffer, int index, long at, long length) {
        while (length > 0) {
            int chunk = slots[slotOf(at)];
            int within = withinChunk(at);
            int n = (int) Math.min(length, chunkMask + 1 - within);
            if (!ByteBufUtil.equals(buffer, index, chunkBuffer, chunks.offset(chunk) + within, n)) return false;
            index += n;
            at += n;
            length -= n;
        }
        return true;
    }

    private void deliverStored(long from, long to, StreamDataSink sink) {
        while (from < to) {
            int chunk = slots[slotOf(from)];
            int within = withinChunk(from);
            int n = (int) Math.min(to - from, chunkMask + 1 - within);
            sink.onStreamData(chunkBuffer, chunks.offset(chunk) + within, n, from);
            from += n;
        }
    }

    /** Forgets history below {@code newTail} and returns the chunks wholly below it. */
    private void advanceTail(long newTail) {
        if (newTail <= tail) return;
        tail = newTail;
        long target = alignDown(newTail);
        long steps = Math.min((target - windowStart) >>> chunkShift, slots.length);
        int first = slotOf(windowStart);
        for (int i = 0; i < steps; i++) {
            freeSlot((first + i) & slotMask);
        }
        windowStart = target;
    }

    /**
     * Gives back the chunk that holds the tail once it keeps nothing: every inspected byte acknowledged (or no history
     * kept) and no out-of-order byte in it. {@link #advanceTail} frees only the chunks wholly below the tail, so a
     * direction that sends less than a chunk between acknowledgements (most request/response traffic) would otherwise
     * hold its chunk for as long as the flow lives, each flow a chunk of its own, which the next copy finds cold.
     * Freed here, the chunk goes back to the top of the pool, where the next segment of any flow takes it warm.
     */
    private void freeTailChunkIfUnused() {
        if (tail != next || heldChunks == 0) return;
        long chunkEnd = windowStart + chunkMask + 1; // windowStart is the tail's chunk
        if (rangeCount > 0 && rangeStart[0] < chunkEnd) return;
        freeSlot(slotOf(windowStart));
    }

    private void freeSlot(int slot) {
        int chunk = slots[slot];
        if (chunk >= 0) {
            slots[slot] = -1;
            heldChunks--;
            if (!handingOver) {
                chunks.release(chunk);
            } else {
                if (handedOver >= 0) chunks.release(handedOver); // the last freed is handed over: the latest bytes
                handedOver = chunk;
            }
        }
    }

    /** The chunk handed over by the peer's acknowledgement, else one from the pool; -1 if the pool is dry. */
    private int takeChunk() {
        int chunk = spare;
        if (chunk < 0) return chunks.acquire();
        spare = -1;
        return chunk;
    }

    /**
     * Called on the peer direction's thread: the receiver holds our bytes below {@code ack}, so forget them.
     *
     * @return the last chunk this freed, now the caller's (it gives it back to the pool if it does not use it), or -1
     */
    private int acknowledge(int ack) {
        if (historyBytes == 0 || !tryEnter()) return -1; // taken: the next acknowledgement will do
        try {
            if (!anchored || stopped) return -1;
            long at = Math.min(offsetOf(ack), next); // never trust an ACK for bytes not inspected
            if (at > acked) acked = at;
            handingOver = true;
            advanceTail(at);
            freeTailChunkIfUnused();
            handingOver = false;
            int chunk = handedOver;
            handedOver = -1;
            return chunk;
        } finally {
            exit();
        }
    }

    private void stop(StreamEvent reason) {
        raise(reason);
        stopped = true;
        stopReason = reason;
        freeAll();
    }

    private void freeAll() {
        // A flow evicted before it sent data holds nothing: do not walk (and miss the cache on) its empty slots.
        for (int i = 0; i < slots.length && heldChunks > 0; i++) freeSlot(i);
        rangeCount = 0;
        bufferedBytes = 0;
    }

    /** Back to a fresh state; called with the flag held for release. */
    void reset() {
        freeAll();
        anchored = false;
        synSeen = false;
        stopped = false;
        finSeen = false;
        RESET_SEEN.setOpaque(this, false);
        stopReason = StreamEvent.NONE;
        baseSeq = 0;
        next = 0;
        tail = 0;
        windowStart = 0;
        origin = 0;
        acked = 0;
        finOffset = 0;
    }

    private void raise(StreamEvent event) {
        counters.increment(event);
        result = StreamEvent.worst(result, event);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Read by the owner thread, tests and diagnostics

    /** Whether bytes of this direction are still inspected (false after a stop event: depth, memcap). */
    public boolean isInspecting() {
        return !stopped;
    }

    /** Why inspection stopped, {@link StreamEvent#NONE} while it goes on. */
    public StreamEvent stopReason() {
        return stopReason;
    }

    /** Stream offset of the next byte to inspect: the number of bytes delivered so far. */
    public long nextStreamOffset() {
        return next;
    }

    /** Sequence number of the next byte to inspect. */
    public int nextSequence() {
        return baseSeq + (int) next;
    }

    /** Out-of-order bytes held. */
    public long bufferedBytes() {
        return bufferedBytes;
    }

    /** Disjoint out-of-order ranges held. */
    public int bufferedSegments() {
        return rangeCount;
    }

    /** Inspected bytes retained to compare retransmissions with. */
    public long retainedBytes() {
        return next - tail;
    }
}
