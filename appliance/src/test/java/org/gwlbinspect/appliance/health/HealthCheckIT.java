package org.gwlbinspect.appliance.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.gwlbinspect.appliance.TestAppliance;
import org.gwlbinspect.appliance.dataplane.Worker;
import org.junit.jupiter.api.Test;

/** The GWLB target-group check: 200 only while every worker is bound and making progress. */
class HealthCheckIT {

    @Test
    void answers200WithEveryWorkerWhenHealthy() throws Exception {
        try (TestAppliance appliance = TestAppliance.start()) {
            HttpResponse<String> response = appliance.get(appliance.healthPort, "/health");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body())
                    .contains("\"healthy\":true")
                    .contains("\"id\":0")
                    .contains("\"id\":1");
            assertThat(response.body()).contains("\"reasons\":[]");
        }
    }

    @Test
    void warmsTheDataPathUpBeforeTurningHealthyWithoutShowingItsPackets() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("health.warmUpPackets=100000")) {
            // Healthy only after the whole warm-up ran (start() waited for health), and none of its packets went
            // through a worker: the warm-up's pipeline, flow table and counters are its own.
            assertThat(appliance.metric("appliance_warmup_packets")).isEqualTo(100_000);
            assertThat(appliance.metricSum("appliance_received_packets_total")).isZero();
            assertThat(appliance.metricSum("appliance_flows_active")).isZero();
        }
    }

    @Test
    void stalledWorkerTurnsHealth503WithReason() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("health.closeListenerWhenUnhealthy=false")) {
            CountDownLatch release = new CountDownLatch(1);
            Worker worker = appliance.application().dataPlane().workers().get(1);
            try {
                TestAppliance.stall(worker, release);
                TestAppliance.await(Duration.ofSeconds(5), () -> status(appliance) == 503, "health to turn 503");
                HttpResponse<String> response = appliance.get(appliance.healthPort, "/health");
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.body()).contains("\"healthy\":false").contains("worker 1 stalled: no progress for");
            } finally {
                release.countDown();
            }
            TestAppliance.await(Duration.ofSeconds(5), () -> status(appliance) == 200, "health to recover");
        }
    }

    @Test
    void deadWorkerTurnsHealth503() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("health.closeListenerWhenUnhealthy=false")) {
            Worker worker = appliance.application().dataPlane().workers().get(0);
            worker.closeSocket().syncUninterruptibly();
            TestAppliance.await(Duration.ofSeconds(5), () -> status(appliance) == 503, "health to turn 503");
            assertThat(appliance.get(appliance.healthPort, "/health").body())
                    .contains("worker 0 is not bound to the GENEVE port");
        }
    }

    @Test
    void stopsListeningWhileUnhealthySoTcpChecksFailToo() throws Exception {
        try (TestAppliance appliance = TestAppliance.start()) {
            assertThat(TestAppliance.tcpConnects(appliance.healthPort, 500)).isTrue();
            CountDownLatch release = new CountDownLatch(1);
            try {
                TestAppliance.stall(
                        appliance.application().dataPlane().workers().get(0), release);
                TestAppliance.await(
                        Duration.ofSeconds(5),
                        () -> !TestAppliance.tcpConnects(appliance.healthPort, 500),
                        "health port to close");
                assertThatThrownBy(() ->
                                new Socket().connect(new InetSocketAddress("127.0.0.1", appliance.healthPort), 1000))
                        .isInstanceOf(ConnectException.class);
                // The reason stays readable on the admin port.
                HttpResponse<String> admin = appliance.get(appliance.adminPort, "/healthcheck");
                assertThat(admin.statusCode()).isEqualTo(500);
                assertThat(admin.body()).contains("data-plane").contains("worker 0 stalled");
            } finally {
                release.countDown();
            }
            TestAppliance.await(
                    Duration.ofSeconds(5),
                    () -> TestAppliance.tcpConnects(appliance.healthPort, 500),
                    "health port to reopen");
            appliance.awaitHealthy(Duration.ofSeconds(5));
        }
    }

    private static int status(TestAppliance appliance) {
        try {
            return appliance.get(appliance.healthPort, "/health").statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
