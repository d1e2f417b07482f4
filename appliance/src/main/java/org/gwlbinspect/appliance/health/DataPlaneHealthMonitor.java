package org.gwlbinspect.appliance.health;

import io.dropwizard.lifecycle.Managed;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.gwlbinspect.appliance.config.HealthConfig;
import org.gwlbinspect.appliance.dataplane.DataPlane;
import org.gwlbinspect.appliance.dataplane.Worker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether this target should receive traffic: healthy only while every worker is bound and its event loop
 * has beaten within {@code health.maxWorkerStall} (gwlb.md §0 item 10: report the data plane, not the process).
 * Evaluated on its own thread; transitions are logged and passed to a listener (the health port guard).
 */
public final class DataPlaneHealthMonitor implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(DataPlaneHealthMonitor.class);

    /** Told about every change between healthy and unhealthy. */
    public interface TransitionListener {
        void onHealthChanged(HealthReport report);
    }

    private final DataPlane dataPlane;
    private final HealthConfig config;
    private final LongSupplier nanoClock;
    private final List<TransitionListener> listeners = new ArrayList<>();
    private volatile HealthReport current = HealthReport.starting();
    private boolean evaluatedOnce;
    private volatile boolean draining;
    private final StartupTime startupTime;
    private ScheduledExecutorService scheduler;

    public DataPlaneHealthMonitor(DataPlane dataPlane, HealthConfig config, LongSupplier nanoClock) {
        this(dataPlane, config, nanoClock, StartupTime.ofThisJvm());
    }

    DataPlaneHealthMonitor(DataPlane dataPlane, HealthConfig config, LongSupplier nanoClock, StartupTime startupTime) {
        this.dataPlane = dataPlane;
        this.config = config;
        this.nanoClock = nanoClock;
        this.startupTime = startupTime;
    }

    /** The time from JVM start to the first healthy verdict (systemd's readiness reports the same figure). */
    public StartupTime startupTime() {
        return startupTime;
    }

    public void addListener(TransitionListener listener) {
        listeners.add(listener);
    }

    public HealthReport current() {
        return current;
    }

    /** Evaluates the workers now; also called by tests with a controlled clock. */
    public synchronized HealthReport evaluate() {
        long now = nanoClock.getAsLong();
        long maxStallNanos = config.maxWorkerStall().toNanos();
        List<Worker> workers = dataPlane.workers();
        List<String> reasons = new ArrayList<>();
        List<HealthReport.WorkerHealth> states = new ArrayList<>();
        if (draining) reasons.add("draining: the appliance is shutting down");
        if (workers.isEmpty()) reasons.add("no data-plane workers are running");
        for (Worker worker : workers) {
            long sinceBeat = Math.max(0, now - worker.lastHeartbeatNanos());
            boolean bound = worker.isBound();
            if (!bound) reasons.add("worker " + worker.id() + " is not bound to the GENEVE port");
            else if (sinceBeat > maxStallNanos)
                reasons.add("worker " + worker.id() + " stalled: no progress for "
                        + TimeUnit.NANOSECONDS.toMillis(sinceBeat) + " ms");
            states.add(new HealthReport.WorkerHealth(
                    worker.id(),
                    bound,
                    TimeUnit.NANOSECONDS.toMillis(sinceBeat),
                    worker.counters().receivedPackets()));
        }
        HealthReport next = new HealthReport(reasons.isEmpty(), List.copyOf(reasons), List.copyOf(states));
        HealthReport previous = current;
        current = next;
        boolean first = !evaluatedOnce;
        evaluatedOnce = true;
        if (first || previous.healthy() != next.healthy()) {
            if (next.healthy() && startupTime.healthyNow()) {
                // Operators size warm-up and health-check thresholds from this figure (StartupTime says which start).
                LOG.info(
                        "data plane healthy {} ms after JVM start (process up {} ms: the JVM's creation, heap pre-touch"
                                + " included, took the difference)",
                        startupTime.healthyAfterJvmStartMillis(),
                        startupTime.processUptimeAtHealthyMillis());
            } else if (next.healthy()) LOG.info("data plane healthy");
            else LOG.warn("data plane unhealthy: {}", String.join("; ", next.reasons()));
            for (TransitionListener listener : listeners) listener.onHealthChanged(next);
        }
        return next;
    }

    /** From now on the appliance reports unhealthy (shutdown has begun); applied at once, not at the next tick. */
    public void startDraining() {
        draining = true;
        evaluate();
    }

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "health-monitor");
            t.setDaemon(true);
            return t;
        });
        long periodMillis = Math.max(1, config.checkInterval().toMillis());
        scheduler.scheduleWithFixedDelay(this::evaluateSafely, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void evaluateSafely() {
        try {
            evaluate();
        } catch (RuntimeException e) {
            LOG.error("health evaluation failed", e);
        }
    }

    @Override
    public void stop() {
        if (scheduler != null) scheduler.shutdownNow();
    }
}
