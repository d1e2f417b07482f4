package org.gwlbinspect.appliance.health;

import com.codahale.metrics.health.HealthCheck;

/** Dropwizard's admin {@code /healthcheck} view of the same data-plane health as {@code /health}. */
public final class DataPlaneHealthCheck extends HealthCheck {
    private final DataPlaneHealthMonitor monitor;

    public DataPlaneHealthCheck(DataPlaneHealthMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    protected Result check() {
        HealthReport report = monitor.current();
        return report.healthy() ? Result.healthy() : Result.unhealthy(String.join("; ", report.reasons()));
    }
}
