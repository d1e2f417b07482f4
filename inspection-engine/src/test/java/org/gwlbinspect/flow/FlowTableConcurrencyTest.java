package org.gwlbinspect.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.flow.FlowTableTest.SECOND;
import static org.gwlbinspect.flow.FlowTableTest.T0;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.gwlbinspect.flow.FlowTable.CreationStep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several workers hammer overlapping flows from both directions at once, as when the two directions of a flow arrive
 * on different sockets. Bounded in iterations, and by a timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlowTableConcurrencyTest {

    private static final int THREADS = 4;
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);

    @AfterEach
    void stopThreads() {
        pool.shutdownNow();
    }

    private static FlowKey forward(int flow) {
        return new FlowKey().setIpv4(flow % 3, 0x0A000000 | flow, 0x0B000000 | flow, 6, 1024 + flow, 443);
    }

    private static FlowKey reverse(int flow) {
        return new FlowKey().setIpv4(flow % 3, 0x0B000000 | flow, 0x0A000000 | flow, 6, 443, 1024 + flow);
    }

    /** Runs one packet through the table as a worker does; retries when the flow ended under it. */
    private static int receive(FlowTable table, FlowKey key, long now, ByteBuf header) {
        while (true) {
            int slot = table.lookupOrCreate(key, now);
            if (slot < 0) return slot;
            RecordResult result = table.recordInbound(slot, key, now, 100, header, 0, 40, 1, 2, 3);
            if (result != RecordResult.FLOW_ENDED) return slot;
        }
    }

    @Test
    void bothDirectionsFromDifferentThreadsShareOneEntryAndLoseNoPackets() throws Exception {
        int flows = 2_000;
        int rounds = 200;
        FlowTable table = new FlowTable(FlowTableTest.config(4_096), FlowEndListener.NONE, 7);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            // Flow f's forward packets come from thread f % 4, its replies from thread (f + 1) % 4: each thread shares
            // flows with both neighbours, and each direction of a flow has one writer, as with one socket per
            // direction.
            workers.add(pool.submit(() -> {
                ByteBuf header = FlowTableTest.gwlbHeader(thread);
                FlowKey[] keys = new FlowKey[flows];
                for (int f = 0; f < flows; f++) {
                    if (f % THREADS == thread) keys[f] = forward(f);
                    else if ((f + 1) % THREADS == thread) keys[f] = reverse(f);
                }
                start.await();
                for (int round = 0; round < rounds; round++) {
                    for (int f = 0; f < flows; f++) {
                        if (keys[f] != null)
                            assertThat(receive(table, keys[f], T0 + round, header))
                                    .isNotNegative();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> worker : workers) worker.get(50, TimeUnit.SECONDS);

        assertThat(table.createdFlows()).isEqualTo(flows);
        assertThat(table.activeFlows()).isEqualTo(flows).isEqualTo(table.countLiveFlows());
        assertThat(table.evictedFlows() + table.expiredFlows() + table.creationFailures())
                .isZero();
        assertThat(liveKeys(table)).hasSize(flows); // no duplicates
        for (int f = 0; f < flows; f++) {
            FlowKey out = forward(f);
            int slot = table.lookup(out);
            assertThat(slot).isNotNegative();
            assertThat(table.packets(slot, out.direction()))
                    .as("forward packets of flow %d", f)
                    .isEqualTo(rounds);
            assertThat(table.packets(slot, reverse(f).direction()))
                    .as("reply packets of flow %d", f)
                    .isEqualTo(rounds);
        }
    }

    /**
     * Both creators of a flow see each other's entry, so both take their own back. The first one to do so finds the
     * other's entry, still live, and records its packet there before that entry's creator gets to take it back: the
     * entry must then stay, or the packet is lost although recordInbound accepted it.
     */
    @Test
    void aPacketRecordedInTheOtherCreatorsEntryIsKeptWhenBothCreatorsSawEachOther() throws Exception {
        FlowTable table = new FlowTable(FlowTableTest.config(64), FlowEndListener.NONE, 7);
        ThreadLocal<Gate> gates = new ThreadLocal<>();
        table.creationHook = (step, slot) -> {
            Gate gate = gates.get();
            if (gate != null) gate.reached(step);
        };
        Gate x = new Gate();
        Gate y = new Gate();
        ByteBuf header = FlowTableTest.gwlbHeader(1);
        Future<Integer> forwardWorker = pool.submit(() -> {
            gates.set(x);
            return receive(table, forward(1), T0, header);
        });
        x.awaitAt(CreationStep.PUBLISHING); // the forward worker missed the lookup and holds an entry
        Future<Integer> replyWorker = pool.submit(() -> {
            gates.set(y);
            return receive(table, reverse(1), T0, header);
        });
        y.awaitAt(CreationStep.PUBLISHING); // the reply worker missed the lookup too
        y.proceed();
        y.awaitAt(CreationStep.PUBLISHED); // the reply entry is live, not yet checked for a twin
        x.proceed();
        x.awaitAt(CreationStep.PUBLISHED);
        x.proceed();
        x.awaitAt(CreationStep.TAKING_BACK); // the forward worker saw the reply entry
        y.proceed();
        y.awaitAt(CreationStep.TAKING_BACK); // the reply worker saw the forward entry before it was taken back
        x.open(); // takes the forward entry back, finds the reply entry and records the forward packet in it
        int forwardSlot = forwardWorker.get(10, TimeUnit.SECONDS);
        y.open(); // now tries to take the reply entry back
        int replySlot = replyWorker.get(10, TimeUnit.SECONDS);

        FlowKey out = forward(1);
        int slot = table.lookup(out);
        assertThat(slot).isEqualTo(forwardSlot).isEqualTo(replySlot);
        assertThat(table.isCurrent(slot, out.generation)).isTrue();
        assertThat(table.packets(slot, out.direction())).as("forward packets").isEqualTo(1);
        assertThat(table.packets(slot, reverse(1).direction()))
                .as("reply packets")
                .isEqualTo(1);
        assertThat(table.createdFlows()).isEqualTo(1).isEqualTo(table.countLiveFlows());
    }

    /** Holds one creator at each creation step until the test lets it go on, or lets it run freely once opened. */
    private static final class Gate {
        private final BlockingQueue<CreationStep> arrivals = new LinkedBlockingQueue<>();
        private final Semaphore permits = new Semaphore(0);
        private volatile boolean open;

        void reached(CreationStep step) {
            if (open) return;
            arrivals.add(step);
            permits.acquireUninterruptibly();
        }

        void awaitAt(CreationStep step) throws InterruptedException {
            assertThat(arrivals.poll(10, TimeUnit.SECONDS)).isEqualTo(step);
        }

        void proceed() {
            permits.release();
        }

        void open() {
            open = true;
            permits.release();
        }
    }

    @Test
    void countersAddUpWhileWorkersRaceExpiryAndEvictionAtFullCapacity() throws Exception {
        LongAdder endedSeen = new LongAdder();
        FlowTable table = new FlowTable(FlowTableTest.config(128), (t, slot, reason, now) -> endedSeen.increment(), 7);
        AtomicLong clock = new AtomicLong(T0);
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            workers.add(pool.submit(() -> {
                ByteBuf header = FlowTableTest.gwlbHeader(thread);
                java.util.Random random = new java.util.Random(thread);
                start.await();
                for (int i = 0; i < 200_000; i++) {
                    int f = random.nextInt(400); // 400 flows share 128 entries: constant eviction
                    FlowKey key = random.nextBoolean() ? forward(f) : reverse(f);
                    int slot = receive(table, key, clock.addAndGet(SECOND / 1000), header);
                    assertThat(slot).isGreaterThanOrEqualTo(FlowTable.TABLE_FULL);
                }
                return null;
            }));
        }
        Future<?> housekeeping = pool.submit(() -> {
            while (running.get()) table.expireIdle(clock.get(), 64);
            return null;
        });
        start.countDown();
        for (Future<?> worker : workers) worker.get(50, TimeUnit.SECONDS);
        running.set(false);
        housekeeping.get(5, TimeUnit.SECONDS);

        long live = table.countLiveFlows();
        assertThat(table.activeFlows()).isEqualTo(live).isLessThanOrEqualTo(128);
        assertThat(table.createdFlows() - table.expiredFlows() - table.evictedFlows())
                .isEqualTo(live);
        assertThat(endedSeen.sum()).isEqualTo(table.expiredFlows() + table.evictedFlows());
        assertThat(table.evictedFlows()).isPositive();
        assertThat(liveKeys(table)).hasSize((int) live); // no key is live twice
    }

    @Test
    void workersFloodingAFullTableWithNewFlowsAreNeverRefused() throws Exception {
        FlowTable table = new FlowTable(FlowTableTest.config(1024), FlowEndListener.NONE, 7);
        int perThread = 100_000;
        AtomicLong clock = new AtomicLong(T0);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            workers.add(pool.submit(() -> {
                ByteBuf header = FlowTableTest.gwlbHeader(thread);
                FlowKey key = new FlowKey();
                start.await();
                for (int i = 0; i < perThread; i++) { // every packet a new flow: one SYN each, as in a SYN flood
                    key.setIpv4(thread, 0x0C000000 | i, 0x0B000001, 6, 1024 + thread, 443);
                    assertThat(receive(table, key, clock.addAndGet(1000), header))
                            .isNotNegative();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> worker : workers) worker.get(50, TimeUnit.SECONDS);

        // Each evicting creator takes its victim's entry itself, so racing creators cannot starve each other.
        assertThat(table.creationFailures()).isZero();
        assertThat(table.activeFlows()).isEqualTo(1024).isEqualTo(table.countLiveFlows());
        // A flow another creator evicted before its packet was recorded is created again (receive retries).
        assertThat(table.createdFlows()).isGreaterThanOrEqualTo(THREADS * (long) perThread);
        assertThat(table.evictedEmbryonicFlows()).isEqualTo(table.createdFlows() - 1024);
        assertThat(table.evictedEstablishedFlows()).isZero();
    }

    /** The keys of all live entries, as strings; a duplicate flow would collapse in the set. */
    private static Set<String> liveKeys(FlowTable table) {
        Set<String> keys = new HashSet<>();
        FlowKey key = new FlowKey();
        for (int slot = 0; slot < table.capacity(); slot++) {
            if (table.isCurrent(slot, table.generation(slot))) {
                table.readKey(slot, key);
                key.direction = FlowKey.A_TO_B; // compare flows, not initiators
                keys.add(key.toString());
            }
        }
        return keys;
    }
}
