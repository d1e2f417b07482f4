package org.gwlbinspect.appliance.replay;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * A read-only file seen through one reused native buffer: the bytes around the position last asked for, read with
 * positional reads ({@code pread}) as the reader moves on. Accessors take absolute file offsets.
 *
 * <p>Why not the memory-mapped file the reader used before: every 4 KiB page of a mapping is a page walk (two-level
 * under a hypervisor) and, the first time, a page fault, and the copy out of a page that was never read stalls on
 * memory the hardware prefetcher does not fetch across page boundaries: copying frames out of a 318 MB mapped capture
 * was 7 % of a replay's loop (docs/performance.md). A read copies a window at a time from the page cache through the
 * kernel's direct map, into a buffer that stays in the cache and the TLB.
 *
 * <p>Not thread-safe; allocates only when an access is larger than the window (never for a frame of libpcap's
 * largest snapshot length with the default window).
 */
final class FileWindow implements AutoCloseable {
    /** Holds a record header and the largest frame libpcap reads ({@code MAXIMUM_SNAPLEN}), twice. */
    static final int DEFAULT_CAPACITY = 512 * 1024;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final FileChannel channel;
    private final long size;
    private final Arena arena = Arena.ofConfined();
    private MemorySegment window;
    private ByteBuffer view;
    /** File offset of {@code window[0]}. */
    private long start;
    /** Bytes of the file in the window. */
    private int length;

    FileWindow(FileChannel channel, int capacity) throws IOException {
        this.channel = channel;
        this.size = channel.size();
        allocate(capacity);
    }

    private void allocate(int capacity) {
        window = arena.allocate(capacity);
        view = window.asByteBuffer();
        start = 0;
        length = 0;
    }

    /** The file's size when it was opened. */
    long size() {
        return size;
    }

    int getInt(long at) throws IOException {
        long from = ensure(at, 4); // first: a miss may replace the window
        return window.get(INT, from);
    }

    short getShort(long at) throws IOException {
        long from = ensure(at, 2);
        return window.get(SHORT, from);
    }

    byte getByte(long at) throws IOException {
        long from = ensure(at, 1);
        return window.get(ValueLayout.JAVA_BYTE, from);
    }

    long getLong(long at) throws IOException {
        long from = ensure(at, 8);
        return window.get(LONG, from);
    }

    /** Copies {@code count} bytes at file offset {@code at} into {@code dst[0, count)}. */
    void copy(long at, byte[] dst, int count) throws IOException {
        long from = ensure(at, count);
        MemorySegment.copy(window, ValueLayout.JAVA_BYTE, from, dst, 0, count);
    }

    /**
     * Makes sure the window holds {@code [at, at + count)}, which the caller checked lies within the file, and returns
     * where {@code at} is in it. A miss reads the window anew from {@code at}, as far as it and the file go.
     */
    private long ensure(long at, int count) throws IOException {
        long from = at - start;
        if (from >= 0 && from + count <= length) return from;
        if (count > window.byteSize())
            allocate(Math.max(count, (int) Math.min(Integer.MAX_VALUE, window.byteSize() * 2)));
        int want = (int) Math.min(window.byteSize(), size - at);
        view.clear().limit(want);
        while (view.hasRemaining()) {
            int n = channel.read(view, at + view.position());
            if (n < 0) break;
        }
        start = at;
        length = view.position();
        if (length < count) {
            throw new IOException("the file ended at " + (at + length) + " (shorter than when it was opened), needed "
                    + count + " bytes at " + at);
        }
        return 0;
    }

    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            arena.close();
        }
    }
}
