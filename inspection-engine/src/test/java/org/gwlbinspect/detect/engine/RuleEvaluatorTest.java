package org.gwlbinspect.detect.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.detect.RuleProtocol;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleEvaluatorTest {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int CLIENT = ip(10, 0, 0, 5);
    private static final int SERVER = ip(93, 184, 216, 34);

    @TempDir
    Path dir;

    private final FlowRuleState state = new FlowRuleState();
    private final List<String> alerts = new ArrayList<>();
    private final AlertSink sink = (index, action, verdict) -> alerts.add(index + ":" + action + ":" + verdict);

    private static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    private CompiledPolicy compile(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
    }

    private RuleEvaluator evaluator(String rules) throws Exception {
        return new RuleEvaluator(compile("p.rules", rules));
    }

    private RuleEvaluator strict(String rulesString, String defaultActions) throws Exception {
        String escaped = rulesString.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        String json = """
                {
                  "FirewallPolicyResponse": {
                    "FirewallPolicyName": "strict",
                    "FirewallPolicyArn": "arn:aws:network-firewall:eu-west-1:123456789012:firewall-policy/strict"
                  },
                  "FirewallPolicy": {
                    "StatelessRuleGroupReferences": [],
                    "StatelessDefaultActions": ["aws:forward_to_sfe"],
                    "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                    "StatefulRuleGroupReferences": [
                      {"ResourceArn": "arn:aws:network-firewall:eu-west-1:123456789012:stateful-rulegroup/g",
                       "Priority": 100}
                    ],
                    "StatefulDefaultActions": [%s],
                    "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"}
                  },
                  "RuleGroups": [
                    {
                      "RuleGroup": {
                        "RulesSource": {"RulesString": "%s"},
                        "StatefulRuleOptions": {"RuleOrder": "STRICT_ORDER"}
                      },
                      "RuleGroupResponse": {
                        "RuleGroupArn": "arn:aws:network-firewall:eu-west-1:123456789012:stateful-rulegroup/g",
                        "RuleGroupName": "g",
                        "Type": "STATEFUL",
                        "Capacity": 100
                      }
                    }
                  ]
                }
                """.formatted(defaultActions, escaped);
        return new RuleEvaluator(compile("strict.json", json));
    }

    /** Client → server TCP packet. */
    private PacketContext toServer(int flags, boolean established) {
        PacketContext ctx = new PacketContext().ipv4(CLIENT, 40000, SERVER, 443, TCP);
        ctx.tcpFlags = flags;
        ctx.established = established;
        ctx.toServer = true;
        return ctx;
    }

    private PacketContext toClient(int flags, boolean established) {
        PacketContext ctx = new PacketContext().ipv4(SERVER, 443, CLIENT, 40000, TCP);
        ctx.tcpFlags = flags;
        ctx.established = established;
        ctx.toServer = false;
        return ctx;
    }

    private PacketContext clientHello(String sni) {
        PacketContext ctx = toServer(ACK, true);
        ctx.appProtocol = RuleProtocol.TLS;
        ctx.tlsClientHello = true;
        ctx.payloadLength = 300;
        if (sni != null) {
            byte[] bytes = sni.getBytes(StandardCharsets.ISO_8859_1);
            ctx.setBuffer(Buffer.TLS_SNI, bytes, 0, bytes.length);
        }
        return ctx;
    }

    private PacketContext httpRequest(String host) {
        PacketContext ctx = toServer(ACK, true);
        ctx.dstPort = 80;
        ctx.appProtocol = RuleProtocol.HTTP;
        byte[] hostBytes = host.getBytes(StandardCharsets.ISO_8859_1);
        ctx.setBuffer(Buffer.HTTP_HOST, hostBytes, 0, hostBytes.length);
        byte[] names = "\r\nHost\r\nUser-Agent\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ctx.setBuffer(Buffer.HTTP_HEADER_NAMES, names, 0, names.length);
        return ctx;
    }

    @Test
    void ipOnlyPassTcp443DecidesTheFlowOnTheSynAndDefeatsALaterSniDropInActionOrder() throws Exception {
        RuleEvaluator ev = evaluator("""
                drop tls $HOME_NET any -> $EXTERNAL_NET any (tls.sni; content:"evil.com"; nocase; sid:2;)
                pass tcp $HOME_NET any -> any 443 (sid:1;)
                """);
        assertThat(ev.evaluate(toServer(SYN, false), state, sink)).isEqualTo(Decision.PASS_FLOW);
        assertThat(state.verdict()).isEqualTo(Verdict.PASS);
        PacketContext hello = clientHello("evil.com");
        hello.firstPacketInDirection = false;
        assertThat(ev.evaluate(hello, state, sink)).isEqualTo(Decision.PASS_FLOW);
        assertThat(alerts).isEmpty();
        // without the earlier SYN decision the SNI drop would act on the flow
        FlowRuleState fresh = new FlowRuleState();
        RuleEvaluator dropOnly = evaluator(
                "drop tls $HOME_NET any -> $EXTERNAL_NET any (tls.sni; content:\"evil.com\"; nocase; sid:2;)\n");
        assertThat(dropOnly.evaluate(clientHello("EVIL.com"), fresh, sink)).isEqualTo(Decision.DROP_FLOW);
        assertThat(fresh.verdict()).isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("0:DROP:DROP");
    }

    @Test
    void flowNotEstablishedPassIsPacketScoped() throws Exception {
        RuleEvaluator ev = evaluator("""
                pass tcp $HOME_NET any -> $EXTERNAL_NET any (flow:not_established; sid:1;)
                drop tcp $HOME_NET any -> $EXTERNAL_NET any (flow:established,to_server; sid:2;)
                """);
        assertThat(ev.evaluate(toServer(SYN, false), state, sink)).isEqualTo(Decision.PASS_PACKET);
        assertThat(state.verdict()).isEqualTo(Verdict.NONE);
        assertThat(ev.evaluate(toServer(ACK, true), state, sink)).isEqualTo(Decision.DROP_PACKET);
        assertThat(ev.evaluate(toClient(ACK, true), state, sink)).isEqualTo(Decision.NO_DECISION);
    }

    @Test
    void actionOrderPassBeatsDropRegardlessOfFileOrder() throws Exception {
        RuleEvaluator ev = evaluator("""
                drop tcp any any -> any 443 (msg:"drop first in file"; sid:1;)
                pass tcp any any -> any 443 (sid:2;)
                """);
        assertThat(ev.evaluate(toServer(SYN, false), state, sink)).isEqualTo(Decision.PASS_FLOW);
        assertThat(alerts).isEmpty();
    }

    @Test
    void actionOrderEveryMatchingDropAndAlertLogsWithTheFirstDropsVerdict() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert tcp any any -> any any (msg:"seen"; flow:to_server; sid:1;)
                drop tcp any any -> any 443 (flow:to_server; sid:2;)
                reject tcp any any -> any 443 (flow:to_server; sid:3;)
                alert tcp any any -> any any (flow:to_server; noalert; sid:4;)
                """);
        // order after compile: drop(2), reject(3), alert(1), alert(4)
        assertThat(ev.evaluate(toServer(ACK, true), state, sink)).isEqualTo(Decision.DROP_PACKET);
        assertThat(alerts).containsExactly("0:DROP:DROP", "1:REJECT:DROP", "2:ALERT:DROP");
    }

    @Test
    void passRuleWithAlertKeywordLogsAndPlainPassDoesNot() throws Exception {
        RuleEvaluator ev = evaluator("""
                pass tcp any any -> any 443 (alert; flow:to_server; sid:1;)
                pass tcp any any -> any 80 (flow:to_server; sid:2;)
                """);
        assertThat(ev.evaluate(toServer(ACK, true), state, sink)).isEqualTo(Decision.PASS_PACKET);
        assertThat(alerts).containsExactly("0:PASS:PASS");
        alerts.clear();
        PacketContext http = toServer(ACK, true);
        http.dstPort = 80;
        assertThat(ev.evaluate(http, state, sink)).isEqualTo(Decision.PASS_PACKET);
        assertThat(alerts).isEmpty();
    }

    @Test
    void alertOnlyRuleLogsWithoutDecidingAndNoalertRuleStaysSilent() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert tcp any any -> any 443 (msg:"https"; flow:to_server; sid:1;)
                alert tcp any any -> any 443 (flow:to_server; noalert; sid:2;)
                """);
        assertThat(ev.evaluate(toServer(ACK, true), state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).containsExactly("0:ALERT:PASS");
    }

    @Test
    void strictOrderFirstMatchingRuleWinsAndAlertsBeforeItLog() throws Exception {
        RuleEvaluator ev = strict("""
                alert tcp any any -> any 443 (msg:"log"; flow:to_server; sid:1;)
                drop tcp any any -> any 443 (flow:to_server; sid:2;)
                pass tcp any any -> any 443 (flow:to_server; sid:3;)
                """, "");
        assertThat(ev.evaluate(toServer(ACK, true), state, sink)).isEqualTo(Decision.DROP_PACKET);
        assertThat(alerts).containsExactly("0:ALERT:DROP", "1:DROP:DROP");
    }

    @Test
    void strictOrderAwsDropEstablishedDropsEstablishedClientToServerButPassesHandshakeAndServerToClient()
            throws Exception {
        RuleEvaluator ev = strict("pass tcp any any -> any 22 (flow:to_server; sid:1;)\n", "\"aws:drop_established\"");
        assertThat(ev.evaluate(toServer(SYN, false), state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(ev.evaluate(toClient(SYN | ACK, false), state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(ev.evaluate(toServer(ACK, true), state, sink)).isEqualTo(Decision.DROP_PACKET);
        assertThat(ev.evaluate(toClient(ACK, true), state, sink)).isEqualTo(Decision.NO_DECISION);
        PacketContext ssh = toServer(ACK, true);
        ssh.dstPort = 22;
        assertThat(ev.evaluate(ssh, state, sink)).isEqualTo(Decision.PASS_PACKET);
        assertThat(alerts).as("a default drop alone does not log").isEmpty();
    }

    @Test
    void strictOrderAwsDropStrictDropsEvenTheHandshake() throws Exception {
        RuleEvaluator ev = strict("pass udp any any -> any 53 (sid:1;)\n", "\"aws:drop_strict\"");
        assertThat(ev.evaluate(toServer(SYN, false), state, sink)).isEqualTo(Decision.DROP_PACKET);
        assertThat(ev.evaluate(toClient(ACK, true), state, sink)).isEqualTo(Decision.DROP_PACKET);
        PacketContext dns = new PacketContext().ipv4(CLIENT, 5353, SERVER, 53, UDP);
        assertThat(ev.evaluate(dns, new FlowRuleState(), sink)).isEqualTo(Decision.PASS_FLOW);
    }

    @Test
    void strictOrderAwsAlertEstablishedAndAlertStrictLogUnderNegatedSids2And4() throws Exception {
        RuleEvaluator ev = strict(
                "pass tcp any any -> any 22 (flow:to_server; sid:1;)\n",
                "\"aws:drop_established\", \"aws:alert_established\", \"aws:alert_strict\"");
        assertThat(ev.evaluate(toServer(SYN, false), state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).containsExactly(RuleEvaluator.DEFAULT_ALERT_STRICT + ":ALERT:PASS");
        alerts.clear();
        assertThat(ev.evaluate(toServer(ACK, true), state, sink)).isEqualTo(Decision.DROP_PACKET);
        assertThat(alerts)
                .containsExactly(
                        RuleEvaluator.DEFAULT_ALERT_STRICT + ":ALERT:DROP",
                        RuleEvaluator.DEFAULT_ALERT_ESTABLISHED + ":ALERT:DROP");
    }

    @Test
    void dropEstablishedAppLayerLetsAPendingMessageThroughAndDropsTheFlowOnTheFirstUndecidedPacket() throws Exception {
        // policy.md §2.4 aws:drop_established_app_layer (+ its alert, sid 6): segments of an unfinished first message
        // pass; an undecided established packet is dropped with the rest of the flow, server banners included.
        RuleEvaluator ev = strict(
                "pass tls any any -> any any (tls.sni; content:\"ok.example\"; sid:1;)\n",
                "\"aws:drop_established_app_layer\", \"aws:alert_established_app_layer\"");
        FlowRuleState flow = new FlowRuleState();
        PacketContext segment = toServer(ACK, true);
        segment.appMessagePending = true;
        assertThat(ev.evaluate(segment, flow, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).isEmpty();
        assertThat(ev.evaluate(clientHello("ok.example"), flow, sink)).isEqualTo(Decision.PASS_FLOW);

        FlowRuleState other = new FlowRuleState();
        assertThat(ev.evaluate(clientHello("other.example"), other, sink)).isEqualTo(Decision.DROP_FLOW);
        assertThat(alerts).containsExactly(RuleEvaluator.DEFAULT_ALERT_ESTABLISHED_APP_LAYER + ":ALERT:DROP");
        assertThat(ev.evaluate(toServer(ACK, true), other, sink)).isEqualTo(Decision.DROP_FLOW);

        PacketContext banner = toServer(ACK, true);
        banner.toServer = false;
        assertThat(ev.evaluate(banner, new FlowRuleState(), sink)).isEqualTo(Decision.DROP_FLOW);
        PacketContext handshake = toServer(SYN, false);
        assertThat(ev.evaluate(handshake, new FlowRuleState(), sink)).isEqualTo(Decision.NO_DECISION);
    }

    @Test
    void theToServerAppLayerVariantLeavesServerPacketsAlone() throws Exception {
        RuleEvaluator ev = strict(
                "pass tls any any -> any any (tls.sni; content:\"ok.example\"; sid:1;)\n",
                "\"aws:drop_established_app_layer_to_server\", \"aws:alert_established_app_layer_to_server\"");
        PacketContext banner = toServer(ACK, true);
        banner.toServer = false;
        assertThat(ev.evaluate(banner, new FlowRuleState(), sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).isEmpty();
        assertThat(ev.evaluate(toServer(ACK, true), new FlowRuleState(), sink)).isEqualTo(Decision.DROP_FLOW);
        assertThat(alerts).containsExactly(RuleEvaluator.DEFAULT_ALERT_ESTABLISHED_APP_LAYER_TO_SERVER + ":ALERT:DROP");
    }

    @Test
    void tlsAllowlistPassesExactAndWildcardSniCaseInsensitiveAndDropsOtherSniAndHelloWithoutSni() throws Exception {
        CompiledPolicy policy = compile("x.allowlist.txt", ".example.com\nexact.org\n");
        RuleEvaluator ev = new RuleEvaluator(policy);
        for (String allowed : List.of("example.com", "www.Example.COM", "EXACT.org")) {
            FlowRuleState flow = new FlowRuleState();
            assertThat(ev.evaluate(toServer(SYN, false), flow, sink))
                    .as("handshake of %s", allowed)
                    .isEqualTo(Decision.NO_DECISION);
            assertThat(ev.evaluate(clientHello(allowed), flow, sink))
                    .as(allowed)
                    .isEqualTo(Decision.PASS_FLOW);
            assertThat(ev.evaluate(toServer(ACK, true), flow, sink)).isEqualTo(Decision.PASS_FLOW);
        }
        for (String denied : List.of("badexample.com", "www.exact.org", "exact.org.evil")) {
            FlowRuleState flow = new FlowRuleState();
            assertThat(ev.evaluate(clientHello(denied), flow, sink)).as(denied).isEqualTo(Decision.DROP_FLOW);
        }
        assertThat(ev.evaluate(clientHello(null), new FlowRuleState(), sink)).isEqualTo(Decision.DROP_FLOW);
        assertThat(alerts).hasSize(4).allMatch(a -> a.endsWith(":DROP:DROP"));
    }

    @Test
    void tlsAllowlistDoesNotTouchTrafficFromOutsideHomeNet() throws Exception {
        RuleEvaluator ev = new RuleEvaluator(compile("x.allowlist.txt", "exact.org\n"));
        PacketContext hello = clientHello("other.org");
        hello.srcLo = ip(8, 8, 8, 8) & 0xFFFF_FFFFL;
        assertThat(ev.evaluate(hello, state, sink)).isEqualTo(Decision.NO_DECISION);
    }

    @Test
    void httpAllowlistPassesAllowedHttpHostAndDropsOtherHosts() throws Exception {
        RuleEvaluator ev = new RuleEvaluator(compile("web.allowlist.txt", ".example.com\nexact.org\n"));
        assertThat(ev.evaluate(httpRequest("api.example.com"), new FlowRuleState(), sink))
                .isEqualTo(Decision.PASS_FLOW);
        assertThat(ev.evaluate(httpRequest("exact.org"), new FlowRuleState(), sink))
                .isEqualTo(Decision.PASS_FLOW);
        assertThat(ev.evaluate(httpRequest("evil.org"), new FlowRuleState(), sink))
                .isEqualTo(Decision.DROP_FLOW);
        // a request whose headers are not parsed yet is not decided
        PacketContext partial = toServer(ACK, true);
        partial.appProtocol = RuleProtocol.HTTP;
        assertThat(ev.evaluate(partial, new FlowRuleState(), sink)).isEqualTo(Decision.NO_DECISION);
    }

    @Test
    void flowbitsSetOnOnePacketAreTestedByIssetOnALaterPacket() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert tcp any any -> any any (flow:to_server; content:"LOGIN"; flowbits:set,logged_in; flowbits:noalert; sid:1;)
                drop tcp any any -> any any (flow:to_server; content:"RETR"; flowbits:isset,logged_in; sid:2;)
                alert tcp any any -> any any (flow:to_server; content:"RETR"; flowbits:isnotset,logged_in; sid:3;)
                """);
        assertThat(ev.flowbitNumbers()).containsEntry("logged_in", 0);
        PacketContext retr = payload("RETR file");
        assertThat(ev.evaluate(retr, state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).containsExactly("2:ALERT:PASS");
        alerts.clear();
        assertThat(ev.evaluate(payload("LOGIN bob"), state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(state.flowbits()).isEqualTo(1L);
        assertThat(alerts).isEmpty();
        FlowRuleState restored = new FlowRuleState();
        restored.load(state.flowbits(), state.verdictWord());
        assertThat(ev.evaluate(payload("RETR file"), restored, sink)).isEqualTo(Decision.DROP_PACKET);
        assertThat(alerts).containsExactly("0:DROP:DROP");
    }

    private PacketContext payload(String text) {
        PacketContext ctx = toServer(ACK, true);
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        ctx.payloadLength = bytes.length;
        ctx.setBuffer(Buffer.PAYLOAD, bytes, 0, bytes.length);
        return ctx;
    }

    @Test
    void contentModifiersOffsetDepthDistanceWithinAndNegationMatchAsSuricata() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert tcp any any -> any any (content:"GET"; depth:3; content:"/admin"; distance:1; within:6; sid:1;)
                alert tcp any any -> any any (content:"abc"; offset:2; content:!"zzz"; sid:2;)
                alert tcp any any -> any any (content:"x"; content:"y"; distance:0; within:1; sid:3;)
                alert tcp any any -> any any (content:"user="; nocase; pcre:"/^user=\\w+$/i"; sid:4;)
                alert tcp any any -> any any (dsize:>100; sid:5;)
                """);
        ev.evaluate(payload("GET /admin HTTP/1.1"), state, sink);
        assertThat(alerts).containsExactly("0:ALERT:PASS");
        alerts.clear();
        ev.evaluate(payload(" GET /admin"), state, sink);
        ev.evaluate(payload("GET  /admin"), state, sink);
        assertThat(alerts).isEmpty();
        ev.evaluate(payload("..abc"), state, sink);
        ev.evaluate(payload("abc"), state, sink);
        ev.evaluate(payload("..abczzz"), state, sink);
        assertThat(alerts).containsExactly("1:ALERT:PASS");
        alerts.clear();
        // backtracking: the first "x" is not followed by "y", the second is
        ev.evaluate(payload("xaxy"), state, sink);
        assertThat(alerts).containsExactly("2:ALERT:PASS");
        alerts.clear();
        ev.evaluate(payload("USER=bob"), state, sink);
        ev.evaluate(payload("user=bob smith"), state, sink);
        assertThat(alerts).containsExactly("3:ALERT:PASS");
        alerts.clear();
        ev.evaluate(payload("x".repeat(101)), state, sink);
        assertThat(alerts).contains("4:ALERT:PASS");
    }

    @Test
    void withoutPayloadInspectionADsizeThatNeedsAPayloadNeverMatchesAsSuricatasSignatureMask() throws Exception {
        // Suricata 7 SignatureCreateMask: >, >=, !=, a range and =N>0 require a payload; <, <= and =0 do not.
        RuleEvaluator ev = evaluator("""
                alert tcp any any -> any any (dsize:>10; sid:1;)
                alert tcp any any -> any any (dsize:>=0; sid:2;)
                alert tcp any any -> any any (dsize:!5; sid:3;)
                alert tcp any any -> any any (dsize:10<>100; sid:4;)
                alert tcp any any -> any any (dsize:50; sid:5;)
                alert tcp any any -> any any (dsize:<100; sid:6;)
                alert tcp any any -> any any (dsize:<=50; sid:7;)
                alert tcp any any -> any any (dsize:0; sid:8;)
                """);
        PacketContext ctx = toServer(ACK, true);
        ctx.payloadLength = 50;
        ev.evaluate(ctx, state, sink);
        assertThat(alerts)
                .containsExactly(
                        "0:ALERT:PASS",
                        "1:ALERT:PASS",
                        "2:ALERT:PASS",
                        "3:ALERT:PASS",
                        "4:ALERT:PASS",
                        "5:ALERT:PASS",
                        "6:ALERT:PASS");
        alerts.clear();
        ctx.payloadInspection = false; // a TLS flow after its encrypted part started
        ev.evaluate(ctx, state, sink);
        assertThat(alerts).containsExactly("5:ALERT:PASS", "6:ALERT:PASS");
        alerts.clear();
        ctx.payloadLength = 0;
        ev.evaluate(ctx, state, sink);
        assertThat(alerts).containsExactly("5:ALERT:PASS", "6:ALERT:PASS", "7:ALERT:PASS");
    }

    @Test
    void transformsToLowercaseAndStripWhitespaceApplyBeforeMatching() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert http any any -> any any (http.user_agent; to_lowercase; strip_whitespace; content:"evilbot"; startswith; sid:1;)
                """);
        PacketContext ctx = toServer(ACK, true);
        ctx.appProtocol = RuleProtocol.HTTP;
        byte[] ua = "Evil Bot/1.0".getBytes(StandardCharsets.ISO_8859_1);
        ctx.setBuffer(Buffer.HTTP_USER_AGENT, ua, 0, ua.length);
        ev.evaluate(ctx, state, sink);
        assertThat(alerts).containsExactly("0:ALERT:PASS");
        assertThat(new String(ua, StandardCharsets.ISO_8859_1)).isEqualTo("Evil Bot/1.0");
    }

    @Test
    void aMultiBufferMatchesWhenAnyOneInstanceMatchesAndAMatchNeverSpansTwoInstances() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert http any any -> any any (http.request_header; content:"x-token|3a 20|"; startswith; nocase; content:"s3cret"; distance:0; sid:1;)
                alert http any any -> any any (http.request_header; content:"Host|3a 20|"; content:"s3cret"; distance:0; sid:2;)
                alert http any any -> any any (http.request_header; content:!"Host"; sid:3;)
                """);
        PacketContext ctx = toServer(ACK, true);
        ctx.appProtocol = RuleProtocol.HTTP;
        byte[] headers = "Host: a.example\r\nX-Token: s3cret\r\n".getBytes(StandardCharsets.ISO_8859_1);
        ctx.setBufferInstances(Buffer.HTTP_REQUEST_HEADER, headers, new int[] {0, 17}, new int[] {15, 15}, 2);
        ev.evaluate(ctx, state, sink);
        // sid 2 would match "Host: ... s3cret" only across the two headers; sid 3 matches the X-Token instance.
        assertThat(alerts).containsExactly("0:ALERT:PASS", "2:ALERT:PASS");

        alerts.clear();
        ctx.setBufferInstances(Buffer.HTTP_REQUEST_HEADER, headers, new int[] {0, 17}, new int[] {15, 15}, 1);
        ev.evaluate(ctx, state, sink);
        assertThat(alerts).isEmpty();
        ctx.setBufferInstances(Buffer.HTTP_REQUEST_HEADER, headers, new int[0], new int[0], 0);
        assertThat(ctx.hasBuffer(Buffer.HTTP_REQUEST_HEADER)).isFalse();
    }

    @Test
    void appLayerRuleMatchesOnlyOnceTheAppProtocolIsDetectedAndBidirectionalHeaderMatchesBothWays() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert tls any any -> any any (msg:"tls"; sid:1;)
                alert tcp 10.0.0.5 any <> 93.184.216.34 443 (msg:"both"; sid:2;)
                """);
        ev.evaluate(toServer(SYN, false), state, sink);
        assertThat(alerts).containsExactly("1:ALERT:PASS");
        alerts.clear();
        ev.evaluate(toClient(ACK, true), state, sink);
        assertThat(alerts).containsExactly("1:ALERT:PASS");
        alerts.clear();
        ev.evaluate(clientHello("a.b"), state, sink);
        assertThat(alerts).containsExactly("0:ALERT:PASS", "1:ALERT:PASS");
    }

    @Test
    void ipOnlyAlertRuleIsEvaluatedOnlyOnTheFirstPacketInEachDirection() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert tcp 10.0.0.0/8 any <> 93.184.216.0/24 443 (msg:"ip-only"; sid:1;)
                alert tcp 10.0.0.0/8 any -> $EXTERNAL_NET 443 (msg:"like-ip-only: negated address"; sid:2;)
                """);
        PacketContext syn = toServer(SYN, false);
        ev.evaluate(syn, state, sink);
        PacketContext synAck = toClient(SYN | ACK, false);
        ev.evaluate(synAck, state, sink);
        assertThat(alerts).containsExactly("0:ALERT:PASS", "1:ALERT:PASS", "0:ALERT:PASS");
        alerts.clear();
        PacketContext ack = toServer(ACK, true);
        ack.firstPacketInDirection = false;
        assertThat(ev.evaluate(ack, state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).containsExactly("1:ALERT:PASS");
    }

    @Test
    void flowScopedRejectRejectsTheMatchingPacketAndDropsTheRestOfTheFlow() throws Exception {
        RuleEvaluator ev = evaluator("reject tls any any -> any any (tls.sni; content:\"evil.com\"; nocase; sid:9;)\n");
        assertThat(ev.evaluate(clientHello("evil.com"), state, sink)).isEqualTo(Decision.REJECT_FLOW);
        assertThat(state.verdict()).isEqualTo(Verdict.REJECT);
        assertThat(ev.evaluate(toServer(ACK, true), state, sink)).isEqualTo(Decision.DROP_FLOW);
        assertThat(alerts).containsExactly("0:REJECT:REJECT");
    }

    @Test
    void actionOrderPacketScopedDropDecidesThePacketAndALaterFlowScopedDropStillMarksTheFlow() throws Exception {
        RuleEvaluator ev = evaluator("""
                drop tcp any any -> any 443 (flow:to_server; priority:1; sid:1;)
                drop tls any any -> any any (tls.sni; content:"evil.com"; priority:2; sid:2;)
                """);
        assertThat(ev.evaluate(clientHello("evil.com"), state, sink)).isEqualTo(Decision.DROP_FLOW);
        assertThat(state.verdict()).isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("0:DROP:DROP", "1:DROP:DROP");
    }

    @Test
    void strictOrderIpOnlyPassAfterAnHttpDropStillPassesTheFlowOnTheSyn() throws Exception {
        // policy.md §2.4, the re:Post report: the GET is let through because the pass matched the SYN.
        RuleEvaluator ev = strict("""
                drop http any any -> 93.184.216.34 any (flow:established,to_server; http.method; content:"GET"; sid:403;)
                pass tcp any any -> 93.184.216.34 80 (sid:404;)
                """, "\"aws:drop_established\"");
        PacketContext syn = toServer(SYN, false);
        syn.dstPort = 80;
        assertThat(ev.evaluate(syn, state, sink)).isEqualTo(Decision.PASS_FLOW);
        PacketContext get = httpRequest("example.com");
        byte[] method = "GET".getBytes(StandardCharsets.ISO_8859_1);
        get.setBuffer(Buffer.HTTP_METHOD, method, 0, method.length);
        get.firstPacketInDirection = false;
        assertThat(ev.evaluate(get, state, sink)).isEqualTo(Decision.PASS_FLOW);
        // a new flow that skips the SYN (midstream) gets the drop
        assertThat(ev.evaluate(get, new FlowRuleState(), sink)).isEqualTo(Decision.DROP_FLOW);
    }

    @Test
    void pcreFollowsPcreNewlineRulesDotMatchesCarriageReturn() throws Exception {
        RuleEvaluator ev = evaluator("alert tcp any any -> any any (content:\"a\"; pcre:\"/a.b$/\"; sid:1;)\n");
        ev.evaluate(payload("xa\rb"), state, sink);
        ev.evaluate(payload("xa\rb\r"), state, sink);
        assertThat(alerts).containsExactly("0:ALERT:PASS");
    }

    @Test
    void evaluateWithContentPcreTransformsAndFlowbitsAllocatesNothingAfterWarmUp() throws Exception {
        RuleEvaluator ev = evaluator("""
                alert tcp any any -> any any (content:"LOGIN"; flowbits:set,in; flowbits:noalert; sid:1;)
                drop tcp any any -> any any (flow:to_server; content:"RETR"; content:"/etc"; distance:1; flowbits:isset,in; sid:2;)
                alert tcp any any -> any any (content:"user="; nocase; pcre:"/^user=(\\w+)\\s+(x|y)*$/i"; sid:3;)
                alert http any any -> any any (http.user_agent; to_lowercase; strip_whitespace; dotprefix; content:".evilbot"; startswith; sid:4;)
                """);
        PacketContext[] packets = {payload("LOGIN bob"), payload("RETR /etc/passwd"), payload("USER=bob xyxyx")};
        PacketContext http = toServer(ACK, true);
        http.appProtocol = RuleProtocol.HTTP;
        byte[] ua = "Evil Bot/1.0".getBytes(StandardCharsets.ISO_8859_1);
        http.setBuffer(Buffer.HTTP_USER_AGENT, ua, 0, ua.length);
        int[] count = new int[1];
        AlertSink counting = (i, a, v) -> count[0]++;
        FlowRuleState flow = new FlowRuleState();
        Runnable round = () -> {
            flow.clear();
            for (PacketContext p : packets) ev.evaluate(p, flow, counting);
            ev.evaluate(http, flow, counting);
        };
        for (int i = 0; i < 20_000; i++) round.run();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        count[0] = 0;
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 2_500; i++) round.run();
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).isLessThan(1024);
        assertThat(count[0]).as("drop 2, pcre 3, user agent 4 each round").isEqualTo(3 * 2_500);
    }

    @Test
    void ipProtoAndAppLayerProtocolConditionsAndPdOnlyPassDecidesTheFlow() throws Exception {
        RuleEvaluator ev = evaluator("""
                pass ip any any -> any any (app-layer-protocol:ssh; sid:1;)
                alert ip any any -> any any (ip_proto:17; sid:2;)
                alert tcp any any -> any any (app-layer-protocol:!tls; flow:to_server; sid:3;)
                """);
        PacketContext udp = new PacketContext().ipv4(CLIENT, 5000, SERVER, 53, UDP);
        assertThat(ev.evaluate(udp, state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).containsExactly("1:ALERT:PASS");
        alerts.clear();
        ev.evaluate(clientHello("a.b"), state, sink);
        assertThat(alerts).isEmpty();
        ev.evaluate(toServer(ACK, true), state, sink);
        assertThat(alerts).containsExactly("2:ALERT:PASS");
        PacketContext ssh = toServer(ACK, true);
        ssh.appProtocol = RuleProtocol.SSH;
        assertThat(ev.evaluate(ssh, state, sink)).isEqualTo(Decision.PASS_FLOW);
    }

    @Test
    void sslVersionMatchesTheClientHelloLegacyVersionAndItsNegation() throws Exception {
        // Suricata's ssl_version compares the hello's version field: a TLS 1.2/1.3 client says 0x0303.
        RuleEvaluator ev = evaluator("""
                drop tls any any -> any any (ssl_version:tls1.0,tls1.1; sid:4242;)
                alert tls any any -> any any (ssl_version:!tls1.2; sid:4243;)
                """);
        PacketContext old = clientHello("legacy.example");
        old.sslVersion = 0x0301;
        assertThat(ev.evaluate(old, new FlowRuleState(), sink)).isEqualTo(Decision.DROP_FLOW);
        PacketContext modern = clientHello("modern.example");
        modern.sslVersion = 0x0303;
        alerts.clear();
        assertThat(ev.evaluate(modern, new FlowRuleState(), sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).isEmpty();
        PacketContext unknown = clientHello("x.example"); // no hello version known: ssl_version never matches
        assertThat(ev.evaluate(unknown, new FlowRuleState(), sink)).isEqualTo(Decision.NO_DECISION);
        PacketContext ssl3 = clientHello("y.example");
        ssl3.sslVersion = 0x0300;
        alerts.clear();
        ev.evaluate(ssl3, new FlowRuleState(), sink);
        assertThat(alerts).containsExactly("1:ALERT:PASS"); // rule index 1: sid 4243 after the drop
    }

    @Test
    void flowOnlyStreamWithoutPayloadIsRejectedWhenThePolicyCompilesNamingSidAndKeyword() {
        assertThatThrownBy(
                        () -> compile("s.rules", "drop tcp any any -> any any (flow:to_server,only_stream; sid:77;)\n"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("sid 77")
                .hasMessageContaining("only_stream");
    }

    // ---- stream and packet-stream rules (policy.md §3.3) ---------------------------------------------------------

    /** A client segment whose payload went into the stream: {@code window} from {@code start}, new from {@code newFrom}. */
    private PacketContext streamSegment(String window, long start, int newFrom) {
        PacketContext ctx = toServer(ACK, true);
        byte[] bytes = window.getBytes(StandardCharsets.ISO_8859_1);
        ctx.setStream(bytes, 0, bytes.length, start, newFrom);
        byte[] packet = java.util.Arrays.copyOfRange(bytes, newFrom, bytes.length);
        ctx.setBuffer(Buffer.PAYLOAD, packet, 0, packet.length);
        ctx.payloadLength = packet.length;
        return ctx;
    }

    @Test
    void aStreamRuleMatchesTheStreamAndActsOnTheFlow() throws Exception {
        RuleEvaluator ev = evaluator("drop tcp any any -> any any (content:\"BADSTUFF\"; sid:1;)\n");
        assertThat(ev.inspectsStreams()).isTrue();
        assertThat(ev.evaluate(streamSegment("xxBADSTUFF", 0, 5), state, sink)).isEqualTo(Decision.DROP_FLOW);
    }

    @Test
    void aStreamMatchMustTakeANewByte() throws Exception {
        RuleEvaluator ev = evaluator("alert tcp any any -> any any (content:\"ping\"; sid:1;)\n");
        assertThat(ev.evaluate(streamSegment("pingxx", 0, 4), state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(alerts).isEmpty();
        ev.evaluate(streamSegment("pingxxpi", 0, 7), state, sink); // only "i" is new: still not a new "ping"
        assertThat(alerts).isEmpty();
        ev.evaluate(streamSegment("pingxxping", 0, 8), state, sink);
        assertThat(alerts).containsExactly("0:ALERT:PASS");
    }

    @Test
    void aSegmentAddedToTheStreamIsNotMatchedOnItsOwnButOtherPacketsAre() throws Exception {
        RuleEvaluator ev = evaluator("drop tcp any any -> any any (content:\"BADSTUFF\"; sid:1;)\n");
        PacketContext buffered = toServer(ACK, true);
        byte[] bytes = "BADSTUFF".getBytes(StandardCharsets.US_ASCII);
        buffered.setBuffer(Buffer.PAYLOAD, bytes, 0, bytes.length);
        buffered.payloadInStream = true; // out of order: in the stream, not yet contiguous
        assertThat(ev.evaluate(buffered, state, sink)).isEqualTo(Decision.NO_DECISION);
        buffered.payloadInStream = false; // e.g. a flow without reassembly: the packet is matched, per packet
        assertThat(ev.evaluate(buffered, state, sink)).isEqualTo(Decision.DROP_PACKET);
    }

    @Test
    void onlyStreamRulesNeverMatchPackets() throws Exception {
        RuleEvaluator ev = evaluator("drop tcp any any -> any any (flow:only_stream; content:\"BADSTUFF\"; sid:1;)\n");
        PacketContext packet = toServer(ACK, true);
        byte[] bytes = "BADSTUFF".getBytes(StandardCharsets.US_ASCII);
        packet.setBuffer(Buffer.PAYLOAD, bytes, 0, bytes.length);
        assertThat(ev.evaluate(packet, state, sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(ev.evaluate(streamSegment("BADSTUFF", 0, 0), state, sink)).isEqualTo(Decision.DROP_FLOW);
    }

    @Test
    void depthOffsetAndStartswithCountFromTheStreamStartWhenTheLookbackStartsLater() throws Exception {
        RuleEvaluator depth = evaluator("drop tcp any any -> any any (content:\"EVIL\"; depth:104; sid:1;)\n");
        // window holds stream bytes 96..: EVIL at stream offset 100..104 is within depth 104
        assertThat(depth.evaluate(streamSegment("xxxxEVIL", 96, 4), new FlowRuleState(), sink))
                .isEqualTo(Decision.DROP_FLOW);
        // EVIL at stream offset 101..105: beyond it
        assertThat(depth.evaluate(streamSegment("xxxxxEVIL", 96, 5), new FlowRuleState(), sink))
                .isEqualTo(Decision.NO_DECISION);
        // a depth that ends before the window: no match possible
        assertThat(depth.evaluate(streamSegment("EVIL", 200, 0), new FlowRuleState(), sink))
                .isEqualTo(Decision.NO_DECISION);

        RuleEvaluator offset = evaluator("drop tcp any any -> any any (content:\"EVIL\"; offset:102; sid:1;)\n");
        assertThat(offset.evaluate(streamSegment("xxxxEVIL", 96, 4), new FlowRuleState(), sink))
                .isEqualTo(Decision.NO_DECISION); // EVIL starts at stream offset 100 < 102
        assertThat(offset.evaluate(streamSegment("xxxxxxEVIL", 96, 6), new FlowRuleState(), sink))
                .isEqualTo(Decision.DROP_FLOW);

        RuleEvaluator starts = evaluator("drop tcp any any -> any any (content:\"EVIL\"; startswith; sid:1;)\n");
        assertThat(starts.evaluate(streamSegment("EVIL", 0, 0), new FlowRuleState(), sink))
                .isEqualTo(Decision.DROP_FLOW);
        assertThat(starts.evaluate(streamSegment("EVIL", 50, 0), new FlowRuleState(), sink))
                .isEqualTo(Decision.NO_DECISION); // the stream did not start with it
    }

    @Test
    void thePrefilterFindsStreamMatchesSplitAcrossSegmentsLikeEvaluatingEveryRule() throws Exception {
        // Seeded: random stream contents and segmentations; every rule's verdicts and alerts per segment must be
        // the same with the Hyperscan stream prefilter as when every rule is tried on the lookback + segment.
        CompiledPolicy policy = compile("stream.rules", """
                alert tcp any any -> any any (content:"abcab"; sid:1;)
                alert tcp any any -> any any (content:"bb"; content:"ca"; distance:0; within:9; sid:2;)
                alert tcp any any -> any any (content:"cccc"; fast_pattern; content:"a"; distance:2; sid:3;)
                alert tcp any any -> any any (content:"acb"; depth:40; sid:4;)
                alert tcp any any -> any any (content:"ab"; pcre:"/ab[abc]{3}c/"; sid:5;)
                alert tcp any any -> any any (content:"bcab"; content:!"aaaa"; within:20; sid:6;)
                """);
        java.util.Random random = new java.util.Random(20261125);
        for (int round = 0; round < 60; round++) {
            RuleEvaluator withPrefilter = new RuleEvaluator(policy);
            RuleEvaluator everyRule = new RuleEvaluator(policy, false);
            StreamMatchState streamState = new StreamMatchState();
            byte[] stream = new byte[300 + random.nextInt(3000)];
            for (int i = 0; i < stream.length; i++) stream[i] = (byte) ("abc".charAt(random.nextInt(3)));
            byte[] window = new byte[StreamMatchState.LOOKBACK_BYTES + stream.length];
            int at = 0;
            while (at < stream.length) {
                int n = Math.min(stream.length - at, 1 + random.nextInt(random.nextBoolean() ? 4 : 400));
                int lookback = streamState.copyLookback(window, at);
                System.arraycopy(stream, at, window, lookback, n);
                withPrefilter.clearStreamCandidates();
                withPrefilter.scanStream(streamState, window, lookback, lookback + n, at);
                streamState.keepLookback(window, lookback + n, at + n);
                List<String> a = new ArrayList<>();
                List<String> b = new ArrayList<>();
                PacketContext ctx = toServer(ACK, true);
                ctx.setStream(window, 0, lookback + n, at - lookback, lookback);
                Decision da = withPrefilter.evaluate(ctx, new FlowRuleState(), (r, x, v) -> a.add(r + ":" + v));
                Decision db = everyRule.evaluate(ctx, new FlowRuleState(), (r, x, v) -> b.add(r + ":" + v));
                assertThat(da).as("round %d at %d", round, at).isEqualTo(db);
                assertThat(a).as("round %d at %d", round, at).isEqualTo(b);
                at += n;
            }
            streamState.reset();
            withPrefilter.close();
        }
    }

    @Test
    void rulesSharingAPrefilterLiteralMatchTheStreamLikeEvaluatingEveryRule() throws Exception {
        // The prefilter compiles each distinct literal once (PrefilterPatterns): rules that share one, with different
        // depth/offset/distance/within, nocase or not, must each get the verdict and alerts of the unfiltered loop, on
        // random streams cut at random, in both rule orders' shapes (alert, then drop and pass rules among them).
        String[] literals = {"abca", "ABCA", "bcab", "cc"};
        java.util.Random random = new java.util.Random(20261126);
        StringBuilder text = new StringBuilder();
        java.util.Set<String> distinct = new java.util.HashSet<>();
        for (int i = 0; i < 60; i++) {
            String literal = literals[random.nextInt(literals.length)];
            String action = i % 11 == 5 ? "drop" : i % 13 == 7 ? "pass" : "alert";
            text.append(action)
                    .append(" tcp any any -> any any (content:\"")
                    .append(literal)
                    .append("\"; ");
            boolean nocase = literal.equals("ABCA") || random.nextInt(4) == 0;
            if (nocase) text.append("nocase; ");
            distinct.add(nocase ? "nocase " + literal.toLowerCase(java.util.Locale.ROOT) : literal);
            switch (random.nextInt(4)) {
                case 0 -> text.append("depth:").append(4 + random.nextInt(200)).append("; ");
                case 1 -> text.append("offset:").append(random.nextInt(300)).append("; ");
                case 2 ->
                    text.append("content:\"b\"; distance:")
                            .append(random.nextInt(6))
                            .append("; ");
                default ->
                    text.append("content:\"a\"; distance:0; within:")
                            .append(1 + random.nextInt(8))
                            .append("; ");
            }
            text.append("sid:").append(i + 1).append(";)\n");
        }
        CompiledPolicy policy = compile("shared.rules", text.toString());
        assertThat(policy.prefilter().prefilteredRules()).isEqualTo(60);
        // "abca"; nocase and "ABCA"; nocase are one pattern
        assertThat(policy.prefilter().distinctPatterns())
                .isEqualTo(distinct.size())
                .isLessThan(8);
        for (int round = 0; round < 40; round++) {
            RuleEvaluator withPrefilter = new RuleEvaluator(policy);
            RuleEvaluator everyRule = new RuleEvaluator(policy, false);
            StreamMatchState streamState = new StreamMatchState();
            byte[] stream = new byte[200 + random.nextInt(3000)];
            for (int i = 0; i < stream.length; i++) stream[i] = (byte) ("abcA".charAt(random.nextInt(4)));
            byte[] window = new byte[StreamMatchState.LOOKBACK_BYTES + stream.length];
            FlowRuleState a = new FlowRuleState();
            FlowRuleState b = new FlowRuleState();
            int at = 0;
            while (at < stream.length) {
                int n = Math.min(stream.length - at, 1 + random.nextInt(random.nextBoolean() ? 4 : 400));
                int lookback = streamState.copyLookback(window, at);
                System.arraycopy(stream, at, window, lookback, n);
                withPrefilter.clearStreamCandidates();
                withPrefilter.scanStream(streamState, window, lookback, lookback + n, at);
                streamState.keepLookback(window, lookback + n, at + n);
                List<String> alertsA = new ArrayList<>();
                List<String> alertsB = new ArrayList<>();
                PacketContext ctx = toServer(ACK, true);
                ctx.setStream(window, 0, lookback + n, at - lookback, lookback);
                a.clear();
                b.clear();
                Decision da = withPrefilter.evaluate(ctx, a, (r, x, v) -> alertsA.add(r + ":" + v));
                Decision db = everyRule.evaluate(ctx, b, (r, x, v) -> alertsB.add(r + ":" + v));
                assertThat(da).as("round %d at %d", round, at).isEqualTo(db);
                assertThat(alertsA).as("round %d at %d", round, at).isEqualTo(alertsB);
                assertThat(withPrefilter.decidingRule()).isEqualTo(everyRule.decidingRule());
                at += n;
            }
            streamState.reset();
            withPrefilter.close();
        }
    }

    @Test
    void aLiteralSharedByAThousandStreamRulesKeepsOnePendingEntryAndEachRuleItsOwnVerdict() throws Exception {
        // 1 000 rules choose "SHAREDKEY" as their prefilter pattern (their longest content); each needs its own id
        // right after it. The pattern in one segment keeps its rules candidates for the next one as ONE pending entry:
        // before deduplication they took 1 000 of the 16 entries, and every rule of the policy became a candidate.
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            String action = i == 737 ? "drop" : "alert";
            text.append(action)
                    .append(" tcp any any -> any any (content:\"SHAREDKEY\"; content:\"id=")
                    .append(i)
                    .append(".\"; distance:0; within:9; sid:")
                    .append(i + 1)
                    .append(";)\n");
        }
        text.append("alert tcp any any -> any any (content:\"unrelated-pattern\"; sid:5000;)\n");
        CompiledPolicy policy = compile("thousand.rules", text.toString());
        assertThat(policy.prefilter().distinctPatterns()).isEqualTo(2);
        RuleEvaluator ev = new RuleEvaluator(policy);
        RuleEvaluator reference = new RuleEvaluator(policy, false);
        StreamMatchState state = new StreamMatchState();
        String[] segments = {"GET / xxSHAREDKEY", "id=42. SHAREDKEYid=737.", "tail", "SHAREDKEYid=999."};
        byte[] window = new byte[StreamMatchState.LOOKBACK_BYTES + 100];
        List<List<String>> seen = new ArrayList<>();
        long at = 0;
        for (String segment : segments) {
            byte[] bytes = segment.getBytes(StandardCharsets.ISO_8859_1);
            int lookback = state.copyLookback(window, at);
            System.arraycopy(bytes, 0, window, lookback, bytes.length);
            ev.clearStreamCandidates();
            ev.scanStream(state, window, lookback, lookback + bytes.length, at);
            state.keepLookback(window, lookback + bytes.length, at + bytes.length);
            assertThat(state.pendingPatterns()).isLessThanOrEqualTo(1);
            PacketContext ctx = toServer(ACK, true);
            ctx.setStream(window, 0, lookback + bytes.length, at - lookback, lookback);
            List<String> alerts = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            Decision d = ev.evaluate(ctx, new FlowRuleState(), (r, x, v) -> alerts.add(r + ":" + v));
            Decision e = reference.evaluate(ctx, new FlowRuleState(), (r, x, v) -> expected.add(r + ":" + v));
            assertThat(d).isEqualTo(e);
            assertThat(alerts).isEqualTo(expected);
            seen.add(alerts.stream()
                    .map(alert -> alert.substring(0, alert.indexOf(':')))
                    .toList());
            at += bytes.length;
        }
        // Rules are in action order (drop first): sid 738 is index 0, then the alerts in sid order.
        assertThat(seen.get(0)).isEmpty();
        assertThat(seen.get(1)).containsExactly("0", "43");
        assertThat(seen.get(2)).isEmpty(); // the pattern is still in the lookback, but no new id after it
        assertThat(seen.get(3)).containsExactly("999");
        assertThat(ev.streamPrefilterFallbacks()).isZero();
        // Each segment evaluated the 1 000 rules of the one pattern found or pending, never the other rule.
        assertThat(ev.evaluatedRules()).isEqualTo(4 * 1000);
        state.reset();
        ev.close();
    }

    @Test
    void evaluateAllocatesNothingAfterWarmUp() throws Exception {
        RuleEvaluator ev = new RuleEvaluator(compile("x.allowlist.txt", ".example.com\nexact.org\n"));
        PacketContext hello = clientHello("www.example.com");
        PacketContext other = clientHello("other.net");
        AlertSink quiet = (i, a, v) -> {};
        FlowRuleState flow = new FlowRuleState();
        for (int i = 0; i < 20_000; i++) {
            flow.clear();
            ev.evaluate((i & 1) == 0 ? hello : other, flow, quiet);
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            flow.clear();
            ev.evaluate((i & 1) == 0 ? hello : other, flow, quiet);
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).isLessThan(1024);
    }

    @Test
    void defaultActionAlertsCarryTheSidsNfwLogsThemUnder() {
        // policy.md §4: sid 2 "aws:alert_strict action", sid 4 "aws:alert_established action".
        assertThat(-RuleEvaluator.DEFAULT_ALERT_STRICT).isEqualTo(2);
        assertThat(-RuleEvaluator.DEFAULT_ALERT_ESTABLISHED).isEqualTo(4);
    }
}
