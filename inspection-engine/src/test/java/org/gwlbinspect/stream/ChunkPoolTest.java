package org.gwlbinspect.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ChunkPoolTest {

    @Test
    void handsOutEveryChunkOnceThenReportsExhaustion() {
        ChunkPool pool = new ChunkPool(256, 8);
        BitSet seen = new BitSet();
        for (int i = 0; i < 8; i++) {
            int chunk = pool.acquire();
            assertThat(seen.get(chunk)).isFalse();
            seen.set(chunk);
            assertThat(pool.offset(chunk)).isEqualTo(chunk * 256);
        }

        assertThat(pool.acquire()).isEqualTo(-1);
        pool.release(3);
        assertThat(pool.acquire()).isEqualTo(3);
    }

    @Test
    void neverGivesOneChunkToTwoThreadsAtOnce() throws InterruptedException {
        ChunkPool pool = new ChunkPool(64, 16);
        AtomicIntegerArray owners = new AtomicIntegerArray(16);
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        Thread[] workers = new Thread[threads];
        boolean[] failed = new boolean[threads];
        for (int t = 0; t < threads; t++) {
            int id = t + 1;
            workers[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 50_000; i++) {
                    int chunk = pool.acquire();
                    if (chunk < 0) continue;
                    if (!owners.compareAndSet(chunk, 0, id)) failed[id - 1] = true;
                    owners.set(chunk, 0);
                    pool.release(chunk);
                }
            });
            workers[t].start();
        }
        start.countDown();
        for (Thread worker : workers) worker.join();

        assertThat(failed).containsOnly(false);
        assertThat(pool.available()).isEqualTo(16);
    }
}
