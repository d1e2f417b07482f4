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

    private final FlowExpiry expiry;
    private ScheduledExecutorService scheduler;

    public FlowHousekeeping(FlowTable flows) {
        this.expiry = new FlowExpiry(flows, FlowExpiry.slotsPerRun(flows, PERIOD, FULL_PASS));
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flow-expiry");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleAtFixedRate(expiry, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        if (scheduler != null) scheduler.shutdownNow();
    }
}
