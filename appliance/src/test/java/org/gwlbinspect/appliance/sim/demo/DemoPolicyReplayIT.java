package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.gwlbinspect.appliance.replay.Replay;
import org.gwlbinspect.appliance.replay.ReplayOptions;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks {@code examples/policies/demo.json} against the script's expected verdicts without the simulator: captures the
 * demo's requests made straight between two namespaces (they all pass there), replays the capture through the
 * appliance's inspection pipeline with the demo policy ({@code replay}), and reads each request's flow verdict from the
 * replay's per-packet verdicts: REJECT if a packet was rejected, else DROP if one was dropped, else PASS.
 */
class DemoPolicyReplayIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream NO_OUTPUT = new PrintStream(PrintStream.nullOutputStream());

    @TempDir
    Path workDir;

    @Test
    @Timeout(240)
    void demoPolicyGivesEveryScriptedRequestItsExpectedVerdict() throws Exception {
        Path pcap = Files.createDirectory(workDir.resolve("capture")).resolve("demo.pcap");
        List<DemoRequest> requests;
        try (ClientServerNamespaces namespaces = ClientServerNamespaces.create("replay")) {
            namespaces.disableOffloads();
            try (DemoServers servers = DemoServers.start(namespaces.server(), workDir, ClientServerNamespaces.SERVER)) {
                requests = DemoScript.requests(ClientServerNamespaces.SERVER, servers.caCertificate());
                List<DemoResult> results;
                // Started after the servers' readiness probes: the capture holds the script's requests only.
                try (PacketCapture _ = PacketCapture.start(namespaces.client(), "veth-c", pcap, "tcp or udp")) {
                    results = new DemoRunner(
                                    new NamespaceExecutor(namespaces.client()), Optional.empty(), Duration.ZERO)
                            .results(DemoScript.withoutAppliance(requests), NO_OUTPUT);
                }
                assertThat(DemoRunner.exitCode(results))
                        .as(DemoTable.render(results))
                        .isZero();
            }
        }

        Path logs = Files.createDirectory(workDir.resolve("logs"));
        CompiledPolicy policy = compileDemoPolicy();
        try {
            Replay.run(ReplayOptions.of(pcap).withPolicy(policy).withOutputs(logs, null, null), NO_OUTPUT);
        } finally {
            policy.patterns().close();
        }
        List<FlowVerdict> flows = flowVerdicts(logs.resolve("verdicts.json"));

        // The script runs one request at a time and each makes one flow: the n-th flow is the n-th request's.
        assertThat(flows).as("flows in the capture: %s", flows).hasSize(requests.size());
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            expected.add(requests.get(i).label() + " -> " + requests.get(i).expected());
            actual.add(requests.get(i).label() + " -> " + flows.get(i).verdict());
        }
        assertThat(actual).isEqualTo(expected);
        assertThat(sidsOf(flows, requests, "curl http://" + DemoSite.MIRROR + ":8080" + DemoSite.BLOCKED_DOWNLOAD))
                .containsExactly(1000101L);
        assertThat(sidsOf(flows, requests, "dig " + DemoSite.DNS_BLOCKED + " A"))
                .containsExactly(1000103L);
        assertThat(sidsOf(flows, requests, "curl https://" + DemoSite.NOT_LISTED + "/"))
                .containsExactly(4L); // aws:alert_established
    }

    private static CompiledPolicy compileDemoPolicy() throws Exception {
        Path policy = Path.of("..", "examples", "policies", DemoPolicy.FILE_NAME);
        return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(policy);
    }

    private static TreeSet<Long> sidsOf(List<FlowVerdict> flows, List<DemoRequest> requests, String label) {
        for (int i = 0; i < requests.size(); i++) {
            if (requests.get(i).label().equals(label)) return flows.get(i).sids();
        }
        throw new AssertionError("no request " + label);
    }

    /** The verdict of one flow (both directions) and the sids that alerted on its packets. */
    record FlowVerdict(String key, Outcome verdict, TreeSet<Long> sids) {}

    private static List<FlowVerdict> flowVerdicts(Path verdicts) throws Exception {
        Map<String, Outcome> verdictByFlow = new LinkedHashMap<>();
        Map<String, TreeSet<Long>> sidsByFlow = new LinkedHashMap<>();
        for (String line : Files.readAllLines(verdicts)) {
            JsonNode v = JSON.readTree(line);
            assertThat(v.path("verdict").asText()).as(line).isNotEqualTo("skipped");
            String a = v.path("src_ip").asText() + "/" + v.path("src_port").asText();
            String b = v.path("dest_ip").asText() + "/" + v.path("dest_port").asText();
            String key = v.path("proto").asText() + " " + (a.compareTo(b) < 0 ? a + " " + b : b + " " + a);
            Outcome packet =
                    switch (v.path("verdict").asText()) {
                        case "pass" -> Outcome.PASS;
                        case "drop" -> Outcome.DROP;
                        case "reject" -> Outcome.REJECT;
                        default -> throw new AssertionError("unknown verdict in " + line);
                    };
            verdictByFlow.merge(key, packet, DemoPolicyReplayIT::stronger);
            TreeSet<Long> sids = sidsByFlow.computeIfAbsent(key, k -> new TreeSet<>());
            v.path("alert_sids").forEach(sid -> sids.add(sid.asLong()));
        }
        List<FlowVerdict> flows = new ArrayList<>();
        verdictByFlow.forEach((key, verdict) -> flows.add(new FlowVerdict(key, verdict, sidsByFlow.get(key))));
        return flows;
    }

    private static Outcome stronger(Outcome a, Outcome b) {
        if (a == Outcome.REJECT || b == Outcome.REJECT) return Outcome.REJECT;
        if (a == Outcome.DROP || b == Outcome.DROP) return Outcome.DROP;
        return Outcome.PASS;
    }
}
