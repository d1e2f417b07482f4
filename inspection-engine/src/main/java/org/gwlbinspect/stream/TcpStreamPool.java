package org.gwlbinspect.stream;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;

/**
 * Preallocated reassembly state for {@code capacityStreams} TCP flows, two directions each, and the chunk pool they
 * share. A flow gets a <em>handle</em> on its first payload ({@link #acquire}), keeps it in the flow table's
 * {@code policyIndex} and gives it back when the flow ends ({@link #release}, from a {@code FlowEndListener}).
 *
 * <p>A handle is {@code generation << 22 | index}: it goes stale when its state is released, so a late packet or a
 * second release of a flow that ended cannot touch the state of the flow that reuses the index (up to 512 reuses).
 * Handles are never negative; {@link #NO_STREAM} (-1) is the value the flow table starts with.
 *
 * <p>Threads: {@link #acquire} and {@link #release} are lock-free and may run on any thread. {@link #accept} for one
 * direction runs on the worker that receives that direction (the two directions may be on two workers); see {@link
 * StreamReassembler} for the ownership flag that makes a violation of this a counted {@link StreamEvent#STREAM_BUSY}
 * rather than a data race. All direction-0 states are allocated before all direction-1 states, so the two halves of a
 * flow, written by two cores, do not share a cache line.
 */
public final class TcpStreamPool {
    public static final int NO_STREAM = -1;

    static final int INDEX_BITS = 22;
    static final int MAX_CAPACITY = 1 << INDEX_BITS;
    private static final int INDEX_MASK = MAX_CAPACITY - 1;
    private static final int GENERATION_MASK = (1 << (31 - INDEX_BITS)) - 1;

    // Control word per state: generation << 2 | FREE, IN_USE or RELEASING.
    private static final int FREE = 0;
    private static final int IN_USE = 1;
    private static final int RELEASING = 2;
    private static final int STATE_MASK = 3;

    private final int capacity;
    private final ChunkPool chunks;
    private final StreamReassembler[] toServer;
    private final StreamReassembler[] toClient;
    private final AtomicIntegerArray control;
    private final IndexStack free;
    private final IntConsumer onRelease;

    public TcpStreamPool(StreamConfig config) {
        this(config, index -> {});
    }

    /**
     * @param onRelease called with a state's index while {@link #release} holds both its directions, before the index
     *     can be acquired again: per-flow state kept beside this pool is cleared there
     */
    public TcpStreamPool(StreamConfig config, IntConsumer onRelease) {
        this.onRelease = onRelease;
        this.capacity = config.capacityStreams();
        this.chunks = new ChunkPool(config.chunkSizeBytes(), config.chunkCount());
        this.toServer = new StreamReassembler[capacity];
        this.toClient = new StreamReassembler[capacity];
        for (int i = 0; i < capacity; i++) toServer[i] = new StreamReassembler(config, chunks);
        for (int i = 0; i < capacity; i++) {
            toClient[i] = new StreamReassembler(config, chunks);
            toClient[i].peer = toServer[i];
            toServer[i].peer = toClient[i];
        }
        this.control = new AtomicIntegerArray(capacity);
        this.free = new IndexStack(capacity);
    }

    /**
     * A fresh two-direction state for a flow, or {@link #NO_STREAM} (counted as {@link
     * StreamEvent#STATE_POOL_EXHAUSTED}) when all are in use: the caller applies the stream exception policy.
     */
    public int acquire(StreamEventCounters counters) {
        int index = free.pop();
        if (index < 0) {
            counters.increment(StreamEvent.STATE_POOL_EXHAUSTED);
            return NO_STREAM;
        }
        int generation = control.get(index) >>> 2;
        control.set(index, generation << 2 | IN_USE);
        return (generation & GENERATION_MASK) << INDEX_BITS | index;
    }

    /**
     * Frees the flow's state and its chunks. Idempotent: false if the handle was already released (or is stale or
     * {@link #NO_STREAM}). Waits for a worker that is inside one of the directions to leave it (one segment's work).
     */
    public boolean release(int handle) {
        if (handle < 0) return false;
        int index = handle & INDEX_MASK;
        if (index >= capacity) return false;
        int word = control.get(index);
        if (!matches(word, handle) || !control.compareAndSet(index, word, (word & ~STATE_MASK) | RELEASING)) {
            return false;
        }
        StreamReassembler a = toServer[index];
        StreamReassembler b = toClient[index];
        a.lockForRelease();
        b.lockForRelease();
        a.reset();
        b.reset();
        onRelease.accept(index);
        control.set(index, ((word >>> 2) + 1) << 2 | FREE);
        a.exit();
        b.exit();
        free.push(index);
        return true;
    }

    /**
     * Anchors one direction of a state just {@linkplain #acquire acquired} (before the handle is published) at sequence
     * number {@code seq}: for a connection that gave its state back between two application messages and resumes at a
     * known byte. Does nothing on a stale handle.
     */
    public void resume(int handle, int direction, long seq) {
        if (!isCurrent(handle)) return;
        int index = handle & INDEX_MASK;
        (direction == 0 ? toServer[index] : toClient[index]).resume((int) seq);
    }

    /** The state index of a handle (0 to {@link #capacity()} - 1), for per-flow state kept beside this pool. */
    public static int indexOf(int handle) {
        return handle & INDEX_MASK;
    }

    /** Whether the handle still refers to the state it was acquired as. */
    public boolean isCurrent(int handle) {
        if (handle < 0) return false;
        int index = handle & INDEX_MASK;
        return index < capacity && matches(control.get(index), handle);
    }

    private static boolean matches(int word, int handle) {
        return (word & STATE_MASK) == IN_USE && ((word >>> 2) & GENERATION_MASK) == handle >>> INDEX_BITS;
    }

    /**
     * Takes one TCP segment of a flow's direction, on the worker that receives that direction; bytes that become
     * contiguous are handed to {@code sink} before this returns, in order.
     *
     * @param handle the flow's handle from {@link #acquire}
     * @param direction 0 or 1, the flow table's direction of the packet
     * @param seq the segment's sequence number ({@code TcpHeader.sequenceNumber()})
     * @param ack its acknowledgment number, used when {@code flags} has ACK
     * @param flags the TCP flags byte ({@code TcpHeader.flags()})
     * @param buffer holds the payload
     * @param offset index of the payload in {@code buffer}
     * @param length payload bytes, may be 0
     * @return the most severe event the segment raised (all are counted); act on its {@link StreamEvent#effect()}
     */
    public StreamEvent accept(
            int handle,
            int direction,
            long seq,
            long ack,
            int flags,
            ByteBuf buffer,
            int offset,
            int length,
            StreamDataSink sink,
            StreamEventCounters counters) {
        int index = handle & INDEX_MASK;
        if (handle < 0 || index >= capacity) return count(StreamEvent.STREAM_RELEASED, counters);
        StreamReassembler stream = direction == 0 ? toServer[index] : toClient[index];
        if (!stream.tryEnter()) {
            return count(isCurrent(handle) ? StreamEvent.STREAM_BUSY : StreamEvent.STREAM_RELEASED, counters);
        }
        try {
            if (!isCurrent(handle)) return count(StreamEvent.STREAM_RELEASED, counters);
            return stream.accept((int) seq, (int) ack, flags, buffer, offset, length, sink, counters);
        } finally {
            stream.exit();
        }
    }

    private static StreamEvent count(StreamEvent event, StreamEventCounters counters) {
        counters.increment(event);
        return event;
    }

    /**
     * The state of one direction, for reading its progress ({@link StreamReassembler#nextStreamOffset()}, ...) on the
     * thread that owns it; null when the handle is stale.
     */
    public StreamReassembler direction(int handle, int direction) {
        if (!isCurrent(handle)) return null;
        int index = handle & INDEX_MASK;
        return direction == 0 ? toServer[index] : toClient[index];
    }

    public ChunkPool chunkPool() {
        return chunks;
    }

    public int capacity() {
        return capacity;
    }
}
