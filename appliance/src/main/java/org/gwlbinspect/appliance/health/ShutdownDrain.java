package org.gwlbinspect.appliance.health;

import io.dropwizard.lifecycle.Managed;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graceful drain on shutdown (SIGTERM): the health check fails at once, and the data path keeps returning the packets
 * of existing flows for {@code health.drainTime} before it stops, so GWLB can move new flows to other targets during
 * its deregistration delay without a packet lost in between.
 *
 * <p>Registered as the last managed object so that Jetty, which stops beans in reverse order, stops it first, while
 * the data plane is still running. Jetty has already closed the connectors by then, so TCP and HTTP health checks
 * fail from the first moment of the shutdown; the monitor's state turns unhealthy too (admin view, logs).
 */
public final class ShutdownDrain implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDrain.class);

    private final DataPlaneHealthMonitor monitor;
    private final Duration drainTime;
    private final SystemdNotifier systemd;

    public ShutdownDrain(DataPlaneHealthMonitor monitor, Duration drainTime, SystemdNotifier systemd) {
        this.monitor = monitor;
        this.drainTime = drainTime;
        this.systemd = systemd;
    }

    @Override
    public void start() {}

    @Override
    public void stop() throws InterruptedException {
        monitor.startDraining();
        systemd.stopping("draining for " + drainTime.toSeconds() + " s");
        if (drainTime.isZero()) return;
        LOG.info("draining: health check failing, data path forwarding for another {} s", drainTime.toSeconds());
        long start = System.nanoTime();
        Thread.sleep(drainTime);
        LOG.info("drain over after {} ms, stopping the data path", (System.nanoTime() - start) / 1_000_000);
    }
}
