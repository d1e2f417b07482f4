package org.gwlbinspect.appliance.health;

/**
 * Reports the appliance's health to systemd: {@code READY=1} the first time the data plane is healthy once the server
 * (and so the health port) has started, then a status line at every change, shown by {@code systemctl status}.
 */
public final class SystemdReadiness implements DataPlaneHealthMonitor.TransitionListener {
    private final SystemdNotifier systemd;
    private final StartupTime startupTime;
    private boolean serverStarted;
    private boolean ready;

    /** @param startupTime the monitor's record of its first healthy verdict, reported with {@code READY=1} */
    public SystemdReadiness(SystemdNotifier systemd, StartupTime startupTime) {
        this.systemd = systemd;
        this.startupTime = startupTime;
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
            // The first healthy verdict's figure, not the time now (Jetty has started since): the log says the same.
            systemd.ready("healthy " + startupTime.healthyAfterJvmStartMillis() + " ms after JVM start");
        } else if (report.healthy()) {
            systemd.status("healthy");
        } else {
            systemd.status("unhealthy: " + String.join("; ", report.reasons()));
        }
    }
}
