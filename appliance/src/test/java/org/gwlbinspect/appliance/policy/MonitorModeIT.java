package org.gwlbinspect.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code policy.enforcement: monitor} on the data path (docs/learning-mode.md): what the policy would drop is
 * returned to GWLB and counted, the mode shows in metrics and on the health page, and a reload keeps it.
 */
class MonitorModeIT {
    private static final String STATEFUL_DROPS =
            "appliance_policy_monitor_would_block_packets_total{action=\"drop\",engine=\"stateful\"}";
    private static final String STATELESS_DROPS =
            "appliance_policy_monitor_would_block_packets_total{action=\"drop\",engine=\"stateless\"}";

    private static byte[] udpTo(int port) {
        return GwlbPeer.bytes(
                gwlb(ipv4Packet(17, ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), udp(5000, port, new byte[16]))));
    }

    private static boolean answered(GwlbPeer gwlb, int sourcePort, int udpPort) throws Exception {
        gwlb.send(sourcePort, udpTo(udpPort));
        return gwlb.receive(Duration.ofSeconds(3)) != null;
    }

    @Test
    void passesAndCountsWhatTheStatefulEngineWouldDropAndShowsTheMode(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("drop-udp.rules");
        Files.writeString(policy, "drop udp any any -> any 7777 (msg:\"no udp 7777\"; sid:7;)\n");
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + policy, "policy.enforcement=monitor");
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            assertThat(answered(gwlb, 36001, 7777)).isTrue();
            assertThat(answered(gwlb, 36001, 7777)).isTrue(); // the flow's verdict, on the fast path
            assertThat(appliance.metric(STATEFUL_DROPS)).isEqualTo(2);
            assertThat(appliance.metric("appliance_dropped_packets_total{reason=\"policy_drop\"}"))
                    .isZero();
            assertThat(appliance.metric("appliance_policy_enforcement{mode=\"monitor\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_policy_enforcement{mode=\"enforce\"}"))
                    .isZero();
            assertThat(appliance.get(appliance.adminPort, "/healthcheck").body())
                    .contains("\"policy-enforcement\"")
                    .contains("monitor: drops and rejects are logged and counted, not carried out; policy version 1");
        }
    }

    @Test
    void aReloadKeepsMonitorMode(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, PolicyEnforcementIT.bundleDroppingUdpTo(9999));
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + policy, "policy.enforcement=MONITOR");
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            assertThat(answered(gwlb, 36101, 9999)).isTrue();
            assertThat(appliance.metric(STATELESS_DROPS)).isEqualTo(1);
            Files.writeString(policy, PolicyEnforcementIT.bundleDroppingUdpTo(9998));
            assertThat(reload(appliance).statusCode()).isEqualTo(200);
            assertThat(answered(gwlb, 36102, 9998)).isTrue();
            assertThat(appliance.metric(STATELESS_DROPS)).isEqualTo(2);
            assertThat(appliance.metric("appliance_policy_stateless_packets_total{action=\"aws:drop\"}"))
                    .isEqualTo(2);
            assertThat(appliance.get(appliance.adminPort, "/healthcheck").body())
                    .contains("monitor: drops and rejects are logged and counted, not carried out; policy version 2");
        }
    }

    @Test
    void enforcesByDefaultAndRefusesAnUnknownModeNamingTheKey(@TempDir Path dir) throws Exception {
        try (TestAppliance appliance = TestAppliance.start()) {
            assertThat(appliance.metric("appliance_policy_enforcement{mode=\"enforce\"}"))
                    .isEqualTo(1);
            assertThat(appliance.get(appliance.adminPort, "/healthcheck").body())
                    .contains("enforce: no policy (pass-through)");
        }
        assertThatThrownBy(() -> TestAppliance.start("policy.enforcement=block").close())
                .hasStackTraceContaining("policy.enforcement");
    }

    private static HttpResponse<String> reload(TestAppliance appliance) throws Exception {
        HttpRequest post = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + appliance.adminPort + "/tasks/reload-policy"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        return HttpClient.newHttpClient().send(post, HttpResponse.BodyHandlers.ofString());
    }
}
