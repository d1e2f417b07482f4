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
 * A stateless NFW policy enforced on the data path, and hot reload: admin task, SIGHUP, file watch; a broken reload
 * keeps the old policy running.
 */
class PolicyEnforcementIT {
    private static final String DROP_REASON = "appliance_dropped_packets_total{reason=\"policy_drop\"}";

    /** An NFW bundle whose one stateless rule drops UDP to {@code port} and counts it as custom action "blocked". */
    static String bundleDroppingUdpTo(int port) {
        String group = "arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/block-udp";
        return """
                {"FirewallPolicyResponse": {"FirewallPolicyName": "block-udp-%1$d",
                  "FirewallPolicyArn": "arn:aws:network-firewall:us-east-1:123456789012:firewall-policy/block-udp"},
                 "FirewallPolicy": {
                  "StatelessRuleGroupReferences": [{"ResourceArn": "%2$s", "Priority": 1}],
                  "StatelessDefaultActions": ["aws:forward_to_sfe"],
                  "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"]},
                 "RuleGroups": [{"RuleGroup": {"RulesSource": {"StatelessRulesAndCustomActions": {
                    "StatelessRules": [{"Priority": 1, "RuleDefinition": {
                      "MatchAttributes": {"Protocols": [17], "DestinationPorts": [{"FromPort": %1$d, "ToPort": %1$d}]},
                      "Actions": ["aws:drop", "Blocked"]}}],
                    "CustomActions": [{"ActionName": "Blocked",
                      "ActionDefinition": {"PublishMetricAction": {"Dimensions": [{"Value": "blocked"}]}}}]}}},
                   "RuleGroupResponse": {"RuleGroupArn": "%2$s", "RuleGroupName": "block-udp",
                     "Type": "STATELESS", "Capacity": 10}}]}
                """.formatted(port, group);
    }

    private static byte[] udpTo(int port) {
        return GwlbPeer.bytes(
                gwlb(ipv4Packet(17, ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), udp(5000, port, new byte[16]))));
    }

    private static boolean answered(GwlbPeer gwlb, int sourcePort, int udpPort) throws Exception {
        gwlb.send(sourcePort, udpTo(udpPort));
        return gwlb.receive(Duration.ofMillis(700)) != null;
    }

    private static HttpResponse<String> reload(TestAppliance appliance) throws Exception {
        HttpRequest post = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + appliance.adminPort + "/tasks/reload-policy"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        return HttpClient.newHttpClient().send(post, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dropsWhatTheStatelessRuleDropsAndReloadsKeepingTheOldPolicyOnFailure(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, bundleDroppingUdpTo(9999));
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + policy);
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            assertThat(answered(gwlb, 35001, 9999)).isFalse();
            assertThat(answered(gwlb, 35002, 8888)).isTrue();
            assertThat(appliance.metric(DROP_REASON)).isEqualTo(1);
            assertThat(appliance.metric("appliance_policy_stateless_packets_total{action=\"aws:drop\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_policy_stateless_packets_total{action=\"aws:forward_to_sfe\"}"))
                    .isEqualTo(1);
            TestAppliance.await(
                    Duration.ofSeconds(3),
                    () -> metric(appliance, "appliance_policy_custom_action_packets{custom_action=\"blocked\"}") == 1,
                    "custom action metric");

            Files.writeString(policy, bundleDroppingUdpTo(8888));
            HttpResponse<String> ok = reload(appliance);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("policy v2 installed (admin task): policy block-udp-8888 OK");
            assertThat(answered(gwlb, 35003, 8888)).isFalse();
            assertThat(answered(gwlb, 35004, 9999)).isTrue();

            Files.writeString(policy, "{\"FirewallPolicy\": {}}");
            HttpResponse<String> failed = reload(appliance);
            assertThat(failed.statusCode()).isEqualTo(500);
            assertThat(failed.body()).contains("failed, v2 keeps running");
            assertThat(answered(gwlb, 35005, 8888))
                    .as("old policy still enforced")
                    .isFalse();
            assertThat(appliance.metric("appliance_policy_reloads_total{result=\"success\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_policy_reloads_total{result=\"failure\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_policy_version")).isEqualTo(2);
        }
    }

    @Test
    void reloadsOnSighupAndOnFileChange(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, bundleDroppingUdpTo(9999));
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + policy, "policy.watch=true")) {
            var active = appliance.application().activePolicy();
            assertThat(active.version()).isEqualTo(1);

            Files.writeString(policy, bundleDroppingUdpTo(7777));
            TestAppliance.await(Duration.ofSeconds(10), () -> active.version() == 2, "file watch reload");
            assertThat(active.current().policy().name()).isEqualTo("block-udp-7777");

            Files.writeString(policy, bundleDroppingUdpTo(6666));
            // SIGHUP to this JVM: the reloader's handler replaces the JVM's default (which would exit).
            new ProcessBuilder(
                            "kill",
                            "-HUP",
                            Long.toString(ProcessHandle.current().pid()))
                    .start()
                    .waitFor();
            TestAppliance.await(Duration.ofSeconds(10), () -> active.version() >= 3, "SIGHUP reload");
            assertThat(active.current().policy().name()).isEqualTo("block-udp-6666");
        }
    }

    @Test
    void refusesToStartWithABrokenPolicyNamingTheProblem(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("broken.json");
        Files.writeString(policy, "{\"FirewallPolicy\": {\"StatelessDefaultActions\": [\"aws:pass\"]}}");
        assertThatThrownBy(() -> TestAppliance.start("policy.path=" + policy).close())
                .hasStackTraceContaining("policy.path")
                .hasStackTraceContaining("$.FirewallPolicy.StatelessFragmentDefaultActions");
    }

    private static double metric(TestAppliance appliance, String sample) {
        try {
            return appliance.metric(sample);
        } catch (Exception | AssertionError e) {
            return Double.NaN;
        }
    }
}
