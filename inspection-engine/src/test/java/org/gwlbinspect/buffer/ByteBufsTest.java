package org.gwlbinspect.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ByteBufs#copy} copies what {@code getBytes} copies, from every kind of buffer, without allocating. */
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
        ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(BYTES.length).writeBytes(BYTES);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOf(BYTES, 100)));
        composite.addComponent(true, Unpooled.directBuffer(156).writeBytes(BYTES, 100, 156));
        ByteBuf sliced = Unpooled.buffer(BYTES.length + 20).writerIndex(10).writeBytes(BYTES).slice(10, BYTES.length);
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

    @Test
    void copiesFromADirectBufferWithoutAMemoryAddressWithoutAllocating() {
        ByteBuf buf = directWithoutAddress();
        assertThat(buf.hasMemoryAddress()).isFalse(); // getBytes would copy through a new ByteBuffer here
        byte[] out = new byte[64];
        long sum = 0;
        for (int round = 0; round < 5; round++) sum += copies(buf, out); // compiled before the measurement
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        sum += copies(buf, out);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(sum).isNotZero();
        assertThat(allocated / (double) COPIES).as("bytes allocated per copy").isLessThan(0.1);
        buf.release();
    }

    private static final int COPIES = 100_000;

    private static long copies(ByteBuf buf, byte[] out) {
        long sum = 0;
        for (int i = 0; i < COPIES; i++) {
            ByteBufs.copy(buf, i & 127, out, 0, 64);
            sum += out[i & 63];
        }
        return sum;
    }
}
