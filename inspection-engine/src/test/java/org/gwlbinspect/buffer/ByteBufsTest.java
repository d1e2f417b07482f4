package org.gwlbinspect.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ByteBufs#copy} copies what {@code getBytes} copies, from and to every kind of buffer. That it allocates nothing
 * where {@code getBytes} does is measured where it matters, on whole flows ({@code StatefulAllocationTest}): in a
 * loop this small, escape analysis removes {@code getBytes}' temporary buffer too.
 */
class ByteBufsTest {
    private static final byte[] BYTES = new byte[256];

    static {
        for (int i = 0; i < BYTES.length; i++) BYTES[i] = (byte) (i * 7 + 3);
    }

    /** Netty's direct buffer without a memory address: what every direct buffer is when Unsafe is off. */
    private static ByteBuf directWithoutAddress() {
        ByteBuf buf = new UnpooledDirectByteBuf(UnpooledByteBufAllocator.DEFAULT, BYTES.length, BYTES.length);
        buf.writeBytes(BYTES);
        return buf;
    }

    private static List<ByteBuf> everyKind() {
        ByteBuf pooled =
                PooledByteBufAllocator.DEFAULT.directBuffer(BYTES.length).writeBytes(BYTES);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOf(BYTES, 100)));
        composite.addComponent(true, Unpooled.directBuffer(156).writeBytes(BYTES, 100, 156));
        ByteBuf sliced = Unpooled.buffer(BYTES.length + 20)
                .writerIndex(10)
                .writeBytes(BYTES)
                .slice(10, BYTES.length);
        return List.of(Unpooled.wrappedBuffer(BYTES.clone()), directWithoutAddress(), pooled, composite, sliced);
    }

    @Test
    void copiesTheRangeAsGetBytesFromEveryKindOfBuffer() {
        for (ByteBuf buf : everyKind()) {
            for (int[] range : new int[][] {{0, 256}, {0, 0}, {37, 100}, {255, 1}, {99, 2}}) {
                byte[] expected = new byte[300];
                byte[] actual = new byte[300];
                buf.getBytes(range[0], expected, 5, range[1]);
                int readerIndex = buf.readerIndex();
                ByteBufs.copy(buf, range[0], actual, 5, range[1]);
                assertThat(actual).as(buf + " " + Arrays.toString(range)).isEqualTo(expected);
                assertThat(buf.readerIndex()).isEqualTo(readerIndex);
            }
            buf.release();
        }
    }

    @Test
    void copiesBetweenBuffersOfEveryKindAsGetBytes() {
        for (ByteBuf src : everyKind()) {
            for (ByteBuf dst : List.of(
                    Unpooled.buffer(300).writerIndex(300),
                    new UnpooledDirectByteBuf(UnpooledByteBufAllocator.DEFAULT, 300, 300).writerIndex(300),
                    PooledByteBufAllocator.DEFAULT.directBuffer(300).writerIndex(300))) {
                for (int[] range : new int[][] {{0, 256}, {0, 0}, {37, 100}, {255, 1}}) {
                    byte[] expected = new byte[300];
                    src.getBytes(range[0], expected, 40, range[1]);
                    dst.setZero(0, 300);
                    ByteBufs.copy(src, range[0], dst, 40, range[1]);
                    byte[] actual = new byte[300];
                    dst.getBytes(0, actual);
                    assertThat(actual)
                            .as(src + " -> " + dst + " " + Arrays.toString(range))
                            .isEqualTo(expected);
                }
                assertThatThrownBy(() -> ByteBufs.copy(src, 0, dst, 100, 201))
                        .isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> ByteBufs.copy(src, 100, dst, 0, 157))
                        .isInstanceOf(IndexOutOfBoundsException.class);
                dst.release();
            }
            src.release();
        }
    }

    @Test
    void rejectsRangesOutsideEitherBufferAsGetBytesDoes() {
        for (ByteBuf buf : everyKind()) {
            assertThatThrownBy(() -> ByteBufs.copy(buf, 200, new byte[100], 0, 57))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> ByteBufs.copy(buf, -1, new byte[100], 0, 2))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> ByteBufs.copy(buf, 0, new byte[10], 5, 6))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            buf.release();
        }
    }
}
