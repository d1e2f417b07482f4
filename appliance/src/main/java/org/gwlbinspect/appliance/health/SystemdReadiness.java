package org.gwlbinspect.appliance.health;

import java.lang.management.ManagementFactory;

/**
 * Reports the appliance's health to systemd: {@code READY=1} the first time the data plane is healthy once the server
 * (and so the health port) has started, then a status line at every change, shown by {@code systemctl status}.
 */
public final class SystemdReadiness implements DataPlaneHealthMonitor.TransitionListener {
    private final SystemdNotifier systemd;
    private boolean serverStarted;
    private boolean ready;

    public SystemdReadiness(SystemdNotifier systemd) {
        this.systemd = systemd;
    }

    /** Called once Jetty has started its connectors. */
    public synchronized void serverStarted(HealthReport current) {
        serverStarted = true;
        onHealthChanged(current);
    }

    @Override
    public synchronized void onHealthChanged(HealthReport report) {
        if (!serverStarted) return;
        if (report.healthy() && !ready) {
            ready = true;
            systemd.ready("healthy " + ManagementFactory.getRuntimeMXBean().getUptime() + " ms after JVM start");
        } else if (report.healthy()) {
            systemd.status("healthy");
        } else {
            systemd.status("unhealthy: " + String.join("; ", report.reasons()));
        }
    }
}
