package org.gwlbinspect.detect.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.detect.RuleProtocol;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hyperscan prefilter of {@link RuleEvaluator}: fewer rules evaluated, never a different outcome. */
class RulePrefilterTest {
    private static final int TCP = 6;
    private static final int CLIENT = 0x0A000005;
    private static final int SERVER = 0x5DB8D822;

    @TempDir
    Path dir;

    private final List<RuleEvaluator> evaluators = new ArrayList<>();
    private final List<String> alerts = new ArrayList<>();
    private final AlertSink sink = (index, action, verdict) -> alerts.add(index + ":" + action + ":" + verdict);

    @AfterEach
    void close() {
        for (RuleEvaluator e : evaluators) e.close();
    }

    private CompiledPolicy compile(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
    }

    private RuleEvaluator evaluator(CompiledPolicy policy, boolean prefilter) {
        RuleEvaluator ev = new RuleEvaluator(policy, prefilter);
        evaluators.add(ev);
        return ev;
    }

    private static PacketContext packet(Buffer buffer, String text) {
        PacketContext ctx = new PacketContext().ipv4(CLIENT, 40000, SERVER, 443, TCP);
        ctx.established = true;
        ctx.firstPacketInDirection = false;
        ctx.appProtocol = buffer == Buffer.TLS_SNI ? RuleProtocol.TLS : null;
        ctx.tlsClientHello = buffer == Buffer.TLS_SNI;
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        ctx.setBuffer(buffer, bytes, 0, bytes.length);
        return ctx;
    }

    /**
     * What a new TLS flow costs the rules under the benchmarks' mixed IPS set (issue #6: http.host, http.uri + method,
     * stream payload contents, content + pcre, IP-only host rules; no port or domain-list rule): with bytes and
     * addresses that match nothing, not one rule is evaluated on any of its packets. The http.* buffers are never set
     * on a TLS flow, the ClientHello's stream scan finds no pattern, and the IP-only rules are looked up by address on
     * the first packet of each direction only. A server that is one of the IP-only hosts makes exactly that rule a
     * candidate, on the first packet it sends.
     */
    @Test
    void aTlsFlowUnderTheMixedIpsSetEvaluatesOnlyTheRulesItsAddressesOrBytesSelect() throws Exception {
        String home = "198.18.0.0/15";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2_000; i++) {
            String http = "http " + home + " any -> any any (flow:established,to_server; ";
            String tcp = "tcp " + home + " any -> any any (flow:established,to_server; ";
            String rule =
                    switch (i % 20) {
                        case 0, 3, 7, 11, 15, 18 ->
                            "alert " + http + "http.host; content:\"bad-" + i + ".example\"; endswith; ";
                        case 1, 9, 13, 17 ->
                            "drop " + http + "http.uri; content:\"/wp-admin/x" + i
                                    + ".php\"; nocase; http.method; content:\"POST\"; ";
                        case 5 -> "alert " + tcp + "content:\"cmd=" + i + "&\"; nocase; pcre:\"/cmd=\\d+&exec/i\"; ";
                        case 10 ->
                            "alert " + http + "http.uri; content:\"/api/\"; content:\"token=" + i + "\"; distance:0; ";
                        case 12 -> "drop ip 198.51." + (i / 256 % 256) + "." + (i % 256) + " any -> " + home + " any (";
                        default ->
                            "alert " + tcp + "content:\"|de ad be ef|\"; depth:4; content:\"payload-" + i
                                    + "\"; distance:0; ";
                    };
            text.append(rule).append("sid:").append(i + 1).append(";)\n");
        }
        CompiledPolicy policy = compile("mixed.rules", text.toString());
        RuleEvaluator filtered = evaluator(policy, true);
        RuleEvaluator unfiltered = evaluator(policy, false);
        int client = 0xC612_0005; // 198.18.0.5
        int server = 0xCB00_7107; // 203.0.113.7

        List<Decision> decisions = new ArrayList<>();
        for (RuleEvaluator evaluator : List.of(filtered, unfiltered)) {
            decisions.add(tlsFlow(evaluator, client, server));
        }
        assertThat(decisions).containsOnly(Decision.NO_DECISION);
        assertThat(filtered.evaluatedRules()).isZero();
        assertThat(unfiltered.evaluatedRules()).isGreaterThan(2_000); // the same packets without the prefilter
        assertThat(alerts).isEmpty();

        // the server is 198.51.0.12, the host of sid 13: its first packet (the SYN-ACK) selects that rule, and only it
        long before = filtered.evaluatedRules();
        assertThat(tlsFlow(filtered, client, 0xC633_000C)).isEqualTo(Decision.DROP_FLOW);
        assertThat(filtered.evaluatedRules() - before).isEqualTo(1);
        assertThat(policy.rules().get(filtered.decidingRule()).signature().sid())
                .isEqualTo(13);
        assertThat(tlsFlow(unfiltered, client, 0xC633_000C)).isEqualTo(Decision.DROP_FLOW);
    }

    /**
     * SYN, SYN-ACK, ACK, a ClientHello with an SNI that went into the client's stream (scanned there), the server's
     * hello (its direction is not stream-inspected) and two encrypted packets, up to the first packet a rule decides;
     * returns that decision, or {@link Decision#NO_DECISION}.
     */
    private static Decision tlsFlow(RuleEvaluator evaluator, int client, int server) {
        FlowRuleState state = new FlowRuleState();
        AlertSink none = (index, action, verdict) -> {};
        StreamMatchState stream = new StreamMatchState();
        byte[] hello = new byte[517];
        new Random(5).nextBytes(hello);
        byte[] head = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xFC, 0x03, 0x03};
        System.arraycopy(head, 0, hello, 0, head.length);
        byte[] sni = "host-5.example.net".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(sni, 0, hello, 200, sni.length);
        Decision first = Decision.NO_DECISION;
        for (int k = 0; k < 7; k++) {
            boolean toServer = k == 0 || k == 2 || k == 3 || k == 5;
            PacketContext ctx = toServer
                    ? new PacketContext().ipv4(client, 40000, server, 443, TCP)
                    : new PacketContext().ipv4(server, 443, client, 40000, TCP);
            ctx.toServer = toServer;
            ctx.established = k >= 2;
            ctx.firstPacketInDirection = k <= 1;
            ctx.tcpFlags = k == 0 ? 0x02 : k == 1 ? 0x12 : k == 2 ? 0x10 : 0x18;
            ctx.appProtocol = k >= 3 ? RuleProtocol.TLS : null;
            ctx.payloadInspection = k <= 4;
            evaluator.clearStreamCandidates();
            if (k == 3) {
                ctx.payloadLength = hello.length;
                ctx.tlsClientHello = true;
                ctx.setBuffer(Buffer.TLS_SNI, sni, 0, sni.length);
                evaluator.scanStream(stream, hello, 0, hello.length, 0);
                ctx.setStream(hello, 0, hello.length, 0, 0);
            } else if (k == 4) {
                ctx.payloadLength = 400;
                ctx.payloadInStream = true; // into the server's stream, which no stream rule inspects
            } else if (k >= 5) {
                ctx.payloadLength = 400;
            }
            first = evaluator.evaluate(ctx, state, none);
            if (first != Decision.NO_DECISION) break; // its deciding rule stays readable
        }
        stream.reset();
        return first;
    }

    @Test
    void evaluatesOnlyTheRulesWhosePrefilterPatternOccursPlusThoseWithoutContent() throws Exception {
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < 1_000; i++) rules.append("blocked-").append(i).append(".example.com\n");
        CompiledPolicy denylist = compile("deny.denylist.txt", rules.toString());
        RuleEvaluator filtered = evaluator(denylist, true);
        RuleEvaluator unfiltered = evaluator(denylist, false);

        PacketContext other = packet(Buffer.TLS_SNI, "www.allowed-example.org");
        assertThat(filtered.evaluate(other, new FlowRuleState(), sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(unfiltered.evaluate(other, new FlowRuleState(), sink)).isEqualTo(Decision.NO_DECISION);
        assertThat(filtered.evaluatedRules()).isZero();
        assertThat(unfiltered.evaluatedRules()).isEqualTo(denylist.rules().size()); // TLS and HTTP: 2 000

        PacketContext blocked = packet(Buffer.TLS_SNI, "blocked-417.example.com");
        assertThat(filtered.evaluate(blocked, new FlowRuleState(), sink)).isEqualTo(Decision.DROP_FLOW);
        assertThat(filtered.evaluatedRules()).isEqualTo(1);
        assertThat(alerts).containsExactly("417:DROP:DROP");

        // rules without a content, with a negated one or a pcre only are candidates on every packet
        RuleEvaluator mixed = evaluator(compile("mixed.rules", """
                        alert tcp any any -> any any (content:"needle"; sid:1;)
                        alert tcp any any -> any any (flow:to_server; sid:2;)
                        alert tcp any any -> any any (content:!"needle"; sid:3;)
                        alert tls any any -> any any (tls.sni; pcre:"/needle/"; sid:4;)
                        alert tcp any any -> any any (content:"other"; content:!"needle"; sid:5;)
                        alert ip 10.0.0.0/8 any -> any any (sid:6;)
                        """), true);
        alerts.clear();
        mixed.evaluate(packet(Buffer.PAYLOAD, "hay"), new FlowRuleState(), sink);
        assertThat(mixed.evaluatedRules()).isEqualTo(3);
        assertThat(alerts).containsExactly("1:ALERT:PASS", "2:ALERT:PASS");
        // the IP-only rule only on the first packet in a direction, as the evaluator itself decides
        alerts.clear();
        PacketContext first = packet(Buffer.PAYLOAD, "hay");
        first.firstPacketInDirection = true;
        mixed.evaluate(first, new FlowRuleState(), sink);
        assertThat(mixed.evaluatedRules()).isEqualTo(3 + 4);
        assertThat(alerts).containsExactly("1:ALERT:PASS", "2:ALERT:PASS", "5:ALERT:PASS");
    }

    @Test
    void findsNocaseHexEscapedAndPayloadContentsAndDotprefixAtTheBufferStart() throws Exception {
        RuleEvaluator ev = evaluator(compile("kinds.rules", """
                        alert tcp any any -> any any (content:"EvIl"; nocase; sid:1;)
                        alert tcp any any -> any any (content:"|00 ff|x|3b|"; sid:2;)
                        alert tls any any -> any any (tls.sni; dotprefix; content:".example.com"; nocase; endswith; sid:3;)
                        alert tls any any -> any any (tls.sni; to_lowercase; content:"mixed"; nocase; sid:4;)
                        alert tcp any any -> any any (content:"a"; content:"longer-and-fast"; fast_pattern; sid:5;)
                        """), true);
        ev.evaluate(packet(Buffer.PAYLOAD, "..eVIL.."), new FlowRuleState(), sink);
        ev.evaluate(packet(Buffer.PAYLOAD, "-\0\u00ffx;-"), new FlowRuleState(), sink);
        ev.evaluate(packet(Buffer.TLS_SNI, "Example.COM"), new FlowRuleState(), sink);
        ev.evaluate(packet(Buffer.TLS_SNI, "www.MiXeD.org"), new FlowRuleState(), sink);
        ev.evaluate(packet(Buffer.PAYLOAD, "a longer-and-fast"), new FlowRuleState(), sink);
        assertThat(alerts)
                .containsExactly("0:ALERT:PASS", "1:ALERT:PASS", "2:ALERT:PASS", "3:ALERT:PASS", "4:ALERT:PASS");
        assertThat(ev.evaluatedRules()).as("one candidate per packet").isEqualTo(5);
        alerts.clear();
        ev.evaluate(packet(Buffer.PAYLOAD, "evi l \0x; a longer-and-slow"), new FlowRuleState(), sink);
        assertThat(alerts).isEmpty();
        assertThat(ev.evaluatedRules())
                .as("'a' alone is not the prefilter pattern of sid 5")
                .isEqualTo(5);
        assertThat(ev.prefilterFallbacks()).isZero();
    }

    @Test
    void aPatternFoundThousandsOfTimesInAPacketIsReportedOnceAndNeedsNoFallback() throws Exception {
        // Block scans report each distinct prefilter pattern once (HS_FLAG_SINGLEMATCH): a flood of one literal used to
        // overflow the scratch and make every rule a candidate.
        RuleEvaluator ev = evaluator(compile("flood.rules", """
                        alert tcp any any -> any any (content:"a"; sid:1;)
                        alert tcp any any -> any any (content:"zz"; sid:2;)
                        alert tcp any any -> any any (content:"absent"; sid:3;)
                        """), true);
        String flood = "a".repeat(RulePrefilter.MATCH_CAPACITY + 10) + "zz";
        ev.evaluate(packet(Buffer.PAYLOAD, flood), new FlowRuleState(), sink);
        assertThat(ev.prefilterFallbacks()).isZero();
        assertThat(ev.evaluatedRules()).isEqualTo(2);
        assertThat(alerts).containsExactly("0:ALERT:PASS", "1:ALERT:PASS");
    }

    @Test
    void evaluatesEveryRuleWhenTheScanFindsMorePatternsThanItKeeps() throws Exception {
        // More distinct patterns in one buffer than the scratch keeps: the candidates are unknown, so all are tried.
        int rules = RulePrefilter.MATCH_CAPACITY + 4;
        StringBuilder text = new StringBuilder();
        StringBuilder payload = new StringBuilder();
        for (int i = 0; i < rules; i++) {
            text.append("alert tcp any any -> any any (content:\"<")
                    .append(i)
                    .append(">\"; sid:")
                    .append(i + 1);
            text.append(";)\n");
            payload.append('<').append(i).append('>');
        }
        text.append("alert tcp any any -> any any (content:\"absent\"; sid:99999;)\n");
        RuleEvaluator ev = evaluator(compile("many.rules", text.toString()), true);
        ev.evaluate(packet(Buffer.PAYLOAD, payload.toString()), new FlowRuleState(), sink);
        assertThat(ev.prefilterFallbacks()).isEqualTo(1);
        assertThat(ev.evaluatedRules()).isEqualTo(rules + 1);
        assertThat(alerts).hasSize(rules);
    }

    @Test
    void rulesSharingALiteralWithDifferentPositionsAreEachCandidatesAndMatchOnTheirOwn() throws Exception {
        CompiledPolicy policy = compile("shared.rules", """
                        alert tcp any any -> any any (content:"shared"; depth:10; sid:1;)
                        alert tcp any any -> any any (content:"shared"; offset:20; sid:2;)
                        alert tcp any any -> any any (content:"shared"; offset:100; sid:3;)
                        alert tcp any any -> any any (content:"SHARED"; nocase; content:"x"; distance:0; within:1; sid:4;)
                        alert tcp any any -> any any (content:"SHARED"; sid:5;)
                        """);
        assertThat(policy.prefilter().distinctPatterns())
                .as("'shared', 'shared' nocase and 'SHARED' (case-sensitive)")
                .isEqualTo(3);
        RuleEvaluator filtered = evaluator(policy, true);
        RuleEvaluator reference = evaluator(policy, false);
        String text = "shared.... ...........sharedx";
        filtered.evaluate(packet(Buffer.PAYLOAD, text), new FlowRuleState(), sink);
        List<String> filteredAlerts = List.copyOf(alerts);
        alerts.clear();
        reference.evaluate(packet(Buffer.PAYLOAD, text), new FlowRuleState(), sink);
        assertThat(filteredAlerts).isEqualTo(alerts).containsExactly("0:ALERT:PASS", "1:ALERT:PASS", "3:ALERT:PASS");
        assertThat(filtered.evaluatedRules())
                .as("sid 5's 'SHARED' does not occur")
                .isEqualTo(4);
    }

    @Test
    void scansABufferOnlyForPacketsOfAGroupItsPatternsServeAndStillFindsThemThere() throws Exception {
        CompiledPolicy policy = compile("groups.rules", """
                        alert tcp any any -> any any (flow:to_server,established; content:"abc"; sid:1;)
                        alert udp any any -> any any (content:"xyz"; sid:2;)
                        alert tcp any any -> any any (flow:to_client; content:"abc"; dsize:>0; sid:3;)
                        """);
        RuleEvaluator filtered = evaluator(policy, true);
        RuleEvaluator reference = evaluator(policy, false);
        List<String> referenceAlerts = new ArrayList<>();
        String payload = "..abc..xyz..";
        // TCP to the server before the flow is established: no rule of that group has a pattern, no scan
        PacketContext setup = packet(Buffer.PAYLOAD, payload);
        setup.established = false;
        // UDP to the client: sid 2 (any direction, any state) still needs the scan
        PacketContext udp = packet(Buffer.PAYLOAD, payload);
        udp.ipProtocol = 17;
        udp.toServer = false;
        // ICMP: no rule of that transport
        PacketContext icmp = packet(Buffer.PAYLOAD, payload);
        icmp.ipProtocol = 1;
        PacketContext toServer = packet(Buffer.PAYLOAD, payload);
        PacketContext toClient = packet(Buffer.PAYLOAD, payload);
        toClient.toServer = false;
        toClient.established = false;
        // a segment that went into its stream: scanned only for the packet rule (sid 3), so only to the client
        PacketContext inStreamToServer = packet(Buffer.PAYLOAD, payload);
        inStreamToServer.payloadInStream = true;
        PacketContext inStreamToClient = packet(Buffer.PAYLOAD, payload);
        inStreamToClient.payloadInStream = true;
        inStreamToClient.toServer = false;
        PacketContext[] packets = {setup, udp, icmp, toServer, toClient, inStreamToServer, inStreamToClient};
        long[] skipped = new long[packets.length];
        for (int i = 0; i < packets.length; i++) {
            packets[i].payloadLength = payload.length();
            long before = filtered.skippedScans();
            assertThat(filtered.evaluate(packets[i], new FlowRuleState(), sink))
                    .as("packet " + i)
                    .isEqualTo(reference.evaluate(
                            packets[i],
                            new FlowRuleState(),
                            (index, a, v) -> referenceAlerts.add(index + ":" + a + ":" + v)));
            skipped[i] = filtered.skippedScans() - before;
        }
        assertThat(alerts).isEqualTo(referenceAlerts);
        assertThat(alerts)
                .containsExactly(
                        "1:ALERT:PASS", // udp
                        "0:ALERT:PASS", // toServer
                        "2:ALERT:PASS", // toClient
                        "2:ALERT:PASS"); // inStreamToClient: the packet rule
        assertThat(skipped).containsExactly(1, 0, 1, 0, 0, 1, 0);
        assertThat(filtered.prefilterFallbacks()).isZero();
    }

    @Test
    void aBufferShorterThanEveryPatternOfItsBufferIsNotScannedAndOneAsLongIs() throws Exception {
        RuleEvaluator ev = evaluator(compile("lengths.rules", """
                        alert http any any -> any any (http.uri; content:"/abcdef"; sid:1;)
                        alert http any any -> any any (http.uri; content:"/abcdefgh"; sid:2;)
                        alert tls any any -> any any (tls.sni; dotprefix; content:".ab.c"; sid:3;)
                        """), true);
        PacketContext shortUri = packet(Buffer.HTTP_URI, "/abcde");
        shortUri.appProtocol = RuleProtocol.HTTP;
        ev.evaluate(shortUri, new FlowRuleState(), sink);
        assertThat(ev.skippedScans()).isEqualTo(1);
        PacketContext uri = packet(Buffer.HTTP_URI, "/abcdef");
        uri.appProtocol = RuleProtocol.HTTP;
        ev.evaluate(uri, new FlowRuleState(), sink);
        // dotprefix scans the name with a dot in front: 4 bytes + the dot hold the 5-byte pattern
        ev.evaluate(packet(Buffer.TLS_SNI, "ab.c"), new FlowRuleState(), sink);
        ev.evaluate(packet(Buffer.TLS_SNI, "b.c"), new FlowRuleState(), sink);
        assertThat(alerts).containsExactly("0:ALERT:PASS", "2:ALERT:PASS");
        assertThat(ev.skippedScans()).isEqualTo(2);
    }

    @Test
    void patternsThatMustEndTheBufferAreFoundByItsSuffixWhateverTheyShare() throws Exception {
        // 2 000 names that share their last 8 bytes, the case Hyperscan's literal matcher handles worst (it compares
        // every literal ending in them wherever they occur), as NFW generates them: .domain with dotprefix, exact
        // names with startswith, both nocase.
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < 1_000; i++) names.append(".sub-").append(i).append(".example.com\n");
        for (int i = 0; i < 1_000; i++) names.append("host-").append(i).append(".example.com\n");
        CompiledPolicy policy = compile("shared.denylist.txt", names.toString());
        assertThat(policy.prefilter().distinctPatterns()).isEqualTo(4_000); // TLS and HTTP rules
        assertThat(policy.prefilter().suffixPatterns())
                .as("none left to Hyperscan")
                .isEqualTo(4_000);
        RuleEvaluator filtered = evaluator(policy, true);
        RuleEvaluator reference = evaluator(policy, false);
        String[] snis = {
            "www.example.com", // the shared part, at the end: no rule
            "host-7.example.com.evil", // a name, not at the end
            "host-7.example.com", // exactly a name
            "HOST-7.Example.COM", // nocase
            "sub-12.example.com", // the domain itself: the dot in front of the buffer
            "a.b.SUB-12.example.com", // a subdomain
            "xsub-12.example.com", // not a subdomain
            "ost-7.example.com", // shorter than the name
            "" // empty
        };
        List<String> referenceAlerts = new ArrayList<>();
        for (String sni : snis) {
            Decision expected = reference.evaluate(
                    packet(Buffer.TLS_SNI, sni),
                    new FlowRuleState(),
                    (i, a, v) -> referenceAlerts.add(i + ":" + a + ":" + v));
            assertThat(filtered.evaluate(packet(Buffer.TLS_SNI, sni), new FlowRuleState(), sink))
                    .as(sni)
                    .isEqualTo(expected);
        }
        assertThat(alerts).isEqualTo(referenceAlerts).hasSize(4);
        assertThat(filtered.evaluatedRules())
                .as("only the rules of the names found")
                .isEqualTo(4);
        assertThat(filtered.prefilterFallbacks()).isZero();
    }

    @Test
    void decidesAlertsAndSetsFlowStateAsTheUnfilteredLoopOnRandomRulesAndPackets() throws Exception {
        for (boolean strict : new boolean[] {false, true}) {
            Random random = new Random(20_240_611L + (strict ? 1 : 0));
            String rules = RandomRules.rules(random, 400, strict);
            CompiledPolicy policy = strict
                    ? compile("random-strict.json", RandomRules.strictPolicy(rules))
                    : compile("random.rules", rules);
            assertThat(policy.prefilter().suffixPatterns())
                    .as("endswith patterns, by suffix")
                    .isGreaterThan(10);
            RuleEvaluator filtered = evaluator(policy, true);
            RuleEvaluator reference = evaluator(policy, false);
            List<String> filteredAlerts = new ArrayList<>();
            List<String> referenceAlerts = new ArrayList<>();
            int decided = 0;
            for (int flow = 0; flow < 1_500; flow++) {
                FlowRuleState filteredState = new FlowRuleState();
                FlowRuleState referenceState = new FlowRuleState();
                for (int p = 0; p < 6; p++) {
                    PacketContext ctx = RandomRules.packet(random);
                    Decision expected = reference.evaluate(
                            ctx, referenceState, (i, a, v) -> referenceAlerts.add(i + ":" + a + ":" + v));
                    Decision actual = filtered.evaluate(
                            ctx, filteredState, (i, a, v) -> filteredAlerts.add(i + ":" + a + ":" + v));
                    String where = "strict " + strict + ", flow " + flow + ", packet " + p;
                    assertThat(actual).as(where).isEqualTo(expected);
                    assertThat(filteredAlerts).as(where).isEqualTo(referenceAlerts);
                    assertThat(filteredState.flowbits()).as(where).isEqualTo(referenceState.flowbits());
                    assertThat(filteredState.verdict()).as(where).isEqualTo(referenceState.verdict());
                    if (expected != Decision.NO_DECISION) decided++;
                }
            }
            // the comparison means something only if rules matched and the prefilter skipped some
            assertThat(referenceAlerts).as("alerts").hasSizeGreaterThan(5_000);
            assertThat(decided).as("decided packets").isGreaterThan(1_000);
            assertThat(filtered.evaluatedRules()).isLessThan(reference.evaluatedRules() / 2);
            assertThat(filtered.prefilterFallbacks()).isZero();
            assertThat(filtered.skippedScans())
                    .as("scans left out by group or length")
                    .isGreaterThan(100);
        }
    }

    /** Random rules and packets over a small alphabet, so that contents often match. */
    static final class RandomRules {
        private static final byte[] ALPHABET = {'a', 'b', 'A', 'B', '.', ' ', 0};
        /** tls.sni, where the transforms are tested: fewer letters, more dots and spaces. */
        private static final byte[] SNI_ALPHABET = {'a', 'b', 'A', '.', ' '};

        private static final Buffer[] BUFFERS = {Buffer.PAYLOAD, Buffer.TLS_SNI, Buffer.HTTP_URI};
        private static final String[][] TRANSFORMS = {
            {}, {}, {}, {"dotprefix"}, {"to_lowercase"}, {"strip_whitespace"}, {"dotprefix", "to_lowercase"}
        };

        static String rules(Random random, int count, boolean strict) {
            StringBuilder out = new StringBuilder();
            for (int sid = 1; sid <= count; sid++)
                out.append(rule(random, sid, strict)).append('\n');
            return out.toString();
        }

        private static String rule(Random random, int sid, boolean strict) {
            String action = pick(random, "alert", "alert", "alert", "pass", "drop", "reject");
            int kind = random.nextInt(10);
            StringBuilder options = new StringBuilder();
            String protocol;
            if (kind < 2) action = "alert"; // a broad pass or drop would decide most flows on their first packet
            if (kind == 0) { // IP-only
                return action + " ip 10.0.0." + random.nextInt(8) + " any -> any any (sid:" + sid + ";)";
            } else if (kind == 1) { // flow and flowbits only
                protocol = "tcp";
                options.append("flow:")
                        .append(pick(random, "to_server", "to_client", "established"))
                        .append("; ");
            } else {
                Buffer buffer = BUFFERS[random.nextInt(BUFFERS.length)];
                protocol = switch (buffer) {
                    case TLS_SNI -> "tls";
                    case HTTP_URI -> "http";
                    default -> random.nextInt(4) == 0 ? "udp" : "tcp";
                };
                // flow direction and state: the prefilter skips scans for packets no rule of a buffer can apply to
                if (random.nextInt(3) == 0) {
                    options.append("flow:")
                            .append(
                                    buffer == Buffer.PAYLOAD
                                            ? pick(
                                                    random,
                                                    "to_server",
                                                    "to_client",
                                                    "established",
                                                    "not_established",
                                                    "to_server,established",
                                                    "to_client,not_established")
                                            : pick(random, "to_server", "established", "to_server,established"))
                            .append("; ");
                }
                boolean[] fastPattern = {false};
                // payload contents come first: after a sticky buffer, every content inspects that buffer
                if (buffer != Buffer.PAYLOAD && random.nextInt(4) == 0)
                    inspection(random, Buffer.PAYLOAD, options, fastPattern);
                inspection(random, buffer, options, fastPattern);
            }
            int bits = random.nextInt(6);
            if (bits == 0)
                options.append("flowbits:set,f").append(random.nextInt(3)).append("; ");
            if (bits == 1)
                options.append("flowbits:isset,f").append(random.nextInt(3)).append("; ");
            if (bits == 2)
                options.append("flowbits:isnotset,f").append(random.nextInt(3)).append("; ");
            if (!strict && random.nextInt(3) == 0)
                options.append("priority:").append(1 + random.nextInt(3)).append("; ");
            return action + " " + protocol + " any any -> any any (" + options + "sid:" + sid + ";)";
        }

        private static void inspection(Random random, Buffer buffer, StringBuilder out, boolean[] fastPattern) {
            boolean lowercase = buffer.lowercased();
            boolean dotprefix = false;
            byte[] alphabet = buffer == Buffer.TLS_SNI ? SNI_ALPHABET : ALPHABET;
            if (buffer != Buffer.PAYLOAD) {
                out.append(buffer.keyword()).append("; ");
                if (buffer == Buffer.TLS_SNI) {
                    for (String t : TRANSFORMS[random.nextInt(TRANSFORMS.length)]) {
                        out.append(t).append("; ");
                        lowercase |= t.equals("to_lowercase");
                        dotprefix |= t.equals("dotprefix");
                    }
                }
            }
            int matches = 1 + random.nextInt(random.nextBoolean() ? 1 : 3);
            boolean content = false;
            for (int m = 0; m < matches; m++) {
                int what = random.nextInt(10);
                if (what == 0 && content) { // NFW: a pcre needs a content in the rule
                    out.append("pcre:\"/").append(pick(random, "a.b", "^b", "a[ .]?B", "ab+$"));
                    out.append(random.nextBoolean() ? "/i\"; " : "/\"; ");
                    continue;
                }
                if (what == 1) {
                    out.append("isdataat:").append(random.nextInt(4)).append(m > 0 ? ",relative; " : "; ");
                    continue;
                }
                boolean negated = what == 2;
                content = true;
                boolean nocase = random.nextInt(3) == 0;
                out.append("content:").append(negated ? "!" : "").append('"');
                int length = 1 + random.nextInt(3);
                int depth = length + random.nextInt(4);
                for (int k = 0; k < length; k++) {
                    // a dotprefix rule's content often starts with the dot, to match at the buffer start
                    byte b = k == 0 && dotprefix && random.nextBoolean()
                            ? (byte) '.'
                            : alphabet[random.nextInt(alphabet.length)];
                    if (lowercase && b >= 'A' && b <= 'Z') b += 32;
                    if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '.') out.append((char) b);
                    else out.append(String.format("|%02x|", b));
                }
                out.append("\"; ");
                if (nocase) out.append("nocase; ");
                int modifier = random.nextInt(8);
                if (modifier == 0) out.append("depth:").append(depth).append("; ");
                if (modifier == 1)
                    out.append("offset:").append(random.nextInt(4)).append("; ");
                if (modifier == 2 && m > 0)
                    out.append("distance:").append(random.nextInt(3)).append("; ");
                if (modifier == 3 && m > 0)
                    out.append("within:").append(3 + random.nextInt(4)).append("; ");
                if (modifier == 4) out.append("startswith; ");
                if (modifier == 5) out.append("endswith; ");
                if (!negated && !fastPattern[0] && random.nextInt(6) == 0) {
                    out.append("fast_pattern; ");
                    fastPattern[0] = true;
                }
            }
        }

        static PacketContext packet(Random random) {
            PacketContext ctx = new PacketContext()
                    .ipv4(
                            0x0A000000 | random.nextInt(8),
                            40000,
                            SERVER,
                            random.nextBoolean() ? 443 : 80,
                            random.nextInt(5) == 0 ? 17 : TCP);
            ctx.toServer = random.nextInt(4) != 0;
            ctx.established = random.nextInt(3) != 0;
            ctx.firstPacketInDirection = random.nextInt(3) == 0;
            ctx.appProtocol = switch (random.nextInt(3)) {
                case 0 -> RuleProtocol.TLS;
                case 1 -> RuleProtocol.HTTP;
                default -> null;
            };
            ctx.tlsClientHello = ctx.appProtocol == RuleProtocol.TLS && random.nextBoolean();
            for (Buffer buffer : BUFFERS) {
                if (random.nextInt(5) < 2) continue;
                byte[] alphabet = buffer == Buffer.TLS_SNI ? SNI_ALPHABET : ALPHABET;
                byte[] bytes = new byte[random.nextInt(buffer == Buffer.PAYLOAD ? 40 : 12)];
                for (int k = 0; k < bytes.length; k++) bytes[k] = alphabet[random.nextInt(alphabet.length)];
                int offset = bytes.length > 0 ? random.nextInt(Math.min(3, bytes.length)) : 0;
                ctx.setBuffer(buffer, bytes, offset, bytes.length - offset);
            }
            return ctx;
        }

        static String strictPolicy(String rules) {
            String escaped = rules.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
            return """
                    {
                      "FirewallPolicyResponse": {
                        "FirewallPolicyName": "random",
                        "FirewallPolicyArn": "arn:aws:network-firewall:eu-west-1:123456789012:firewall-policy/random"
                      },
                      "FirewallPolicy": {
                        "StatelessRuleGroupReferences": [],
                        "StatelessDefaultActions": ["aws:forward_to_sfe"],
                        "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                        "StatefulRuleGroupReferences": [
                          {"ResourceArn": "arn:aws:network-firewall:eu-west-1:123456789012:stateful-rulegroup/g",
                           "Priority": 100}
                        ],
                        "StatefulDefaultActions": ["aws:alert_established"],
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
                            "Capacity": 1000
                          }
                        }
                      ]
                    }
                    """.formatted(escaped);
        }

        private static String pick(Random random, String... options) {
            return options[random.nextInt(options.length)];
        }
    }
}
