package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.sim.SimTestServers.Curl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code gwlb-sim --appliance HOST:PORT}: the simulator in front of an appliance it did not start. The test starts the
 * appliance itself, in the appliance namespace, with the command docs/simulator.md gives (examples/local.yml with
 * overrides), and checks allowed and denied requests through it.
 */
class SimExternalApplianceIT {
    private static final Path JAR = Path.of("target/appliance.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target/gwlb-sim-it").toAbsolutePath();
    private static final Path LOCAL_CONFIG = Path.of("../examples/local.yml").toAbsolutePath();

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void filtersThroughAnApplianceItDidNotStart() throws Exception {
        Files.createDirectories(WORK);
        Path policy = Files.writeString(WORK.resolve("external.allowlist.txt"), "allowed.example\n");
        GwlbSimulator sim = GwlbSimulator.start(new SimOptions(
                1,
                CookieRotation.NEVER,
                IdleTimeouts.GWLB_DEFAULTS,
                new InetSocketAddress(Topology.APPLIANCE_IPV4, GwlbNode.GENEVE_PORT),
                JAR,
                null,
                WORK,
                SimStateFiles.DEFAULT_DIRECTORY,
                120_000));
        Topology t = sim.topology();
        Path directory = Files.createTempDirectory(WORK, "external-appliance-");
        assertThat(sim.applianceDirectory()).as("no appliance of its own").isNull();
        try (sim;
                SimTestServers servers = SimTestServers.start(t);
                ExternalAppliance appliance = ExternalAppliance.start(t, policy, directory)) {
            String url = "http://" + Topology.SERVER_IPV4 + ":" + SimTestServers.HTTP_PORT + "/";
            assertThat(SimTestServers.curl(t, 1, 4, "-H", "Host: allowed.example", url))
                    .isEqualTo(new Curl(0, "server 1"));
            assertThat(SimTestServers.curl(t, 1, 4, "-H", "Host: denied.example", url)
                            .exitCode())
                    .as("dropped: curl times out")
                    .isEqualTo(28);
            assertThat(SimNamespaceTools.waitForText(directory.resolve("logs/alert.json"), "denied.example", 10))
                    .as("the appliance's alert log names the denied host")
                    .isTrue();
        }
        SimReport report = sim.report();
        assertThat(report.appliance()).isEqualTo(Topology.APPLIANCE_IPV4 + ":" + GwlbNode.GENEVE_PORT);
        assertThat(report.forwarded()).isPositive();
        assertThat(report.dropped())
                .allSatisfy((label, n) -> assertThat(n).as(label).isZero());
        assertThat(sim.failure()).isNull();
        SimNamespaceTools.assertNamespacesGone(t);
    }

    /**
     * The appliance as a user starts it for {@code --appliance}: in the appliance namespace, examples/local.yml with the
     * overrides docs/simulator.md gives, its logs in {@code directory}; stopped (before the namespaces go) on close.
     */
    private record ExternalAppliance(Process process) implements AutoCloseable {
        static ExternalAppliance start(Topology t, Path policy, Path directory) throws Exception {
            Path log = directory.resolve("appliance.log");
            Process process = new ProcessBuilder(List.of(
                            "ip",
                            "netns",
                            "exec",
                            t.applianceNamespace(),
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-Xmx256m",
                            "-Ddw.dataPlane.bindAddress=0.0.0.0",
                            "-Ddw.dataPlane.allowedSources=" + Topology.GWLB_NODE_IPV4 + "/32",
                            "-Ddw.policy.path=" + policy,
                            "-jar",
                            JAR.toString(),
                            "server",
                            LOCAL_CONFIG.toString()))
                    .directory(directory.toFile()) // logs/alert.json and logs/flow.json land here
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            ExternalAppliance appliance = new ExternalAppliance(process);
            try {
                appliance.awaitHealthy(t, log);
                return appliance;
            } catch (Exception | AssertionError e) {
                appliance.close();
                throw e;
            }
        }

        /** Polls {@code GET /health} on local.yml's 127.0.0.1:8080 inside the appliance namespace, 90 s at most. */
        private void awaitHealthy(Topology t, Path log) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) throw new AssertionError("the appliance exited: " + Files.readString(log));
                SimNamespaceTools.Result health = SimNamespaceTools.run(
                        t.applianceNamespace(),
                        5,
                        "curl",
                        "-s",
                        "-m",
                        "1",
                        "-o",
                        "/dev/null",
                        "-w",
                        "%{http_code}",
                        "http://127.0.0.1:8080/health");
                if (health.output().equals("200")) return;
                Thread.sleep(250);
            }
            throw new AssertionError("the appliance was not healthy within 90 s: " + Files.readString(log));
        }

        @Override
        public void close() {
            process.destroy(); // SIGTERM: `ip netns exec` execs java in place, so this is the JVM
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
