package org.gwlbinspect.stream;

import io.netty.buffer.ByteBuf;

/**
 * Receives the bytes of one direction's stream in order, each byte once, as they become contiguous. In-order segments
 * arrive as a range of the packet's own buffer (no copy); bytes released from the out-of-order store arrive as a range
 * of the chunk pool's buffer. The range is valid only during the call: copy what must outlive it.
 */
@FunctionalInterface
public interface StreamDataSink {

    /** A sink that ignores the data. */
    StreamDataSink NONE = (buffer, offset, length, streamOffset) -> {};

    /**
     * @param buffer holds the bytes; read with absolute getters, never change its indices
     * @param offset index of the first byte in {@code buffer}
     * @param length number of bytes, at least 1
     * @param streamOffset position of the first byte in the direction's stream (0 = first byte after the SYN, or the
     *     first byte seen on midstream pickup)
     */
    void onStreamData(ByteBuf buffer, int offset, int length, long streamOffset);

    /**
     * Called once per segment after its data, while the direction's state is still held by this thread: per-flow state
     * that must change only under that ownership (see {@link StreamReassembler}) is written here.
     *
     * @param nextStreamOffset stream offset of the next byte to inspect (the bytes delivered so far)
     */
    default void onSegmentEnd(long nextStreamOffset) {}
}
