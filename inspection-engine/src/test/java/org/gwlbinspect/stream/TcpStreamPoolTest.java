package org.gwlbinspect.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class TcpStreamPoolTest {
    private final StreamEventCounters counters = new StreamEventCounters();
    private final TcpStreamPool pool = new TcpStreamPool(new StreamConfig(2, 256, 16, 0, 2048, 8, 4096, 1024));

    @Test
    void returnsNoStreamAndCountsWhenEveryStateIsInUse() {
        int a = pool.acquire(counters);
        int b = pool.acquire(counters);

        assertThat(pool.acquire(counters)).isEqualTo(TcpStreamPool.NO_STREAM);

        assertThat(a).isNotNegative().isNotEqualTo(b);
        assertThat(b).isNotNegative();
        assertThat(counters.count(StreamEvent.STATE_POOL_EXHAUSTED)).isEqualTo(1);
        assertThat(StreamEvent.STATE_POOL_EXHAUSTED.effect()).isEqualTo(StreamEvent.Effect.STREAM_EXCEPTION);
    }

    @Test
    void releaseIsIdempotent() {
        int handle = pool.acquire(counters);

        assertThat(pool.release(handle)).isTrue();
        assertThat(pool.release(handle)).isFalse();
        assertThat(pool.release(TcpStreamPool.NO_STREAM)).isFalse();
    }

    @Test
    void staleHandleNeitherReleasesNorFeedsTheFlowThatReusedItsState() {
        int old = pool.acquire(counters);
        pool.release(old);
        int reused = pool.acquire(counters);
        int other = pool.acquire(counters);
        assertThat(reused & 0xFFFF).as("same index, new generation").isEqualTo(old & 0xFFFF);

        assertThat(pool.release(old)).isFalse();
        assertThat(send(old, 1, "x")).isEqualTo(StreamEvent.STREAM_RELEASED);

        assertThat(pool.isCurrent(reused)).isTrue();
        assertThat(pool.isCurrent(other)).isTrue();
        assertThat(pool.direction(reused, 0).nextStreamOffset()).isZero();
    }

    @Test
    void releaseReturnsEveryChunkOfBothDirections() {
        int handle = pool.acquire(counters);
        send(handle, 100, "a".repeat(600));
        pool.accept(handle, 1, 7000, 0, 0x10, payload("b".repeat(300)), 0, 300, StreamDataSink.NONE, counters);
        assertThat(pool.chunkPool().available()).isLessThan(16);

        pool.release(handle);

        assertThat(pool.chunkPool().available()).isEqualTo(16);
    }

    @Test
    void releasedStateStartsFreshForTheNextFlow() {
        int first = pool.acquire(counters);
        send(first, 5000, "abc");
        pool.release(first);
        int second = pool.acquire(counters);
        RecordingSink sink = new RecordingSink();

        StreamEvent event = pool.accept(second, 0, 90, 0, 0x10, payload("xyz"), 0, 3, sink, counters);

        assertThat(event).isEqualTo(StreamEvent.MIDSTREAM_PICKUP);
        assertThat(sink.text()).isEqualTo("xyz");
    }

    @Test
    void releaseWaitsForTheWorkerInsideAndLeavesNoChunkBehind() throws InterruptedException {
        for (int round = 0; round < 200; round++) {
            int handle = pool.acquire(counters);
            StreamEventCounters workerCounters = new StreamEventCounters();
            Thread worker = new Thread(() -> {
                for (int i = 0; i < 200; i++) {
                    long seq = 1000 + (i % 2 == 0 ? i * 10L + 10 : i * 10L - 10); // mostly out of order
                    pool.accept(
                            handle, 0, seq, 0, 0x10, payload("0123456789"), 0, 10, StreamDataSink.NONE, workerCounters);
                }
            });
            worker.start();
            Thread.onSpinWait();
            assertThat(pool.release(handle)).isTrue();
            worker.join();

            assertThat(pool.chunkPool().available()).isEqualTo(16);
        }
    }

    private StreamEvent send(int handle, long seq, String data) {
        return pool.accept(handle, 0, seq, 0, 0x10, payload(data), 0, data.length(), StreamDataSink.NONE, counters);
    }

    private static ByteBuf payload(String data) {
        return Unpooled.copiedBuffer(data, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
