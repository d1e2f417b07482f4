package org.gwlbinspect.appliance.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.gwlbinspect.appliance.GwlbPeer;
import org.junit.jupiter.api.Test;

/**
 * The appliance as systemd runs it: its own JVM from the shaded jar with the AMI's configuration
 * (packer/files/appliance.yml and policy.json, ports moved to loopback), {@code NOTIFY_SOCKET} set, stopped with a
 * real SIGTERM. Start-up: the health check never answers 200 before the policy is compiled and the data plane bound,
 * the time to healthy is logged, and READY=1 follows. Shutdown: the health port closes at once, every packet of an
 * existing flow is still returned during health.drainTime, STOPPING=1 is sent, and the JVM exits with 143 (which the
 * unit's SuccessExitStatus counts as a clean stop).
 */
class ProcessLifecycleIT {
    private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    @Test
    void startsHealthyOnlyWhenReadyAndDrainsOnSigterm() throws Throwable {
        int dataPort = freeUdpPort();
        int healthPort = freeTcpPort();
        int adminPort = freeTcpPort();
        Path dir = Files.createDirectories(Path.of("target/process-lifecycle-it"));
        Path log = dir.resolve("appliance.log");
        try (NotifySocket systemd = new NotifySocket(dir.toAbsolutePath().resolve("notify.sock"))) {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // The stateful stage's 180 MiB, 65 536 flows and the warm-up's own ~20 MiB of state.
                    "-Xms384m",
                    "-Xmx384m",
                    "-Ddw.dataPlane.bindAddress=127.0.0.1",
                    "-Ddw.dataPlane.port=" + dataPort,
                    "-Ddw.dataPlane.workers=2",
                    "-Ddw.dataPlane.allowedSources=127.0.0.0/8",
                    "-Ddw.flows.capacity=65536",
                    "-Ddw.policy.path=" + REPOSITORY.resolve("packer/files/policy.json"),
                    "-Ddw.logs.alertFile=" + dir.toAbsolutePath().resolve("alert.json"),
                    "-Ddw.logs.flowFile=" + dir.toAbsolutePath().resolve("flow.json"),
                    "-Ddw.health.drainTime=3s",
                    "-Ddw.health.checkInterval=100ms",
                    "-Ddw.server.applicationConnectors[0].bindHost=127.0.0.1",
                    "-Ddw.server.applicationConnectors[0].port=" + healthPort,
                    "-Ddw.server.adminConnectors[0].bindHost=127.0.0.1",
                    "-Ddw.server.adminConnectors[0].port=" + adminPort,
                    "-jar",
                    Path.of("target/appliance.jar").toAbsolutePath().toString(),
                    "server",
                    REPOSITORY.resolve("packer/files/appliance.yml").toString()));
            ProcessBuilder builder =
                    new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("NOTIFY_SOCKET", systemd.path());
            Process appliance = builder.start();
            try {
                // Start-up: poll the health check from the first moment; nothing but "refused" or 503 before 200.
                List<Integer> before = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int status;
                while ((status = health(healthPort)) != 200) {
                    assertThat(appliance.isAlive())
                            .as("the appliance exited:\n" + Files.readString(log))
                            .isTrue();
                    assertThat(System.nanoTime()).as("healthy within 60 s").isLessThan(deadline);
                    before.add(status);
                    Thread.sleep(10);
                }
                // Until Jetty starts, the health port is closed (refused); while unhealthy it is closed or answers 503.
                assertThat(before)
                        .as("health answers before the first 200")
                        .isNotEmpty()
                        .allSatisfy(s -> assertThat(s).isIn(-1, 503));
                String startLog = Files.readString(log);
                int policyCompiled =
                        startLog.indexOf("policy " + REPOSITORY.resolve("packer/files/policy.json") + " OK");
                int bound = startLog.indexOf("data plane listening on 127.0.0.1:" + dataPort);
                int warmedUp = startLog.indexOf("data path warmed up: 200000 synthetic packets in ");
                int healthy = startLog.indexOf("data plane healthy");
                assertThat(policyCompiled).as(startLog).isNotNegative();
                assertThat(bound).as(startLog).isGreaterThan(policyCompiled);
                // The default warm-up runs with the production policy once the workers are bound, before health.
                assertThat(warmedUp).as(startLog).isGreaterThan(bound);
                assertThat(healthy).as(startLog).isGreaterThan(warmedUp);
                assertThat(Pattern.compile("data plane healthy \\d+ ms after JVM start")
                                .matcher(startLog)
                                .find())
                        .as("time to healthy logged")
                        .isTrue();
                String ready = systemd.receive(Duration.ofSeconds(10));
                assertThat(ready).startsWith("READY=1\nSTATUS=healthy ").endsWith(" ms after JVM start");

                try (GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, dataPort)) {
                    byte[] packet = GwlbPeer.bytes(
                            gwlb(ipv4Packet(17, ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), udp(1000, 2000, new byte[32]))));
                    gwlb.send(34000, packet);
                    assertThat(gwlb.receive(Duration.ofSeconds(2)))
                            .as("a flow forwarded")
                            .isNotNull();

                    long sigterm = System.nanoTime();
                    appliance.destroy(); // SIGTERM, as systemctl stop sends
                    while (health(healthPort) != -1) {
                        assertThat(System.nanoTime() - sigterm)
                                .as("health port closed within 800 ms of SIGTERM")
                                .isLessThan(TimeUnit.MILLISECONDS.toNanos(800));
                        Thread.sleep(10);
                    }
                    int sent = 0;
                    int returned = 0;
                    // The first 2 s of the 3 s drain: every packet of the flow still comes back.
                    while (System.nanoTime() - sigterm < TimeUnit.SECONDS.toNanos(2)) {
                        gwlb.send(34000, packet);
                        sent++;
                        if (gwlb.receive(Duration.ofMillis(500)) != null) returned++;
                        Thread.sleep(50);
                    }
                    assertThat(sent).isGreaterThan(10);
                    assertThat(returned).as("packets returned during the drain").isEqualTo(sent);
                    // The status line "unhealthy: draining" comes first, from the health transition.
                    List<String> messages = new ArrayList<>();
                    for (String m; (m = systemd.receive(Duration.ofSeconds(1))) != null; ) messages.add(m);
                    assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("STOPPING=1\nSTATUS=draining"));

                    assertThat(appliance.waitFor(20, TimeUnit.SECONDS))
                            .as("exited after the drain")
                            .isTrue();
                    long stoppedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigterm);
                    assertThat(stoppedMillis)
                            .as("the stop waited for the drain")
                            .isGreaterThanOrEqualTo(3000);
                    assertThat(appliance.exitValue()).as("128 + SIGTERM").isEqualTo(143);
                    assertThat(Files.readString(log))
                            .contains("drain over after")
                            .contains("data plane stopped");
                    gwlb.send(34000, packet);
                    assertThat(gwlb.receive(Duration.ofMillis(300)))
                            .as("nothing after the exit")
                            .isNull();
                }
            } finally {
                appliance.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The health check's status, or -1 when the port refuses the connection (or does not answer in time). */
    private static int health(int port) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofMillis(500))
                    .build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
