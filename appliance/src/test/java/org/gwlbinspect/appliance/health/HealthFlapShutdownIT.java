package org.gwlbinspect.appliance.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;

/**
 * A health flap (the health port closed while unhealthy, reopened on recovery) must not slow the later shutdown: the
 * stop has to take about as long as without the flap, not Jetty's whole graceful-stop grace (30 s).
 */
class HealthFlapShutdownIT {

    @Test
    void stopsPromptlyAfterTheHealthPortWasClosedAndReopened() throws Exception {
        TestAppliance appliance = TestAppliance.start();
        CompletableFuture<Void> stopped = null;
        try {
            // Keep-alive connections to the health port, as a load balancer's HTTP checks hold them.
            assertThat(appliance.get(appliance.healthPort, "/health").statusCode())
                    .isEqualTo(200);
            // Health checks keep coming while the port closes and reopens, as GWLB's do (every few seconds from
            // each GWLB node): some are in flight when the connector stops.
            AtomicBoolean checking = new AtomicBoolean(true);
            List<Thread> checkers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                checkers.add(Thread.ofPlatform().daemon().start(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (checking.get() && System.nanoTime() < deadline) {
                        try {
                            appliance.get(appliance.healthPort, "/health");
                        } catch (Exception refusedOrCut) {
                            // closed while unhealthy
                        }
                    }
                }));
            }
            CountDownLatch release = new CountDownLatch(1);
            try {
                TestAppliance.stall(
                        appliance.application().dataPlane().workers().get(0), release);
                TestAppliance.await(
                        Duration.ofSeconds(5),
                        () -> !TestAppliance.tcpConnects(appliance.healthPort, 500),
                        "health port to close");
            } finally {
                release.countDown();
            }
            TestAppliance.await(
                    Duration.ofSeconds(5),
                    () -> TestAppliance.tcpConnects(appliance.healthPort, 500),
                    "health port to reopen");
            appliance.awaitHealthy(Duration.ofSeconds(5));
            checking.set(false);
            for (Thread checker : checkers) checker.join(5_000);

            long start = System.nanoTime();
            stopped = CompletableFuture.runAsync(appliance::close);
            // Bounded wait: Jetty's own bound is the 30 s grace; fail well before it.
            stopped.get(20, TimeUnit.SECONDS);
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(stopMillis)
                    .as("stop after a health flap, ms (Jetty's grace is 30 000)")
                    .isLessThan(10_000);
        } finally {
            if (stopped == null) appliance.close();
        }
    }
}
