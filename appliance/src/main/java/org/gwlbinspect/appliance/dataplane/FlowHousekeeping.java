package org.gwlbinspect.appliance.dataplane;

import io.dropwizard.lifecycle.Managed;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.flow.FlowExpiry;
import org.gwlbinspect.flow.FlowTable;

/**
 * Expires idle flows on a thread of its own, a slice of the table every {@link #PERIOD}, so that the whole table is
 * swept every {@link #FULL_PASS} and the workers never wait for expiry.
 */
public final class FlowHousekeeping implements Managed {
    static final Duration PERIOD = Duration.ofMillis(100);
    /** A flow ends at most this long after its idle timeout: seconds, next to GWLB's 350 s / 120 s. */
    static final Duration FULL_PASS = Duration.ofSeconds(5);

    /** How long {@link #stop} waits for a run in progress, so no flow ends while the EVE logs close. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final FlowExpiry expiry;
    private final Runnable threadSetup;
    private ScheduledExecutorService scheduler;

    /** @param threadSetup runs once on the expiry thread before the first run (e.g. to let it wait for the log) */
    public FlowHousekeeping(FlowTable flows, Runnable threadSetup) {
        this.expiry = new FlowExpiry(flows, FlowExpiry.slotsPerRun(flows, PERIOD, FULL_PASS));
        this.threadSetup = threadSetup;
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flow-expiry");
            t.setDaemon(true);
            return t;
        });
        scheduler.execute(threadSetup);
        scheduler.scheduleAtFixedRate(expiry, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() throws InterruptedException {
        if (scheduler == null) return;
        // Not shutdownNow(): a run in progress may be writing flow records; let it finish (runs are short).
        scheduler.shutdown();
        if (!scheduler.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) scheduler.shutdownNow();
    }
}
