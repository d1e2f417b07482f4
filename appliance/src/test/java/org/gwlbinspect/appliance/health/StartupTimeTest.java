package org.gwlbinspect.appliance.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * "Healthy N ms after JVM start": N runs from the JVM's start (not the process's first instant, which heap pre-touch
 * can put minutes earlier) to the first healthy verdict (not to when it is read).
 */
class StartupTimeTest {
    private static final long JVM_START = 1_764_000_000_000L;

    private final AtomicLong now = new AtomicLong(JVM_START);
    private final AtomicLong processUptime = new AtomicLong();
    private final StartupTime startup = new StartupTime(now::get, JVM_START, processUptime::get);

    @Test
    void measuresFromJvmStartToTheFirstHealthyVerdictNotFromTheProcessStart() {
        assertThat(startup.healthyAfterJvmStartMillis()).isEqualTo(-1);
        // The process pre-touched its heap for 107 s before the JVM started; 14 s later the data plane is healthy.
        now.set(JVM_START + 14_012);
        processUptime.set(121_130);
        assertThat(startup.healthyNow()).isTrue();
        assertThat(startup.healthyAfterJvmStartMillis()).isEqualTo(14_012);
        assertThat(startup.processUptimeAtHealthyMillis()).isEqualTo(121_130);
    }

    @Test
    void keepsTheFirstVerdictAcrossLaterOnes() {
        now.set(JVM_START + 9_000);
        processUptime.set(9_400);
        assertThat(startup.healthyNow()).isTrue();
        now.set(JVM_START + 60_000); // a health flap and recovery a minute later
        processUptime.set(60_400);
        assertThat(startup.healthyNow()).isFalse();
        assertThat(startup.healthyAfterJvmStartMillis()).isEqualTo(9_000);
        assertThat(startup.processUptimeAtHealthyMillis()).isEqualTo(9_400);
    }

    @Test
    void systemdReadinessReportsTheFigureOfTheVerdictNotOfTheMomentJettyStarted() throws Throwable {
        Path dir = Files.createTempDirectory("notify");
        try (NotifySocket socket = new NotifySocket(dir.resolve("notify.sock"))) {
            SystemdReadiness readiness = new SystemdReadiness(SystemdNotifier.forSocket(socket.path()), startup);
            HealthReport healthy = new HealthReport(true, List.of(), List.of());
            now.set(JVM_START + 14_012);
            processUptime.set(121_130);
            startup.healthyNow();
            readiness.onHealthChanged(healthy); // before Jetty started: nothing sent yet
            now.set(JVM_START + 16_500); // Jetty's start took 2.5 s
            processUptime.set(123_618);
            readiness.serverStarted(healthy);
            assertThat(socket.receive(Duration.ofSeconds(5)))
                    .isEqualTo("READY=1\nSTATUS=healthy 14012 ms after JVM start");
        } finally {
            Files.deleteIfExists(dir.resolve("notify.sock"));
            Files.deleteIfExists(dir);
        }
    }
}
