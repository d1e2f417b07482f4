package org.gwlbinspect.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Fixed-size chunks carved from one off-heap buffer allocated up front: the reassembly memcap. Lock-free: any thread
 * may acquire and release ({@link IndexStack}); the bytes of a chunk belong to whoever acquired it.
 */
public final class ChunkPool {
    private final ByteBuf buffer;
    private final int chunkShift;
    private final int chunkCount;
    private final IndexStack free;

    public ChunkPool(int chunkSizeBytes, int chunkCount) {
        if (Integer.bitCount(chunkSizeBytes) != 1 || chunkCount <= 0)
            throw new IllegalArgumentException("chunk size must be a power of two and count positive");
        long capacity = (long) chunkSizeBytes * chunkCount;
        if (capacity > Integer.MAX_VALUE) throw new IllegalArgumentException("pool larger than 2 GiB");
        // Every byte readable, so range operations such as ByteBufUtil.equals, which check the writer index, see them.
        this.buffer = Unpooled.directBuffer((int) capacity, (int) capacity).writerIndex((int) capacity);
        // Touch every page now: with Unsafe, Netty takes the memory from malloc unwritten, so the first segment
        // copied into each 4 KiB page would take a page fault on the data path (a tenth of a replay's time with a
        // new flow per chunk); without Unsafe the JDK zeroes it here anyway. The memcap is committed at start, as
        // -XX:+AlwaysPreTouch commits the heap.
        buffer.setZero(0, (int) capacity);
        this.chunkShift = Integer.numberOfTrailingZeros(chunkSizeBytes);
        this.chunkCount = chunkCount;
        this.free = new IndexStack(chunkCount);
    }

    /** A free chunk, or -1 when the pool is exhausted. */
    public int acquire() {
        return free.pop();
    }

    /** Returns a chunk acquired earlier; releasing it twice corrupts the pool. */
    public void release(int chunk) {
        free.push(chunk);
    }

    /** The buffer that holds every chunk; read and write it with absolute accessors only. */
    public ByteBuf buffer() {
        return buffer;
    }

    /** Index of the chunk's first byte in {@link #buffer()}. */
    public int offset(int chunk) {
        return chunk << chunkShift;
    }

    public int chunkSizeBytes() {
        return 1 << chunkShift;
    }

    public int chunkCount() {
        return chunkCount;
    }

    /** Chunks free now: walks the free list, for tests and the metrics scrape, not the data path. */
    public int available() {
        return free.size();
    }
}
