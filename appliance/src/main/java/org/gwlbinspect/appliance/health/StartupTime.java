package org.gwlbinspect.appliance.health;

import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.util.function.LongSupplier;

/**
 * How long the appliance took to become healthy: from JVM start to the first healthy verdict of the data plane, the
 * figure operators size warm-up and health-check thresholds from (logged, and sent to systemd with {@code READY=1}).
 *
 * <p>JVM start is {@link RuntimeMXBean#getStartTime()}: the VM created, before {@code main}. {@link
 * RuntimeMXBean#getUptime()} counts from earlier, the process's first instant, and so includes the VM's creation,
 * with {@code -XX:+AlwaysPreTouch} the touching of every heap page (the systemd unit sets it): a 2 GiB heap took 107 s
 * of a 121 s uptime on a loaded two-core machine whose appliance then started in 14 s. Both are reported, so neither
 * is read as the other. Recorded once, at the verdict, so a later reader (systemd's readiness, sent once Jetty has
 * started) reports the same figure.
 */
public final class StartupTime {
    private final LongSupplier epochMillis;
    private final long jvmStartEpochMillis;
    private final LongSupplier processUptimeMillis;
    private long healthyAfterJvmStartMillis = -1;
    private long processUptimeAtHealthyMillis = -1;

    StartupTime(LongSupplier epochMillis, long jvmStartEpochMillis, LongSupplier processUptimeMillis) {
        this.epochMillis = epochMillis;
        this.jvmStartEpochMillis = jvmStartEpochMillis;
        this.processUptimeMillis = processUptimeMillis;
    }

    /** This JVM's start and clocks. */
    public static StartupTime ofThisJvm() {
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        return new StartupTime(System::currentTimeMillis, runtime.getStartTime(), runtime::getUptime);
    }

    /** Records the first healthy verdict now; true the first time only. */
    synchronized boolean healthyNow() {
        if (healthyAfterJvmStartMillis >= 0) return false;
        healthyAfterJvmStartMillis = Math.max(0, epochMillis.getAsLong() - jvmStartEpochMillis);
        processUptimeAtHealthyMillis = processUptimeMillis.getAsLong();
        return true;
    }

    /** Milliseconds from JVM start to the first healthy verdict, -1 before it. */
    public synchronized long healthyAfterJvmStartMillis() {
        return healthyAfterJvmStartMillis;
    }

    /** The process's uptime at the first healthy verdict (JVM creation included), -1 before it. */
    public synchronized long processUptimeAtHealthyMillis() {
        return processUptimeAtHealthyMillis;
    }
}
