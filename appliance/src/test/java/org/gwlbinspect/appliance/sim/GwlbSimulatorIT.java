package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.sim.SimTestServers.Curl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The simulator as a user runs it, as root: its own appliance from target/appliance.jar with a domain allow-list, real
 * curl in the client namespaces, JDK HTTP servers in the server namespaces. Each test deletes everything it made.
 */
class GwlbSimulatorIT {
    private static final Path JAR = Path.of("target/appliance.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target/gwlb-sim-it").toAbsolutePath();

    private static SimOptions options(Path policy, int endpoints, CookieRotation rotation) {
        return new SimOptions(endpoints, rotation, null, JAR, policy, WORK, SimStateFiles.DEFAULT_DIRECTORY, 120_000);
    }

    private static Path policy(String name, String... domains) throws Exception {
        Files.createDirectories(WORK);
        Path file = WORK.resolve(name + ".allowlist.txt");
        Files.writeString(file, String.join("\n", domains) + "\n");
        return file;
    }

    private static Curl get(Topology t, int k, String host, String url) throws Exception {
        return SimTestServers.curl(t, k, 4, "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: " + host, url);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void enforcesDomainAllowListForTwoOverlappingEndpointsOverIpv4AndIpv6WhileCookiesRotate() throws Exception {
        Path policy = policy("allow", "allowed.example");
        // A new cookie every 7 packets toward the appliance: every multi-packet flow below sees rotations mid-flow.
        GwlbSimulator sim = GwlbSimulator.start(options(policy, 2, new CookieRotation(7, Duration.ZERO)));
        Topology t = sim.topology();
        try (sim;
                SimTestServers servers = SimTestServers.start(t)) {
            String v4 = "http://" + Topology.SERVER_IPV4 + ":" + SimTestServers.HTTP_PORT;
            String v6 = "http://[" + Topology.SERVER_IPV6 + "]:" + SimTestServers.HTTP_PORT;

            assertThat(get(t, 1, "allowed.example", v4 + "/")).isEqualTo(new Curl(0, "200"));
            assertThat(get(t, 1, "denied.example", v4 + "/").exitCode()).isEqualTo(28); // dropped: curl times out
            assertThat(get(t, 1, "allowed.example", v6 + "/")).isEqualTo(new Curl(0, "200"));
            // Endpoint 2 has the same client address, and reaches its own server through the same appliance.
            assertThat(SimTestServers.curl(t, 2, 4, "-H", "Host: allowed.example", v4 + "/"))
                    .isEqualTo(new Curl(0, "server 2"));
            assertThat(SimTestServers.curl(t, 1, 4, "-H", "Host: allowed.example", v4 + "/"))
                    .isEqualTo(new Curl(0, "server 1"));
            // A 2 MB download: hundreds of packets, a new cookie every 7 toward the appliance.
            assertThat(SimTestServers.curl(
                            t,
                            1,
                            20,
                            "-o",
                            "/dev/null",
                            "-w",
                            "%{size_download}",
                            "-H",
                            "Host: allowed.example",
                            v4 + "/bytes/2000000"))
                    .isEqualTo(new Curl(0, "2000000"));

            Path alerts = sim.applianceDirectory().resolve("alert.json");
            assertThat(waitForText(alerts, "denied.example", 10))
                    .as("alert log names the denied host")
                    .isTrue();
        }

        SimReport report = sim.report();
        assertThat(report.fromClient()).isPositive();
        assertThat(report.fromServer()).isPositive();
        assertThat(report.sentToAppliance()).isEqualTo(report.fromClient() + report.fromServer());
        assertThat(report.forwarded()).isPositive();
        assertThat(report.cookieRotations()).isPositive();
        // The appliance copies the latest header of each flow: nothing but stale cookies (replies in flight while
        // a flow got a new cookie) may be refused, and every accepted reply was forwarded.
        assertThat(report.dropped())
                .containsEntry("wrong_outer_port", 0L)
                .containsEntry("header_mismatch", 0L)
                .containsEntry("unknown_flow", 0L)
                .containsEntry("unknown_endpoint", 0L)
                .containsEntry("wrong_source_address", 0L)
                .containsEntry("malformed_geneve", 0L)
                .containsEntry("forward_failed", 0L);
        assertThat(report.returned() - report.dropped().get("stale_cookie")).isEqualTo(report.forwarded());
        assertThat(report.endpoints()).hasSize(2);
        assertThat(report.endpoints()).allSatisfy(e -> assertThat(e.flows()).isPositive());
        assertThat(report.endpoints().get(1).endpointId()).isEqualTo("vpce-00abcdef012345672");
        assertNamespacesGone(t);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void reloadsPolicyDuringTrafficWithoutLosingAFlow() throws Exception {
        Path policy = policy("reload", "allowed.example");
        GwlbSimulator sim = GwlbSimulator.start(options(policy, 1, CookieRotation.NEVER));
        Topology t = sim.topology();
        try (sim;
                SimTestServers servers = SimTestServers.start(t)) {
            String url = "http://" + Topology.SERVER_IPV4 + ":" + SimTestServers.HTTP_PORT;
            assertThat(get(t, 1, "later.example", url + "/").exitCode()).isEqualTo(28);
            ExecutorService clients = Executors.newFixedThreadPool(2);
            try {
                // Requests run back to back (each a new flow) while the policy file changes under the appliance.
                Future<List<Curl>> traffic = clients.submit(() -> {
                    List<Curl> results = new ArrayList<>();
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
                    while (System.nanoTime() < end && results.size() < 200) {
                        results.add(get(t, 1, "allowed.example", url + "/bytes/20000"));
                    }
                    return results;
                });
                Thread.sleep(2_000);
                Files.writeString(policy, "allowed.example\nlater.example\n"); // policy.watch reloads it
                List<Curl> results = traffic.get(60, TimeUnit.SECONDS);
                assertThat(results).hasSizeGreaterThan(3).allSatisfy(c -> assertThat(c)
                        .isEqualTo(new Curl(0, "200")));
            } finally {
                clients.shutdownNow();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            Curl later;
            do {
                later = get(t, 1, "later.example", url + "/");
            } while (!later.equals(new Curl(0, "200")) && System.nanoTime() < deadline);
            assertThat(later).as("the reloaded policy allows later.example").isEqualTo(new Curl(0, "200"));
        }
        assertNamespacesGone(t);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void keepsAFlowGoingAfterARebalanceWhenTheStreamExceptionPolicyIsContinue() throws Exception {
        // NFW bundle: allow-list allowed.example, StreamExceptionPolicy CONTINUE (the default DROP would end the flow).
        Files.createDirectories(WORK);
        Path policy = WORK.resolve("allow-continue.json");
        try (var in = GwlbSimulatorIT.class.getResourceAsStream("/sim/allow-continue.json")) {
            Files.copy(in, policy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        GwlbSimulator sim = GwlbSimulator.start(options(policy, 1, CookieRotation.NEVER));
        Topology t = sim.topology();
        ExecutorService client = Executors.newSingleThreadExecutor();
        try (sim;
                SimTestServers servers = SimTestServers.start(t)) {
            String url = "http://" + Topology.SERVER_IPV4 + ":" + SimTestServers.HTTP_PORT + "/bytes/3000000";
            // About 10 s at 300 kB/s: the appliance is replaced while the response streams.
            Future<Curl> download = client.submit(() -> SimTestServers.curl(
                    t,
                    1,
                    90,
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{size_download}",
                    "--limit-rate",
                    "300k",
                    "-H",
                    "Host: allowed.example",
                    url));
            Thread.sleep(2_000);
            assertThat(download.isDone()).as("the download is still running").isFalse();
            sim.restartAppliance();

            assertThat(download.get(120, TimeUnit.SECONDS)).isEqualTo(new Curl(0, "3000000"));
            // The new appliance picked the flow up midstream.
            String metrics = appliance(
                    t, "curl", "-s", "-m", "5", "http://127.0.0.1:" + ApplianceProcess.ADMIN_PORT + "/metrics");
            assertThat(metrics).containsPattern("appliance_stateful_midstream_flows_total(\\{[^}]*\\})? [1-9]");
        } finally {
            client.shutdownNow();
        }
        assertThat(sim.report().dropped()).containsEntry("unknown_flow", 0L).containsEntry("header_mismatch", 0L);
        assertNamespacesGone(t);
    }

    /** Runs a command in the appliance namespace and returns its output. */
    private static String appliance(Topology t, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", t.applianceNamespace()));
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    private static boolean waitForText(Path file, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) return true;
            Thread.sleep(200);
        }
        return false;
    }

    private static void assertNamespacesGone(Topology t) {
        for (String ns : t.namespaces()) {
            assertThat(Path.of(NamespaceThreads.NETNS_DIRECTORY, ns)).doesNotExist();
        }
        assertThat(SimStateFiles.DEFAULT_DIRECTORY.resolve(t.prefix() + ".json"))
                .doesNotExist();
    }
}
