package org.gwlbinspect.flow;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Housekeeping task that expires idle flows a slice at a time: schedule it at a fixed rate on one thread that is not
 * a worker. Each run visits {@code slotsPerRun} index words of the {@link FlowTable} ({@link #slotsPerRun} sizes the
 * slice so a full pass takes a chosen time), so no run holds anything up and the data path never waits for expiry.
 */
public final class FlowExpiry implements Runnable {

    private final FlowTable table;
    private final int slotsPerRun;
    private final LongSupplier nanoClock;
    private final AtomicLong expired = new AtomicLong(); // this task's thread writes, metrics read
    private final AtomicLong failedRuns = new AtomicLong();

    public FlowExpiry(FlowTable table, int slotsPerRun) {
        this(table, slotsPerRun, System::nanoTime);
    }

    /** @param nanoClock the clock the workers pass to the table, normally {@code System::nanoTime} */
    public FlowExpiry(FlowTable table, int slotsPerRun, LongSupplier nanoClock) {
        if (slotsPerRun < 1) throw new IllegalArgumentException("slotsPerRun must be positive, got " + slotsPerRun);
        this.table = Objects.requireNonNull(table, "table");
        this.slotsPerRun = slotsPerRun;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * Slice size so that runs every {@code period} sweep the whole table in {@code fullPass}. A flow then ends at most
     * {@code fullPass} after its idle timeout; keep that well under GWLB's timeouts (seconds, not minutes).
     */
    public static int slotsPerRun(FlowTable table, Duration period, Duration fullPass) {
        long runs = Math.max(1, fullPass.toNanos() / Math.max(1, period.toNanos()));
        return (int) Math.max(1, (table.indexSize() + runs - 1) / runs);
    }

    @Override
    public void run() {
        try {
            int ended = table.expireIdle(nanoClock.getAsLong(), slotsPerRun);
            expired.lazySet(expired.get() + ended);
        } catch (RuntimeException e) {
            // A scheduled executor stops repeating a task that throws; a failing flow-end listener must not stop
            // expiry.
            failedRuns.lazySet(failedRuns.get() + 1);
        }
    }

    /** Flows this task has expired. */
    public long expired() {
        return expired.get();
    }

    /** Runs that ended with an exception (from the flow-end listener); counted, and the next run continues. */
    public long failedRuns() {
        return failedRuns.get();
    }
}
