package org.gwlbinspect.buffer;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/** Copies out of Netty buffers that allocate nothing, whether or not Netty may use {@code sun.misc.Unsafe}. */
public final class ByteBufs {
    private ByteBufs() {}

    /**
     * Copies {@code length} bytes at absolute {@code index} of {@code src} into {@code dst} at {@code dstIndex}, as
     * {@link ByteBuf#getBytes(int, byte[], int, int)} does, without moving any index of {@code src}.
     *
     * <p>Why not {@code getBytes}: without {@code sun.misc.Unsafe} (Netty's default on JDK 25, and how the systemd
     * unit runs the appliance) the pooled allocator hands out {@code PooledDirectByteBuf}s, whose {@code getBytes}
     * copies through a new {@code ByteBuffer} duplicate: 64 bytes per call, which escape analysis removes only in some
     * compilations (they report a memory address all the same, so that cannot tell the two kinds apart). The
     * buffer's own NIO view ({@link ByteBuf#internalNioBuffer}), positioned over the range, is reused instead; with
     * Unsafe it is the same single bulk copy. Heap and multi-component buffers keep Netty's own copy, which allocates
     * nothing.
     *
     * @throws IndexOutOfBoundsException if either range is out of bounds, as {@code getBytes} does
     */
    public static void copy(ByteBuf src, int index, byte[] dst, int dstIndex, int length) {
        if (src.hasArray() || src.nioBufferCount() != 1) {
            src.getBytes(index, dst, dstIndex, length);
        } else {
            src.internalNioBuffer(index, length).get(dst, dstIndex, length);
        }
    }

    /**
     * Copies {@code length} bytes at absolute {@code index} of {@code src} to absolute {@code dstIndex} of {@code dst}
     * (two buffers, neither a view of the other), as {@link ByteBuf#getBytes(int, ByteBuf, int, int)} does, without
     * moving any index.
     *
     * <p>Why not {@code getBytes}: from a direct buffer into another with Unsafe off, Netty makes an array of NIO
     * views of the destination and a duplicate of the source per call. The two buffers' own NIO
     * views are reused instead, with the absolute bulk {@code put}.
     *
     * @throws IndexOutOfBoundsException if either range is out of bounds, as {@code getBytes} does
     */
    public static void copy(ByteBuf src, int index, ByteBuf dst, int dstIndex, int length) {
        if (src.hasArray() || dst.hasArray() || src.nioBufferCount() != 1 || dst.nioBufferCount() != 1) {
            src.getBytes(index, dst, dstIndex, length);
        } else {
            ByteBuffer to = dst.internalNioBuffer(dstIndex, length);
            ByteBuffer from = src.internalNioBuffer(index, length);
            int at = to.position();
            to.put(at, from, from.position(), length);
        }
    }
}
