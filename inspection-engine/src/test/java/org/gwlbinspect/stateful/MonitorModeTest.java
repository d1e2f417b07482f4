package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;
import static org.gwlbinspect.stateful.StatefulHarness.ACK;
import static org.gwlbinspect.stateful.StatefulHarness.PSH_ACK;
import static org.gwlbinspect.stateful.StatefulHarness.SYN;

import io.netty.buffer.ByteBuf;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.InspectionCounters;
import org.gwlbinspect.detect.InspectionCounters.WouldBlock;
import org.gwlbinspect.detect.PolicyInspector;
import org.gwlbinspect.eve.EpochClock;
import org.gwlbinspect.eve.EveLog;
import org.gwlbinspect.eve.EveLogConfig;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.FragmentTracker;
import org.gwlbinspect.flowlog.FlowRecords;
import org.gwlbinspect.l7.TlsMessages;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.verdict.Enforcement;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Monitor mode (docs/learning-mode.md): every verdict is taken and logged as under enforcement, every packet passes,
 * the alerts carry {@code would_verdict}, and what would have been dropped is counted by engine.
 */
class MonitorModeTest {
    private static final long CLIENT_ISN = 1000;
    private static final long SERVER_ISN = 900_000;

    /** Strict order, an allow-list for github.com, {@code aws:drop_established} without its alert variant. */
    private static final String DROP_ONLY_BUNDLE = """
            {"FirewallPolicyResponse": {"FirewallPolicyName": "drop-only",
               "FirewallPolicyArn": "arn:aws:network-firewall:eu-west-1:123456789012:firewall-policy/drop-only"},
             "FirewallPolicy": {
               "StatelessDefaultActions": ["aws:forward_to_sfe"],
               "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
               "StatefulRuleGroupReferences": [{"ResourceArn": "arn:aws:network-firewall:eu-west-1:123456789012:stateful-rulegroup/names", "Priority": 10}],
               "StatefulDefaultActions": ["aws:drop_established"],
               "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"}},
             "RuleGroups": [{"RuleGroup": {
                 "RulesSource": {"RulesSourceList": {"Targets": ["github.com"], "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
                                                     "GeneratedRulesType": "ALLOWLIST"}},
                 "StatefulRuleOptions": {"RuleOrder": "STRICT_ORDER"}},
               "RuleGroupResponse": {"RuleGroupArn": "arn:aws:network-firewall:eu-west-1:123456789012:stateful-rulegroup/names",
                                     "RuleGroupName": "names", "Type": "STATEFUL", "Capacity": 10}}]}
            """;

    @TempDir
    Path dir;

    private final StatefulHarness h = new StatefulHarness(StatefulHarness.SMALL);
    private final InspectionCounters inspection = new InspectionCounters();

    private PolicyInspector monitor(CompiledPolicy policy) {
        return inspector(new ActivePolicy(policy), policy, Enforcement.MONITOR);
    }

    private PolicyInspector inspector(ActivePolicy active, CompiledPolicy policy, Enforcement enforcement) {
        StatefulInspector stateful = new StatefulInspector(h.flows, h.counters);
        stateful.alertSink((index, action, verdict) -> h.alerts.add(
                (index < 0 ? -index : policy.rules().get(index).signature().sid()) + ":" + verdict));
        PolicyInspector inspector = inspection.newInspector(active, stateful, enforcement);
        h.use(inspector);
        return inspector;
    }

    private static CompiledPolicy strictAllowlist() {
        return StatefulHarness.compile(
                "egress-strict-allowlist.json", StatefulHarness.resource("/policy/egress-strict-allowlist.json"));
    }

    private void handshake(int port, int serverPort) {
        assertThat(h.toServer(port, serverPort, CLIENT_ISN, 0, SYN, new byte[0]))
                .isEqualTo(Verdict.PASS);
        assertThat(h.toClient(port, serverPort, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
        assertThat(h.toServer(port, serverPort, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
    }

    @Test
    void aHelloTheAllowListWouldDropPassesIsLoggedOnceAndCounted() throws Exception {
        // egress-strict-allowlist.json: strict order, aws:drop_established + aws:alert_established.
        PolicyInspector inspector = monitor(strictAllowlist());
        assertThat(inspector.enforcement()).isEqualTo(Enforcement.MONITOR);
        handshake(40001, 443);
        byte[] hello = TlsMessages.javaClientHello("www.example.org", "TLSv1.3", "TLSv1.2");
        assertThat(h.toServer(40001, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.PASS);
        // The server answers and the client goes on: enforcement would have dropped each client packet (and logged
        // each); monitor mode decided the flow on the hello, so the rest passes without inspection or a second alert.
        assertThat(h.toClient(40001, 443, SERVER_ISN + 1, CLIENT_ISN + 1 + hello.length, PSH_ACK, new byte[300]))
                .isEqualTo(Verdict.PASS);
        for (int i = 0; i < 3; i++) {
            assertThat(h.toServer(40001, 443, CLIENT_ISN + 1 + hello.length, SERVER_ISN + 301, PSH_ACK, new byte[100]))
                    .isEqualTo(Verdict.PASS);
        }
        assertThat(h.alerts).containsExactly("4:DROP");
        assertThat(h.counters.packets(StatefulOutcome.DROP)).isEqualTo(1);
        assertThat(h.counters.packets(StatefulOutcome.FLOW_DROPPED)).isEqualTo(4);
        assertThat(inspection.wouldBlockPackets(WouldBlock.STATEFUL_DROP)).isEqualTo(5);
        assertThat(inspection.wouldBlockPackets(WouldBlock.STATEFUL_REJECT)).isZero();
    }

    @Test
    void enforcementOfTheSamePacketsDropsThemAndCountsNothingAsMonitored() throws Exception {
        CompiledPolicy policy = strictAllowlist();
        inspector(new ActivePolicy(policy), policy, Enforcement.ENFORCE);
        handshake(40001, 443);
        byte[] hello = TlsMessages.javaClientHello("www.example.org", "TLSv1.3", "TLSv1.2");
        assertThat(h.toServer(40001, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.DROP);
        assertThat(h.toServer(40001, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.DROP);
        assertThat(h.alerts).containsExactly("4:DROP", "4:DROP");
        assertThat(inspection.wouldBlockPackets(WouldBlock.STATEFUL_DROP)).isZero();
    }

    @Test
    void aDefaultDropWithoutItsAlertVariantStillLogsInMonitorMode() throws Exception {
        // NFW logs nothing for aws:drop_established alone (policy.md §2.4); a learning run must see the name anyway.
        CompiledPolicy policy = StatefulHarness.compile("drop-only.json", DROP_ONLY_BUNDLE);
        inspector(new ActivePolicy(policy), policy, Enforcement.ENFORCE);
        handshake(40001, 443);
        byte[] hello = TlsMessages.javaClientHello("www.example.org", "TLSv1.3", "TLSv1.2");
        assertThat(h.toServer(40001, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.DROP);
        assertThat(h.alerts).isEmpty();

        monitor(policy);
        handshake(40002, 443);
        assertThat(h.toServer(40002, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsExactly("4:DROP");
        // an allowed name passes as under enforcement, without a record
        handshake(40003, 443);
        byte[] allowed = TlsMessages.javaClientHello("github.com", "TLSv1.3", "TLSv1.2");
        assertThat(h.toServer(40003, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, allowed))
                .isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsExactly("4:DROP");
        assertThat(inspection.wouldBlockPackets(WouldBlock.STATEFUL_DROP)).isEqualTo(1);
    }

    @Test
    void aSplitHelloLogsEachDroppedSegmentUntilTheHelloIsInspectedWithItsName() throws Exception {
        CompiledPolicy policy = StatefulHarness.compile("drop-only.json", DROP_ONLY_BUNDLE);
        monitor(policy);
        handshake(40001, 443);
        byte[] hello = TlsMessages.javaClientHello("www.example.org", "TLSv1.3", "TLSv1.2");
        byte[] first = Arrays.copyOfRange(hello, 0, 40);
        byte[] rest = Arrays.copyOfRange(hello, 40, hello.length);
        // aws:drop_established drops the first segment (no name yet): logged, passed, the flow stays undecided ...
        assertThat(h.toServer(40001, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, first))
                .isEqualTo(Verdict.PASS);
        // ... so the segment that completes the hello is inspected with its SNI (and decides the flow).
        assertThat(h.toServer(40001, 443, CLIENT_ISN + 41, SERVER_ISN + 1, PSH_ACK, rest))
                .isEqualTo(Verdict.PASS);
        assertThat(h.toServer(40001, 443, CLIENT_ISN + 1 + hello.length, SERVER_ISN + 1, PSH_ACK, new byte[10]))
                .isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsExactly("4:DROP", "4:DROP");
        assertThat(h.counters.packets(StatefulOutcome.DROP)).isEqualTo(2);
        assertThat(h.counters.packets(StatefulOutcome.FLOW_DROPPED)).isEqualTo(1);
    }

    @Test
    void aRejectPassesWithoutResetsAndIsCountedAsAWouldBeReject() throws Exception {
        CompiledPolicy policy = StatefulHarness.compile(
                "reject.rules",
                "reject http any any -> any any (msg:\"evil host\"; http.host; content:\"evil.example\"; sid:77;)\n");
        monitor(policy);
        handshake(40001, 80);
        byte[] get = "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(h.toServer(40001, 80, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, get))
                .isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsExactly("77:REJECT");
        assertThat(h.counters.packets(StatefulOutcome.REJECT)).isEqualTo(1);
        assertThat(inspection.wouldBlockPackets(WouldBlock.STATEFUL_REJECT)).isEqualTo(1);
    }

    @Test
    void aStatelessDropPassesAndIsCountedWithoutReachingTheStatefulEngine() throws Exception {
        // stateless-custom-actions.json: UDP to 443 hits the edge-early group's aws:drop.
        CompiledPolicy policy = StatefulHarness.compile(
                "stateless.json", StatefulHarness.resource("/policy/stateless-custom-actions.json"));
        PolicyInspector inspector = inspection.newInspector(new ActivePolicy(policy), null, Enforcement.MONITOR);
        ByteBuf datagram = gwlb(ipv4Packet(17, ipv4(10, 1, 1, 1), ipv4(198, 51, 100, 1), udp(40000, 443, new byte[8])));
        try {
            GeneveHeader geneve = new GeneveHeader();
            InnerPacket inner = new InnerPacket();
            assertThat(TestPackets.decode(datagram, geneve, inner)).isEqualTo(DecodeStatus.OK);
            assertThat(inspector.inspect(inner, datagram, null, 0, 0, 0)).isEqualTo(Verdict.PASS);
        } finally {
            datagram.release();
        }
        assertThat(inspection.statelessPackets(StatelessAction.DROP)).isEqualTo(1);
        assertThat(inspection.wouldBlockPackets(WouldBlock.STATELESS_DROP)).isEqualTo(1);
    }

    @Test
    void aReloadedPolicyIsStillOnlyMonitored() throws Exception {
        CompiledPolicy first = StatefulHarness.compile("drop-only.json", DROP_ONLY_BUNDLE);
        ActivePolicy active = new ActivePolicy(first);
        CompiledPolicy second = strictAllowlist();
        inspector(active, second, Enforcement.MONITOR);
        active.install(second);
        handshake(40001, 443);
        byte[] hello = TlsMessages.javaClientHello("www.example.org", "TLSv1.3", "TLSv1.2");
        assertThat(h.toServer(40001, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsExactly("4:DROP");
        assertThat(inspection.wouldBlockPackets(WouldBlock.STATEFUL_DROP)).isEqualTo(1);
    }

    @Test
    void alertRecordsSayAllowedAndCarryWhatEnforcementWouldHaveDone() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        EveLog log = EveLog.start(
                new EveLogConfig(
                        dir.resolve("alert.json"), dir.resolve("flow.json"), 1 << 20, 1, 64, "fw", "eu-west-1a"),
                lines::add);
        try {
            PolicyInspector inspector = monitor(strictAllowlist());
            EpochClock clock = new EpochClock(1_755_003_965_000_000L, h.now);
            new EveAlerts(inspector.stateful(), log.registerProducer("test"), clock, FlowRecords.disabled());
            handshake(40001, 443);
            byte[] hello = TlsMessages.javaClientHello("www.example.org", "TLSv1.3", "TLSv1.2");
            assertThat(h.toServer(40001, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                    .isEqualTo(Verdict.PASS);

            CompiledPolicy reject = StatefulHarness.compile(
                    "reject.rules",
                    "reject http any any -> any any (msg:\"evil host\"; http.host; content:\"evil.example\"; sid:77;)\n");
            PolicyInspector second = monitor(reject);
            new EveAlerts(second.stateful(), log.registerProducer("test2"), clock, FlowRecords.disabled());
            handshake(40002, 80);
            byte[] get = "GET /a HTTP/1.1\r\nHost: evil.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            assertThat(h.toServer(40002, 80, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, get))
                    .isEqualTo(Verdict.PASS);
        } finally {
            log.close();
        }
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .contains("\"alert\":{\"action\":\"allowed\",\"signature_id\":4,\"rev\":0,"
                        + "\"signature\":\"aws:alert_established action\",\"category\":\"\",\"severity\":3},"
                        + "\"verdict\":{\"action\":\"alert\"},\"would_verdict\":{\"action\":\"drop\"},"
                        + "\"tls\":{\"sni\":\"www.example.org\",\"version\":\"UNDETERMINED\"}}}");
        assertThat(lines.get(1))
                .contains("\"alert\":{\"action\":\"allowed\",\"signature_id\":77,"
                        + "\"rev\":0,\"signature\":\"evil host\",\"category\":\"\",\"severity\":3},"
                        + "\"verdict\":{\"action\":\"alert\"},"
                        + "\"would_verdict\":{\"action\":\"drop\",\"reject-target\":\"to_client\","
                        + "\"reject\":[\"tcp-reset\"]},\"http\":{\"hostname\":\"evil.example\"");
    }

    @Test
    void monitoredFlowsAllocateNothingOnceWarm() throws Exception {
        // As StatefulAllocationTest, in monitor mode: denied TLS flows whose hello would be dropped (and is logged),
        // then their retransmission and data on the fast path, all passed and counted.
        int flows = 1500;
        FlowTableConfig config = new FlowTableConfig(
                16 * flows, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        StatefulFlows statefulFlows = new StatefulFlows(config.capacity(), StatefulHarness.SMALL);
        FlowTable table = new FlowTable(config, statefulFlows);
        FlowResolver resolver = new FlowResolver(table, new FragmentTracker(table, 64, Duration.ofSeconds(30)));
        StatefulCounters counters = new StatefulCounters();
        PolicyInspector inspector = inspection.newInspector(
                new ActivePolicy(strictAllowlist()),
                new StatefulInspector(statefulFlows, counters),
                Enforcement.MONITOR);
        byte[] denied = TlsMessages.javaClientHello("example.org", "TLSv1.3", "TLSv1.2");
        List<ByteBuf> datagrams = new ArrayList<>();
        for (byte[] p : flows(0, 2 * flows, denied)) datagrams.add(gwlb(p));
        int warm = datagrams.size() / 2;
        GeneveHeader geneve = new GeneveHeader();
        InnerPacket inner = new InnerPacket();
        int passed = 0;
        long before = 0;
        long now = 1_000_000_000L;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < datagrams.size(); i++) {
            if (i == warm) before = threads.getCurrentThreadAllocatedBytes();
            ByteBuf d = datagrams.get(i);
            if (TestPackets.decode(d, geneve, inner) != DecodeStatus.OK) throw new AssertionError("decode");
            now += 1000;
            int slot = resolver.resolve(
                    geneve, inner, d, d.readerIndex(), d.readableBytes(), 0x7F000002, 50000, 0x7F000001, now);
            if (slot < 0) throw new AssertionError("no flow");
            Verdict v = inspector.inspect(inner, d, table, slot, resolver.direction(), now);
            if (i >= warm && v == Verdict.PASS) passed++;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        datagrams.forEach(ByteBuf::release);
        assertThat(passed).isEqualTo(datagrams.size() - warm);
        assertThat(counters.alerts()).isEqualTo(2L * flows); // one per flow: the hello's
        assertThat(inspection.wouldBlockPackets(WouldBlock.STATEFUL_DROP)).isEqualTo(2L * flows * 3);
        assertThat(allocated / (double) (datagrams.size() - warm))
                .as("bytes allocated per packet over %d packets", datagrams.size() - warm)
                .isLessThan(1.0);
    }

    /** Denied TLS flows: handshake, the hello (would drop), its retransmission and a data packet (fast path). */
    private static List<byte[]> flows(int from, int to, byte[] hello) {
        List<byte[]> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            int port = 10_000 + i;
            out.add(ipv4Packet(
                    6,
                    StatefulHarness.CLIENT,
                    StatefulHarness.SERVER,
                    org.gwlbinspect.codec.TestPackets.tcp(port, 443, 1000, 0, SYN, new byte[0])));
            out.add(ipv4Packet(
                    6,
                    StatefulHarness.SERVER,
                    StatefulHarness.CLIENT,
                    org.gwlbinspect.codec.TestPackets.tcp(443, port, 9000, 1001, SYN | ACK, new byte[0])));
            out.add(ipv4Packet(
                    6,
                    StatefulHarness.CLIENT,
                    StatefulHarness.SERVER,
                    org.gwlbinspect.codec.TestPackets.tcp(port, 443, 1001, 9001, ACK, new byte[0])));
            for (int k = 0; k < 2; k++) {
                out.add(ipv4Packet(
                        6,
                        StatefulHarness.CLIENT,
                        StatefulHarness.SERVER,
                        org.gwlbinspect.codec.TestPackets.tcp(port, 443, 1001, 9001, PSH_ACK, hello)));
            }
            out.add(ipv4Packet(
                    6,
                    StatefulHarness.CLIENT,
                    StatefulHarness.SERVER,
                    org.gwlbinspect.codec.TestPackets.tcp(
                            port, 443, 1001 + hello.length, 9001, PSH_ACK, new byte[50])));
        }
        return out;
    }
}
