package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.InspectionCounters;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.detect.PolicyInspector;
import org.gwlbinspect.eve.EpochClock;
import org.gwlbinspect.eve.EveLog;
import org.gwlbinspect.eve.EveLogConfig;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.FragmentTracker;
import org.gwlbinspect.flowlog.FlowRecords;
import org.gwlbinspect.l7.TlsClientHelloParser;
import org.gwlbinspect.l7.TlsMessages;
import org.gwlbinspect.l7.TlsParseStatus;
import org.gwlbinspect.l7.TlsServerHelloParser;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.stream.StreamConfig;
import org.gwlbinspect.stream.StreamEvent;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stateful engine on real packets: decoded GENEVE, the flow table, reassembly, the app-layer parsers and the rule
 * evaluator together, as a worker runs them. Each test names the NFW behaviour it checks (policy.md).
 */
class StatefulInspectorTest {
    private static final long CLIENT = ipv4(10, 100, 1, 5);
    private static final long SERVER = ipv4(52, 1, 2, 3);
    private static final int CLIENT_PORT = 40001;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;
    private static final long CLIENT_ISN = 1000;
    private static final long SERVER_ISN = 900_000;

    /** Small pools: a test allocates its own, and the defaults are ~100 MiB. */
    private static final StatefulConfig SMALL =
            new StatefulConfig(new StreamConfig(64, 2048, 256, 1 << 20, 64 * 1024, 32, 128 * 1024, 16 * 1024), 8);

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static KeyStore blockedServer;

    @TempDir
    Path dir;

    private final FlowTable table;
    private final FlowResolver resolver;
    private final StatefulFlows statefulFlows;
    private final StatefulCounters counters = new StatefulCounters();
    private final GeneveHeader geneve = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();
    private final List<String> alerts = new ArrayList<>();
    private final List<ByteBuf> sent = new ArrayList<>();
    private ActivePolicy active;
    private PolicyInspector inspector;
    private long now = 1_000_000_000L;

    /** A server whose certificate is {@code CN=blocked.example}, made by keytool as an operator would make one. */
    @BeforeAll
    static void generateServerCertificate(@TempDir Path keys) throws Exception {
        blockedServer = TlsMessages.selfSignedKeyStore(keys, "CN=blocked.example, O=Example Org, C=US", PASSWORD);
    }

    StatefulInspectorTest() {
        FlowTableConfig config =
                new FlowTableConfig(1024, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        statefulFlows = new StatefulFlows(config.capacity(), SMALL);
        table = new FlowTable(config, statefulFlows);
        resolver = new FlowResolver(table, new FragmentTracker(table, 64, Duration.ofSeconds(30)));
    }

    @AfterEach
    void release() {
        sent.forEach(ByteBuf::release);
    }

    private void use(CompiledPolicy policy) {
        active = new ActivePolicy(policy);
        StatefulInspector stateful = new StatefulInspector(statefulFlows, counters);
        stateful.alertSink((index, action, verdict) -> alerts.add(sidOf(policy, index) + ":" + verdict));
        inspector = new InspectionCounters().newInspector(active, stateful);
    }

    private static long sidOf(CompiledPolicy policy, int index) {
        return index < 0 ? -index : policy.rules().get(index).signature().sid();
    }

    private CompiledPolicy strictAllowlist() throws Exception {
        // egress-strict-allowlist.json: HOME_NET 10.100.0.0/16, strict order, aws:drop_established +
        // aws:alert_established, StreamExceptionPolicy REJECT, allow-list .amazonaws.com and github.com (TLS, HTTP).
        Path bundle = Path.of(
                getClass().getResource("/policy/egress-strict-allowlist.json").toURI());
        return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(bundle);
    }

    private CompiledPolicy rules(String text) throws Exception {
        Path file = dir.resolve("p" + System.nanoTime() + ".rules");
        Files.writeString(file, text);
        return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
    }

    private Verdict send(byte[] packet) {
        ByteBuf datagram = gwlb(packet);
        sent.add(datagram);
        assertThat(TestPackets.decode(datagram, geneve, inner)).isEqualTo(DecodeStatus.OK);
        now += 1_000_000;
        int slot = resolver.resolve(
                geneve,
                inner,
                datagram,
                datagram.readerIndex(),
                datagram.readableBytes(),
                0x7F000002,
                50000,
                0x7F000001,
                now);
        assertThat(slot).isNotNegative();
        return inspector.inspect(inner, datagram, table, slot, resolver.direction(), now);
    }

    private Verdict toServer(int port, long seq, long ack, int flags, byte[] payload) {
        return send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT, port, seq, ack, flags, payload)));
    }

    private Verdict toClient(int port, long seq, long ack, int flags, byte[] payload) {
        return send(ipv4Packet(6, SERVER, CLIENT, tcp(port, CLIENT_PORT, seq, ack, flags, payload)));
    }

    /** A client→server segment of the connection from {@code clientPort}. */
    private Verdict fromClient(int clientPort, int port, long seq, long ack, int flags, byte[] payload) {
        return send(ipv4Packet(6, CLIENT, SERVER, tcp(clientPort, port, seq, ack, flags, payload)));
    }

    /** The three-way handshake of another connection, from {@code clientPort}. */
    private void handshake(int clientPort, int port) {
        fromClient(clientPort, port, CLIENT_ISN, 0, SYN, new byte[0]);
        send(ipv4Packet(6, SERVER, CLIENT, tcp(port, clientPort, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0])));
        fromClient(clientPort, port, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0]);
    }

    /** Sends an HTTP request on a new connection from {@code clientPort} to port 80. */
    private Verdict httpRequest(int clientPort, String request) {
        handshake(clientPort, 80);
        return fromClient(clientPort, 80, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, ascii(request));
    }

    /** SYN, SYN-ACK, ACK: each must pass (aws:drop_established lets the handshake through, policy.md §2.4). */
    private void handshake(int port) {
        assertThat(toServer(port, CLIENT_ISN, 0, SYN, new byte[0])).isEqualTo(Verdict.PASS);
        assertThat(toClient(port, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
        assertThat(toServer(port, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void tlsAllowlistPassesTheFlowOfAnAllowedSniAndLaterPacketsTakeTheFastPath() throws Exception {
        use(strictAllowlist());
        handshake(443);
        byte[] hello = TlsMessages.javaClientHello("s3.eu-west-1.amazonaws.com", "TLSv1.3", "TLSv1.2");
        assertThat(toServer(443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.PASS);
        assertThat(toClient(443, SERVER_ISN + 1, CLIENT_ISN + 1 + hello.length, PSH_ACK, new byte[100]))
                .isEqualTo(Verdict.PASS);
        assertThat(toServer(443, CLIENT_ISN + 1 + hello.length, SERVER_ISN + 101, PSH_ACK, new byte[50]))
                .isEqualTo(Verdict.PASS);
        assertThat(alerts).isEmpty(); // pass rules of a domain list do not log
        assertThat(counters.packets(StatefulOutcome.RULE_PASS)).isEqualTo(1);
        assertThat(counters.packets(StatefulOutcome.FLOW_PASSED)).isEqualTo(2);
        assertThat(counters.appLayerDetected(AppLayer.TLS)).isEqualTo(1);
        assertThat(statefulFlows.freeParserSets()).isEqualTo(SMALL.parserSets());
    }

    @Test
    void tlsAllowlistDropsAnotherSniWithTheEstablishedDefaultAlertAndLetsServerPacketsThrough() throws Exception {
        use(strictAllowlist());
        handshake(443);
        byte[] hello = TlsMessages.javaClientHello("api.github.com.evil.example", "TLSv1.3", "TLSv1.2");
        assertThat(toServer(443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.DROP);
        // aws:alert_established logs under sid 4 (policy.md §4).
        assertThat(alerts).containsExactly("4:DROP");
        // Default actions act per packet: client data stays dropped, server→client packets pass (§2.4).
        assertThat(toServer(443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.DROP);
        assertThat(toClient(443, SERVER_ISN + 1, CLIENT_ISN + 1, ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
        // The server never got the hello: no certificate is awaited, the parsers are back in their pool.
        assertThat(statefulFlows.freeParserSets()).isEqualTo(SMALL.parserSets());
    }

    @Test
    void aClientHelloSplitAcrossSegmentsDropsItsFirstSegmentThenPassesTheFlowOnceTheSniIsKnown() throws Exception {
        // policy.md §5: with aws:drop_established the first segment is established client data without an SNI yet.
        use(strictAllowlist());
        handshake(443);
        byte[] hello = TlsMessages.javaClientHello("github.com", "TLSv1.3", "TLSv1.2");
        byte[] first = Arrays.copyOfRange(hello, 0, 40);
        byte[] rest = Arrays.copyOfRange(hello, 40, hello.length);
        long seq = CLIENT_ISN + 1;
        assertThat(toServer(443, seq, SERVER_ISN + 1, ACK, first)).isEqualTo(Verdict.DROP);
        assertThat(toServer(443, seq + first.length, SERVER_ISN + 1, PSH_ACK, rest))
                .isEqualTo(Verdict.PASS);
        // The client's retransmission of the dropped segment now passes with the flow.
        assertThat(toServer(443, seq, SERVER_ISN + 1, ACK, first)).isEqualTo(Verdict.PASS);
        assertThat(counters.packets(StatefulOutcome.FLOW_PASSED)).isEqualTo(1);
    }

    @Test
    void dropEstablishedAppLayerPassesTheSegmentsOfASplitClientHelloUntilTheSniDecides() throws Exception {
        // policy.md §2.4 / §5: the _app_layer default action exists for exactly this case.
        String bundle = Files.readString(Path.of(getClass()
                        .getResource("/policy/egress-strict-allowlist.json")
                        .toURI()))
                .replace("\"aws:drop_established\", \"aws:alert_established\"", "\"aws:drop_established_app_layer\"");
        Path file = dir.resolve("app-layer.json");
        Files.writeString(file, bundle);
        use(new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file));
        handshake(443);
        byte[] hello = TlsMessages.javaClientHello("github.com", "TLSv1.3", "TLSv1.2");
        byte[] first = Arrays.copyOfRange(hello, 0, 40);
        byte[] rest = Arrays.copyOfRange(hello, 40, hello.length);
        long seq = CLIENT_ISN + 1;
        assertThat(toServer(443, seq, SERVER_ISN + 1, ACK, first)).isEqualTo(Verdict.PASS);
        assertThat(toServer(443, seq + first.length, SERVER_ISN + 1, PSH_ACK, rest))
                .isEqualTo(Verdict.PASS);
        assertThat(counters.packets(StatefulOutcome.RULE_PASS)).isEqualTo(1);

        // Another SNI: the hello is the first undecided established packet, the flow is dropped from there on.
        send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 443, CLIENT_ISN, 0, SYN, new byte[0])));
        send(ipv4Packet(
                6, SERVER, CLIENT, tcp(443, CLIENT_PORT + 1, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0])));
        send(ipv4Packet(
                6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 443, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0])));
        byte[] other = TlsMessages.javaClientHello("example.org", "TLSv1.3", "TLSv1.2");
        assertThat(send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 443, seq, SERVER_ISN + 1, PSH_ACK, other))))
                .isEqualTo(Verdict.DROP);
        assertThat(send(ipv4Packet(
                        6, SERVER, CLIENT, tcp(443, CLIENT_PORT + 1, SERVER_ISN + 1, seq, ACK, new byte[0]))))
                .isEqualTo(Verdict.DROP);
        assertThat(counters.packets(StatefulOutcome.FLOW_DROPPED)).isEqualTo(1);
    }

    @Test
    void segmentsArrivingOutOfOrderAreReadInSequenceOrder() throws Exception {
        use(strictAllowlist());
        handshake(443);
        byte[] hello = TlsMessages.javaClientHello("github.com", "TLSv1.3", "TLSv1.2");
        byte[] first = Arrays.copyOfRange(hello, 0, 100);
        byte[] rest = Arrays.copyOfRange(hello, 100, hello.length);
        long seq = CLIENT_ISN + 1;
        assertThat(toServer(443, seq + first.length, SERVER_ISN + 1, PSH_ACK, rest))
                .isEqualTo(Verdict.DROP);
        assertThat(toServer(443, seq, SERVER_ISN + 1, ACK, first)).isEqualTo(Verdict.PASS);
        assertThat(counters.streamEvents(StreamEvent.OUT_OF_ORDER)).isEqualTo(1);
    }

    @Test
    void aSegmentContradictingInspectedBytesIsDroppedWhateverTheServerWouldKeep() throws Exception {
        use(rules("drop tls any any -> any any (tls.sni; content:\"blocked.example\"; nocase; sid:7;)\n"));
        handshake(443);
        byte[] hello = TlsMessages.javaClientHello("blocked.example", "TLSv1.3", "TLSv1.2");
        byte[] first = Arrays.copyOfRange(hello, 0, 60);
        long seq = CLIENT_ISN + 1;
        assertThat(toServer(443, seq, SERVER_ISN + 1, ACK, first)).isEqualTo(Verdict.PASS);
        byte[] forged = first.clone();
        forged[50] ^= 0x55;
        assertThat(toServer(443, seq, SERVER_ISN + 1, ACK, forged)).isEqualTo(Verdict.DROP);
        assertThat(counters.packets(StatefulOutcome.STREAM_UNSAFE_DROP)).isEqualTo(1);
        byte[] rest = Arrays.copyOfRange(hello, 60, hello.length);
        assertThat(toServer(443, seq + first.length, SERVER_ISN + 1, PSH_ACK, rest))
                .isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("7:DROP");
    }

    @Test
    void aFlowPickedUpMidstreamGetsTheStreamExceptionPolicy() throws Exception {
        // policy.md §2.8: StreamExceptionPolicy REJECT resets a TCP flow the engine has no state for.
        use(strictAllowlist());
        assertThat(toServer(443, 5_000, 7_000, PSH_ACK, new byte[200])).isEqualTo(Verdict.REJECT);
        assertThat(toServer(443, 5_200, 7_000, PSH_ACK, new byte[200])).isEqualTo(Verdict.DROP);
        assertThat(counters.midstreamFlows()).isEqualTo(1);
        assertThat(counters.packets(StatefulOutcome.STREAM_EXCEPTION_REJECT)).isEqualTo(1);
        assertThat(counters.packets(StatefulOutcome.FLOW_DROPPED)).isEqualTo(1);
    }

    @Test
    void aRulesFileKeepsNfwsDefaultStreamExceptionPolicyDrop() throws Exception {
        use(rules("pass tls any any -> any any (tls.sni; content:\"github.com\"; sid:1;)\n"));
        // A .rules shorthand keeps NFW's default StreamExceptionPolicy (DROP): midstream is dropped.
        assertThat(toServer(443, 5_000, 7_000, PSH_ACK, new byte[20])).isEqualTo(Verdict.DROP);
        assertThat(counters.packets(StatefulOutcome.STREAM_EXCEPTION_DROP)).isEqualTo(1);
    }

    @Test
    void httpAllowlistDecidesOnTheHostHeaderLowercasedWithoutPort() throws Exception {
        use(strictAllowlist());
        handshake(80);
        byte[] get = ascii("GET /x HTTP/1.1\r\nHost: GitHub.com:8080\r\nUser-Agent: t\r\n\r\n");
        assertThat(toServer(80, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, get)).isEqualTo(Verdict.PASS);
        assertThat(counters.appLayerDetected(AppLayer.HTTP)).isEqualTo(1);

        byte[] evil = ascii("GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 80, CLIENT_ISN, 0, SYN, new byte[0])));
        send(ipv4Packet(
                6, SERVER, CLIENT, tcp(80, CLIENT_PORT + 1, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0])));
        send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 80, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0])));
        Verdict verdict = send(
                ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 80, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, evil)));
        assertThat(verdict).isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("4:DROP");
    }

    @Test
    void actionOrderDenylistRejectsTheFlowAndPayloadRulesActOnOnePacket() throws Exception {
        use(rules("""
                reject http any any -> any any (http.host; content:"evil.example"; endswith; sid:1;)
                drop tcp any any -> any any (flow:to_server; content:"BADSTUFF"; dsize:>0; sid:2;)
                """));
        handshake(80);
        byte[] get = ascii("GET / HTTP/1.1\r\nHost: www.evil.example\r\n\r\n");
        assertThat(toServer(80, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, get)).isEqualTo(Verdict.REJECT);
        // An app-layer rule acts on the flow: later packets are dropped without inspection (§3.3).
        assertThat(toClient(80, SERVER_ISN + 1, CLIENT_ISN + 1, ACK, new byte[0]))
                .isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("1:REJECT");

        alerts.clear();
        send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 80, CLIENT_ISN, 0, SYN, new byte[0])));
        Verdict bad = send(
                ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 80, CLIENT_ISN + 1, 0, ACK, ascii("xxBADSTUFFxx"))));
        Verdict next =
                send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 80, CLIENT_ISN + 13, 0, ACK, ascii("fine"))));
        // A payload rule with dsize is a packet rule: only the matching packet is dropped (policy.md §0 item 1, §3.3;
        // without dsize it would match the stream and drop the flow, see StreamPayloadMatchingTest).
        assertThat(bad).isEqualTo(Verdict.DROP);
        assertThat(next).isEqualTo(Verdict.PASS);
        assertThat(alerts).containsExactly("2:DROP");
    }

    @Test
    void dnsQueriesOverUdpAreMatchedByName() throws Exception {
        use(rules("drop dns any any -> any any (dns.query; content:\"blocked.example\"; nocase; endswith; sid:9;)\n"));
        assertThat(send(ipv4Packet(17, CLIENT, ipv4(10, 100, 0, 2), udp(5353, 53, dnsQuery("www.Blocked.Example")))))
                .isEqualTo(Verdict.DROP);
        assertThat(send(ipv4Packet(17, CLIENT, ipv4(10, 100, 0, 2), udp(5354, 53, dnsQuery("ok.example")))))
                .isEqualTo(Verdict.PASS);
        assertThat(alerts).containsExactly("9:DROP");
        assertThat(counters.appLayerDetected(AppLayer.DNS)).isEqualTo(2);
    }

    @Test
    void aReloadKeepsTheVerdictsOfExistingFlows() throws Exception {
        // "Changes to stateful rules are applied only to new traffic flows" (policy.md §5).
        use(rules("pass tcp any any -> any 8443 (sid:1;)\n"));
        assertThat(toServer(8443, CLIENT_ISN, 0, SYN, new byte[0])).isEqualTo(Verdict.PASS);
        active.install(rules("drop tcp any any -> any 8443 (sid:2;)\n"));
        assertThat(toClient(8443, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
        assertThat(send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 7, 8443, CLIENT_ISN, 0, SYN, new byte[0]))))
                .isEqualTo(Verdict.DROP);
    }

    @Test
    void theStreamStateAndParsersGoBackToTheirPoolsWhenTheFlowEnds() throws Exception {
        use(strictAllowlist());
        handshake(443);
        byte[] hello = TlsMessages.javaClientHello("github.com", "TLSv1.3", "TLSv1.2");
        toServer(443, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, Arrays.copyOfRange(hello, 0, 40));
        int total = SMALL.parserSets();
        assertThat(statefulFlows.freeParserSets()).isEqualTo(total - 1);
        assertThat(table.expireIdle(now + Duration.ofHours(1).toNanos(), table.indexSize()))
                .isEqualTo(1);
        assertThat(statefulFlows.freeParserSets()).isEqualTo(total);
    }

    @Test
    void alertRecordsCarryTheRuleTheTlsFieldsAndTheVerdictInNfwsShape() throws Exception {
        // policy.md §4: the default-action alert on a dropped ClientHello, and a reject rule's alert with metadata.
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        EveLog log = EveLog.start(
                new EveLogConfig(
                        dir.resolve("alert.json"),
                        dir.resolve("flow.json"),
                        1 << 20,
                        1,
                        64,
                        "networkfirewall",
                        "eu-west-1a"),
                lines::add);
        try {
            use(strictAllowlist());
            StatefulInspector stateful = inspector.stateful();
            EpochClock clock = new EpochClock(1_755_003_965_000_000L, now);
            new EveAlerts(stateful, log.registerProducer("test"), clock, FlowRecords.disabled());
            handshake(443);
            byte[] hello = TlsMessages.javaClientHello("www.example.org", "TLSv1.3", "TLSv1.2");
            assertThat(toServer(443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                    .isEqualTo(Verdict.DROP);

            use(rules("reject http any any -> any any (msg:\"evil host\"; http.host; content:\"evil.example\";"
                    + " classtype:trojan-activity; metadata:policy balanced, policy security; sid:77; rev:3;)\n"));
            new EveAlerts(inspector.stateful(), log.registerProducer("test2"), clock, FlowRecords.disabled());
            send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 80, CLIENT_ISN, 0, SYN, new byte[0])));
            byte[] get = ascii("GET /a?b HTTP/1.1\r\nHost: Evil.Example:8080\r\nUser-Agent: curl/8\r\n\r\n");
            assertThat(send(ipv4Packet(6, CLIENT, SERVER, tcp(CLIENT_PORT + 1, 80, CLIENT_ISN + 1, 0, PSH_ACK, get))))
                    .isEqualTo(Verdict.REJECT);
        } finally {
            log.close();
        }
        assertThat(lines)
                .containsExactly(
                        // The policy ARN, sid 4, "blocked" with verdict drop, the SNI as sent, version UNDETERMINED.
                        "{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\",\"event_timestamp\":\"1755003965\",\"aws_metadata\":{\"resource_arn\":\"arn:aws:network-firewall:eu-west-1:123456789012:firewall-policy/egress-strict\"},\"event\":{\"timestamp\":\"2025-08-12T13:06:05.004000+0000\",\"flow_id\":2178619119941170,\"event_type\":\"alert\",\"src_ip\":\"10.100.1.5\",\"src_port\":40001,\"dest_ip\":\"52.1.2.3\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"direction\":\"to_server\",\"alert\":{\"action\":\"blocked\",\"signature_id\":4,\"rev\":0,\"signature\":\"aws:alert_established action\",\"category\":\"\",\"severity\":3},\"verdict\":{\"action\":\"drop\"},\"tls\":{\"sni\":\"www.example.org\",\"version\":\"UNDETERMINED\"}}}",
                        // The group's rule: classtype category and severity, metadata, a reject, the http object with
                        // the host lowercased and without its port.
                        "{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\",\"event_timestamp\":\"1755003965\",\"event\":{\"timestamp\":\"2025-08-12T13:06:05.006000+0000\",\"flow_id\":449626471518294,\"event_type\":\"alert\",\"src_ip\":\"10.100.1.5\",\"src_port\":40002,\"dest_ip\":\"52.1.2.3\",\"dest_port\":80,\"proto\":\"TCP\",\"app_proto\":\"http\",\"direction\":\"to_server\",\"alert\":{\"action\":\"blocked\",\"signature_id\":77,\"rev\":3,\"signature\":\"evil host\",\"category\":\"A Network Trojan was detected\",\"severity\":1,\"metadata\":{\"policy\":[\"balanced\",\"security\"]}},\"verdict\":{\"action\":\"drop\",\"reject-target\":\"to_client\",\"reject\":[\"tcp-reset\"]},\"http\":{\"hostname\":\"evil.example\",\"url\":\"/a?b\",\"http_user_agent\":\"curl/8\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"length\":0}}}");
    }

    // ---- tls.cert_subject / tls.cert_issuer: the server's certificate ----------------------------------------------

    private static final String CERT_RULES = """
            drop tls any any -> any any (flow:to_client; tls.cert_subject; content:"CN=blocked"; sid:20;)
            alert tls any any -> any any (flow:to_client; tls.cert_issuer; content:"O=Example Org"; sid:21;)
            """;

    /** Sends the ClientHello of a TLS connection to port 443, which no rule decides; returns its length. */
    private int clientHello() throws Exception {
        handshake(443);
        byte[] hello = TlsMessages.javaClientHello("blocked.example", "TLSv1.3", "TLSv1.2");
        assertThat(toServer(443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.PASS);
        return hello.length;
    }

    @Test
    void aTls12CertificateSubjectRuleDropsTheServerPacketThatCompletesTheCertificate() throws Exception {
        use(rules(CERT_RULES));
        clientHello();
        // The flow keeps its parsers for the server's certificate.
        assertThat(statefulFlows.freeParserSets()).isEqualTo(SMALL.parserSets() - 1);
        byte[] flight = TlsMessages.javaServerFlight(blockedServer, PASSWORD, "TLSv1.2");
        byte[] first = Arrays.copyOfRange(flight, 0, 150);
        byte[] rest = Arrays.copyOfRange(flight, 150, flight.length);
        assertThat(new TlsServerHelloParser().feed(Unpooled.wrappedBuffer(first), 0, first.length))
                .as("the first segment ends inside the Certificate")
                .isEqualTo(TlsParseStatus.NEED_MORE);
        long seq = SERVER_ISN + 1;
        assertThat(toClient(443, seq, CLIENT_ISN + 1, ACK, first)).isEqualTo(Verdict.PASS);
        assertThat(alerts).isEmpty();

        assertThat(toClient(443, seq + first.length, CLIENT_ISN + 1, PSH_ACK, rest))
                .isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("20:DROP", "21:DROP");
        // An app-layer drop decides the flow (policy.md §3.3); its stream and parsers are back in their pools.
        assertThat(toServer(443, CLIENT_ISN + 1, seq + flight.length, ACK, new byte[0]))
                .isEqualTo(Verdict.DROP);
        assertThat(statefulFlows.freeParserSets()).isEqualTo(SMALL.parserSets());
    }

    @Test
    void aTls12CertificateOfAnotherSubjectPassesAndOnlyTheIssuerRuleAlerts() throws Exception {
        use(rules(CERT_RULES.replace("CN=blocked", "CN=other")));
        clientHello();
        byte[] flight = TlsMessages.javaServerFlight(blockedServer, PASSWORD, "TLSv1.2");
        assertThat(toClient(443, SERVER_ISN + 1, CLIENT_ISN + 1, PSH_ACK, flight))
                .isEqualTo(Verdict.PASS);
        assertThat(alerts).containsExactly("21:PASS");
        assertThat(statefulFlows.freeParserSets()).isEqualTo(SMALL.parserSets());
    }

    @Test
    void aTls13CertificateIsEncryptedSoACertificateRuleCannotMatch() throws Exception {
        use(rules(CERT_RULES));
        clientHello();
        byte[] flight = TlsMessages.javaServerFlight(blockedServer, PASSWORD, "TLSv1.3");
        assertThat(toClient(443, SERVER_ISN + 1, CLIENT_ISN + 1, PSH_ACK, flight))
                .isEqualTo(Verdict.PASS);
        assertThat(alerts).isEmpty();
        // Parsing stops at the ServerHello: nothing more is awaited.
        assertThat(statefulFlows.freeParserSets()).isEqualTo(SMALL.parserSets());
    }

    @Test
    void aFlowPassedOnItsClientHelloTakesTheFastPathAndItsCertificateIsNotInspected() throws Exception {
        // NFW: after a pass, "Suricata doesn't scan the other packets in that flow" (policy.md §2.3).
        use(rules(CERT_RULES + "pass tls any any -> any any (tls.sni; content:\"blocked.example\"; sid:1;)\n"));
        clientHello();
        assertThat(statefulFlows.freeParserSets()).isEqualTo(SMALL.parserSets());
        byte[] flight = TlsMessages.javaServerFlight(blockedServer, PASSWORD, "TLSv1.2");
        assertThat(toClient(443, SERVER_ISN + 1, CLIENT_ISN + 1, PSH_ACK, flight))
                .isEqualTo(Verdict.PASS);
        assertThat(alerts).isEmpty();
        assertThat(counters.packets(StatefulOutcome.FLOW_PASSED)).isEqualTo(1);
    }

    @Test
    void alertRecordsCarryTheVersionTheServerNegotiatedOnceItsHelloWasParsed() throws Exception {
        // policy.md §4: "UNDETERMINED" on the ClientHello; the certificate's packet and later ones know the version.
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        EveLog log = EveLog.start(
                new EveLogConfig(
                        dir.resolve("alert.json"),
                        dir.resolve("flow.json"),
                        1 << 20,
                        1,
                        64,
                        "networkfirewall",
                        "eu-west-1a"),
                lines::add);
        try {
            use(rules("""
                    alert tls any any -> any any (flow:to_client; tls.cert_subject; content:"CN=blocked"; sid:20;)
                    alert tls any any -> any any (flow:to_server; dsize:>0; sid:22;)
                    """));
            EpochClock clock = new EpochClock(1_755_003_965_000_000L, now);
            new EveAlerts(inspector.stateful(), log.registerProducer("test"), clock, FlowRecords.disabled());
            long seq = CLIENT_ISN + 1 + clientHello();
            byte[] flight = TlsMessages.javaServerFlight(blockedServer, PASSWORD, "TLSv1.2");
            assertThat(toClient(443, SERVER_ISN + 1, seq, PSH_ACK, flight)).isEqualTo(Verdict.PASS);
            assertThat(toServer(443, seq, SERVER_ISN + 1 + flight.length, PSH_ACK, new byte[80]))
                    .isEqualTo(Verdict.PASS);
        } finally {
            log.close();
        }
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0))
                .contains("\"signature_id\":22,")
                .contains("\"tls\":{\"sni\":\"blocked.example\",\"version\":\"UNDETERMINED\"}");
        assertThat(lines.get(1))
                .contains("\"direction\":\"to_client\"", "\"signature_id\":20,")
                .contains("\"tls\":{\"sni\":\"blocked.example\",\"version\":\"TLS 1.2\"}");
        // A later packet: NFW still writes the flow's SNI (kept in FlowNames after the parsers went back).
        assertThat(lines.get(2))
                .contains("\"signature_id\":22,")
                .contains("\"tls\":{\"sni\":\"blocked.example\",\"version\":\"TLS 1.2\"}");
    }

    @Test
    void alertRecordsOnLaterPacketsOfAnHttpFlowCarryItsHostname() throws Exception {
        // policy.md §4: the http object with the hostname on alerts of the flow's later packets too.
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        EveLog log = EveLog.start(
                new EveLogConfig(
                        dir.resolve("alert.json"),
                        dir.resolve("flow.json"),
                        1 << 20,
                        1,
                        64,
                        "networkfirewall",
                        "eu-west-1a"),
                lines::add);
        try {
            use(rules("alert http any any -> any any (flow:to_client; dsize:>0; sid:30;)\n"));
            new EveAlerts(
                    inspector.stateful(),
                    log.registerProducer("test"),
                    new EpochClock(1_755_003_965_000_000L, now),
                    FlowRecords.disabled());
            handshake(80);
            byte[] get = ascii("GET /x HTTP/1.1\r\nHost: WWW.Example.com:8080\r\n\r\n");
            assertThat(toServer(80, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, get))
                    .isEqualTo(Verdict.PASS);
            assertThat(toClient(80, SERVER_ISN + 1, CLIENT_ISN + 1 + get.length, PSH_ACK, ascii("HTTP/1.1 200 OK\r\n")))
                    .isEqualTo(Verdict.PASS);
        } finally {
            log.close();
        }
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst())
                .contains("\"signature_id\":30,", "\"direction\":\"to_client\"")
                .contains("\"http\":{\"hostname\":\"www.example.com\"");
        assertThat(statefulFlows.names().inUse()).isEqualTo(1);
        table.expireIdle(now + Duration.ofHours(1).toNanos(), table.indexSize());
        assertThat(statefulFlows.names().inUse()).isZero(); // given back when the flow ends
    }

    // ---- ja3.string, http.header, http.request_header ---------------------------------------------------------------

    @Test
    void aJa3StringRuleDropsTheClientWhoseHelloHasThatFingerprintAndNotAnother() throws Exception {
        byte[] hello = TlsMessages.javaClientHello("a.example", "TLSv1.3", "TLSv1.2");
        TlsClientHelloParser parser = new TlsClientHelloParser();
        assertThat(parser.feed(Unpooled.wrappedBuffer(hello), 0, hello.length)).isEqualTo(TlsParseStatus.DONE);
        use(rules("drop tls any any -> any any (ja3.string; content:\"" + parser.ja3String()
                + "\"; startswith; endswith; sid:30;)\n"
                + "alert tls any any -> any any (ja3.hash; content:\"" + parser.ja3Hash() + "\"; sid:31;)\n"));
        handshake(443);
        assertThat(toServer(443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello))
                .isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("30:DROP", "31:DROP");

        alerts.clear();
        handshake(CLIENT_PORT + 1, 443);
        byte[] tls12Only = TlsMessages.javaClientHello("a.example", "TLSv1.2");
        assertThat(fromClient(CLIENT_PORT + 1, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, tls12Only))
                .isEqualTo(Verdict.PASS);
        assertThat(alerts).isEmpty();
    }

    @Test
    void anHttpHeaderRuleMatchesTheHeaderBlockWithoutTheRequestLineOrTheCookie() throws Exception {
        use(rules("""
                drop http any any -> any any (http.header; content:"|0d 0a|X-Debug|3a 20|1|0d 0a|"; sid:40;)
                alert http any any -> any any (http.header; content:"GET"; sid:41;)
                alert http any any -> any any (http.header; content:"cookie"; nocase; sid:42;)
                """));
        // "Host: a.example\r\nX-Debug: 1\r\n": each header "Name: value\r\n", the Cookie and request line left out.
        assertThat(httpRequest(
                        CLIENT_PORT + 1, "GET / HTTP/1.1\r\nHost: a.example\r\nCookie: s=1\r\nX-Debug: 1\r\n\r\n"))
                .isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("40:DROP");

        alerts.clear();
        assertThat(httpRequest(CLIENT_PORT + 2, "GET / HTTP/1.1\r\nHost: a.example\r\nX-Debug: 0\r\n\r\n"))
                .isEqualTo(Verdict.PASS);
        assertThat(alerts).isEmpty();
    }

    @Test
    void anHttpRequestHeaderRuleMatchesAnyOneHeaderOnItsOwn() throws Exception {
        use(
                rules(
                        "drop http any any -> any any (http.request_header; content:\"X-Api-Key|3a 20|\"; startswith; sid:50;)\n"
                                + "alert http any any -> any any (http.request_header; content:\"a.example|0d 0a|\"; sid:51;)\n"));
        // The third header matches; no instance holds the line break between two headers.
        assertThat(httpRequest(
                        CLIENT_PORT + 1, "GET / HTTP/1.1\r\nHost: a.example\r\nAccept: */*\r\nX-Api-Key: k1\r\n\r\n"))
                .isEqualTo(Verdict.DROP);
        assertThat(alerts).containsExactly("50:DROP");

        alerts.clear();
        // startswith applies per header: a value that contains the name is not the header.
        assertThat(httpRequest(CLIENT_PORT + 2, "GET / HTTP/1.1\r\nHost: a.example\r\nX-Note: X-Api-Key: k1\r\n\r\n"))
                .isEqualTo(Verdict.PASS);
        assertThat(alerts).isEmpty();
    }

    private static byte[] dnsQuery(String name) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(ascii(label));
        }
        out.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return out.toByteArray();
    }
}
