package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.cli.SuggestAllowlistCommandAccess;
import org.gwlbinspect.appliance.sim.demo.CommandResult;
import org.gwlbinspect.appliance.sim.demo.DemoServers;
import org.gwlbinspect.appliance.sim.demo.NamespaceExecutor;
import org.gwlbinspect.appliance.sim.demo.RequiredTools;
import org.gwlbinspect.appliance.sim.demo.ServerAddresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Learning mode end to end, as root, through the simulated GWLB with real clients and servers (docs/learning-mode.md):
 * the appliance runs {@code examples/policies/learning-monitor.json} (strict order, {@code aws:drop_established}: it
 * would drop every name) in monitor mode, so curl's requests for several TLS SNI and HTTP Host names all get through
 * and are logged with {@code would_verdict}; {@code suggest-allowlist} turns the alert log into an allow-list added to
 * that policy; the appliance restarts enforcing it, and the same requests pass while names not learned are dropped.
 */
class LearningModeIT {
    private static final Path WORK = Path.of("target/learning-mode-it").toAbsolutePath();
    private static final String SERVER = Topology.SERVER_IPV4;
    private static final Duration EXPECTED_FAILURE = Duration.ofSeconds(4);

    @AfterEach
    void clearApplianceOptions() {
        System.clearProperty(ApplianceProcess.JVM_OPTIONS_PROPERTY);
    }

    /** {@code curl} in the client namespace; HTTPS with {@code --resolve}, so the SNI is the name, and any certificate. */
    private static CommandResult curl(NamespaceExecutor client, String url, String name, int maxSeconds)
            throws Exception {
        List<String> argv = new ArrayList<>(List.of(
                "curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", Integer.toString(maxSeconds)));
        if (url.startsWith("https")) {
            argv.addAll(List.of("--resolve", name + ":443:" + SERVER));
        } else {
            argv.addAll(List.of("-H", "Host: " + name));
        }
        argv.add(url);
        return client.run(argv, Duration.ofSeconds(maxSeconds + 5));
    }

    private static void assertPasses(NamespaceExecutor client, String scheme, String name) throws Exception {
        String url = scheme.equals("https") ? "https://" + name + "/" : "http://" + SERVER + "/";
        CommandResult r = curl(client, url, name, 10);
        assertThat(r.exitCode()).as("%s://%s: %s", scheme, name, r.output()).isZero();
        assertThat(r.output()).as("%s://%s", scheme, name).isEqualTo("200");
    }

    private static void assertDropped(NamespaceExecutor client, String scheme, String name) throws Exception {
        String url = scheme.equals("https") ? "https://" + name + "/" : "http://" + SERVER + "/";
        CommandResult r = curl(client, url, name, (int) EXPECTED_FAILURE.toSeconds());
        // 28: operation timed out (the ClientHello or request never reached the server)
        assertThat(r.exitCode()).as("%s://%s: %s", scheme, name, r.output()).isEqualTo(28);
    }

    private static String waitForNames(Path alertLog, List<String> names) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String text = "";
        while (System.nanoTime() < deadline) {
            String now = Files.exists(alertLog) ? Files.readString(alertLog) : "";
            text = now;
            if (names.stream().allMatch(n -> now.contains("\"" + n + "\""))) return now;
            Thread.sleep(100);
        }
        return text;
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aLearnedAllowListLetsTheSameTrafficThroughAndNothingElse() throws Exception {
        RequiredTools.require(RequiredTools.SERVERS);
        RequiredTools.require(RequiredTools.CLIENTS);
        Files.createDirectories(WORK);
        Path policy = WORK.resolve("policy.json");
        Files.copy(
                Path.of("../examples/policies/learning-monitor.json"),
                policy,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.setProperty(ApplianceProcess.JVM_OPTIONS_PROPERTY, "-Ddw.policy.enforcement=monitor");
        SimOptions options = new SimOptions(
                1,
                CookieRotation.NEVER,
                IdleTimeouts.GWLB_DEFAULTS,
                null,
                Path.of("target/appliance.jar").toAbsolutePath(),
                policy,
                WORK,
                SimStateFiles.DEFAULT_DIRECTORY,
                120_000);
        try (GwlbSimulator sim = GwlbSimulator.start(options);
                DemoServers servers = DemoServers.start(
                        sim.topology().serverNamespace(1),
                        WORK,
                        ServerAddresses.of(Topology.SERVER_IPV4, Topology.SERVER_IPV6))) {
            NamespaceExecutor client = new NamespaceExecutor(sim.topology().clientNamespace(1));
            NamespaceExecutor appliance = new NamespaceExecutor(sim.topology().applianceNamespace());
            Path alertLog = sim.applianceDirectory().resolve("alert.json");

            // 1. Monitor mode: everything passes, although the policy would drop all of it.
            assertPasses(client, "https", "www.example.co.uk");
            assertPasses(client, "http", "api.example.co.uk");
            assertPasses(client, "https", "alice.github.io");
            assertPasses(client, "https", "www.demo.test"); // one of nginx's own names, with its certificate
            assertPasses(client, "https", "evil.example.net"); // on the policy's deny list: passes, not learned
            String monitored = waitForNames(
                    alertLog,
                    List.of(
                            "www.example.co.uk",
                            "api.example.co.uk",
                            "alice.github.io",
                            "www.demo.test",
                            "evil.example.net"));
            assertThat(monitored)
                    .contains("\"verdict\":{\"action\":\"alert\"},\"would_verdict\":{\"action\":\"drop\"}")
                    .doesNotContain("\"verdict\":{\"action\":\"drop\"");
            CommandResult metrics = appliance.run(
                    List.of("curl", "-s", "http://127.0.0.1:" + ApplianceProcess.ADMIN_PORT + "/metrics"),
                    Duration.ofSeconds(10));
            assertThat(metrics.output())
                    .contains("appliance_policy_enforcement{mode=\"monitor\"} 1.0")
                    .containsPattern("appliance_policy_monitor_would_block_packets_total\\{action=\"drop\","
                            + "engine=\"stateful\"} [1-9]");

            // 2. suggest-allowlist: the names the default action would have dropped, added to the same policy.
            Path enforced = WORK.resolve("enforce.json");
            ByteArrayOutputStream table = new ByteArrayOutputStream();
            int status = SuggestAllowlistCommandAccess.suggest(
                    new PrintStream(table, true, StandardCharsets.UTF_8),
                    List.of(alertLog),
                    WORK.resolve("learned-allowlist.json"),
                    policy,
                    enforced);
            String output = table.toString(StandardCharsets.UTF_8);
            assertThat(status).as(output).isZero();
            JsonNode group = new ObjectMapper()
                    .readTree(WORK.resolve("learned-allowlist.json").toFile());
            List<String> targets = new ArrayList<>();
            group.path("RuleGroup")
                    .path("RulesSource")
                    .path("RulesSourceList")
                    .path("Targets")
                    .forEach(t -> targets.add(t.asText()));
            assertThat(targets).as(output).containsExactly(".alice.github.io", ".demo.test", ".example.co.uk");
            assertThat(output).contains("seen only in alerts of other rules", "evil.example.net");

            // 3. Enforce the learned policy (a restart: the mode is read at start; the policy file is the new bundle).
            Files.copy(enforced, policy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.clearProperty(ApplianceProcess.JVM_OPTIONS_PROPERTY);
            sim.restartAppliance();
            assertPasses(client, "https", "www.example.co.uk");
            assertPasses(client, "http", "api.example.co.uk");
            assertPasses(client, "https", "alice.github.io");
            assertPasses(client, "https", "www.demo.test");
            assertPasses(client, "https", "shop.example.co.uk"); // same registrable domain: .example.co.uk covers it
            assertDropped(client, "https", "bob.github.io"); // another github.io tenant
            assertDropped(client, "https", "www.not-learned.com");
            assertDropped(client, "http", "www.not-learned.com");
            assertDropped(client, "https", "evil.example.net"); // the deny list still runs first
            CommandResult enforcing = appliance.run(
                    List.of("curl", "-s", "http://127.0.0.1:" + ApplianceProcess.ADMIN_PORT + "/metrics"),
                    Duration.ofSeconds(10));
            assertThat(enforcing.output()).contains("appliance_policy_enforcement{mode=\"enforce\"} 1.0");
        }
    }
}
