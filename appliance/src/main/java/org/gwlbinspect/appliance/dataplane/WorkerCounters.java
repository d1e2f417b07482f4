package org.gwlbinspect.appliance.dataplane;

import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.verdict.DropReason;

/**
 * Counters of one worker. One writer (the worker's event loop), many readers (metrics scrape, health check): the
 * writer uses plain read + release store instead of CAS, readers see a value at most a moment old (style.md §3).
 */
public final class WorkerCounters {
    private static final int RX_PACKETS = 0;
    private static final int RX_BYTES = 1;
    private static final int RETURNED_PACKETS = 2;
    private static final int RETURNED_BYTES = 3;
    private static final int BATCHES = 4;
    private static final int HEARTBEATS = 5;
    private static final int FIELDS = 6;

    private final AtomicLongArray totals = new AtomicLongArray(FIELDS);
    private final AtomicLongArray drops = new AtomicLongArray(DropReason.count());

    private static void add(AtomicLongArray array, int index, long delta) {
        array.setRelease(index, array.getPlain(index) + delta);
    }

    void received(int bytes) {
        add(totals, RX_PACKETS, 1);
        add(totals, RX_BYTES, bytes);
    }

    void returned(long packets, long bytes) {
        add(totals, RETURNED_PACKETS, packets);
        add(totals, RETURNED_BYTES, bytes);
    }

    void dropped(DropReason reason) {
        add(drops, reason.ordinal(), 1);
    }

    void dropped(DropReason reason, long count) {
        add(drops, reason.ordinal(), count);
    }

    void batch() {
        add(totals, BATCHES, 1);
    }

    void heartbeat() {
        add(totals, HEARTBEATS, 1);
    }

    public long receivedPackets() {
        return totals.getAcquire(RX_PACKETS);
    }

    public long receivedBytes() {
        return totals.getAcquire(RX_BYTES);
    }

    public long returnedPackets() {
        return totals.getAcquire(RETURNED_PACKETS);
    }

    public long returnedBytes() {
        return totals.getAcquire(RETURNED_BYTES);
    }

    public long batches() {
        return totals.getAcquire(BATCHES);
    }

    public long heartbeats() {
        return totals.getAcquire(HEARTBEATS);
    }

    public long droppedPackets(DropReason reason) {
        return drops.getAcquire(reason.ordinal());
    }
}
