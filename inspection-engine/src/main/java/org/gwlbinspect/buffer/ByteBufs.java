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
     * unit runs the appliance) a direct buffer has no memory address and {@code getBytes} copies through a new
     * {@code ByteBuffer} duplicate, 64 bytes per call that escape analysis removes only in some compilations. The
     * buffer's own NIO view ({@link ByteBuf#internalNioBuffer}), positioned over the range, is reused instead. Heap
     * buffers, buffers with a memory address and composite ones keep Netty's own copy, which allocates nothing.
     *
     * @throws IndexOutOfBoundsException if either range is out of bounds, as {@code getBytes} does
     */
    public static void copy(ByteBuf src, int index, byte[] dst, int dstIndex, int length) {
        if (src.hasArray() || src.hasMemoryAddress() || src.nioBufferCount() != 1) {
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
     * <p>Why not {@code getBytes}: from a direct buffer without a memory address (Unsafe off) into another, Netty
     * makes an array of NIO views of the destination and a duplicate of the source per call. The two buffers' own NIO
     * views are reused instead, with the absolute bulk {@code put}.
     *
     * @throws IndexOutOfBoundsException if either range is out of bounds, as {@code getBytes} does
     */
    public static void copy(ByteBuf src, int index, ByteBuf dst, int dstIndex, int length) {
        if (src.hasArray()
                || dst.hasArray()
                || (src.hasMemoryAddress() && dst.hasMemoryAddress())
                || src.nioBufferCount() != 1
                || dst.nioBufferCount() != 1) {
            src.getBytes(index, dst, dstIndex, length);
        } else {
            ByteBuffer to = dst.internalNioBuffer(dstIndex, length);
            ByteBuffer from = src.internalNioBuffer(index, length);
            int at = to.position();
            to.put(at, from, from.position(), length);
        }
    }
}
