package org.gwlbinspect.detect.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules without a prefilter pattern are narrowed by address ({@link AddressCandidates}): fewer rules tried, the
 * same verdicts, alerts and flow state as trying every rule, and the same rule wins in action and strict order.
 */
class AddressCandidatesTest {
    private static final int TCP = 6;
    private static final int CLIENT = 0x0A00_0005; // 10.0.0.5, in HOME_NET
    private static final int SERVER = 0x5DB8_D822; // 93.184.216.34
    private static final PolicyLoadOptions OPTIONS =
            new PolicyLoadOptions(AddressIndexTest.VARIABLES.ipSets().get("HOME_NET"), Map.of());

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
        return new PolicyCompiler(OPTIONS).compile(file);
    }

    private RuleEvaluator evaluator(CompiledPolicy policy, boolean prefilter) {
        RuleEvaluator ev = new RuleEvaluator(policy, prefilter);
        evaluators.add(ev);
        return ev;
    }

    private static PacketContext first(int src, int dst) {
        PacketContext ctx = new PacketContext().ipv4(src, 40000, dst, 443, TCP);
        ctx.firstPacketInDirection = true;
        return ctx;
    }

    @Test
    void triesOnlyTheIpOnlyRulesWhoseAddressesCanMatchThePacket() throws Exception {
        // the benchmarks' IP-only rules: 500 hosts that may not reach HOME_NET
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < 500; i++)
            rules.append("drop ip 198.51.")
                    .append(i / 256)
                    .append('.')
                    .append(i % 256)
                    .append(" any -> $HOME_NET any (sid:")
                    .append(i + 1)
                    .append(";)\n");
        CompiledPolicy policy = compile("hosts.rules", rules.toString());
        RuleEvaluator indexed = evaluator(policy, true);
        RuleEvaluator reference = evaluator(policy, false);

        // a client's SYN and the server's answer: no rule has their source
        assertThat(indexed.evaluate(first(CLIENT, SERVER), new FlowRuleState(), sink))
                .isEqualTo(Decision.NO_DECISION);
        assertThat(indexed.evaluate(first(SERVER, CLIENT), new FlowRuleState(), sink))
                .isEqualTo(Decision.NO_DECISION);
        assertThat(indexed.evaluatedRules()).isZero();
        reference.evaluate(first(CLIENT, SERVER), new FlowRuleState(), sink);
        assertThat(reference.evaluatedRules()).isEqualTo(500);

        // a listed host: its rule alone is tried, and drops
        int host = 0xC633_0107; // 198.51.1.7, sid 264
        assertThat(indexed.evaluate(first(host, CLIENT), new FlowRuleState(), sink))
                .isEqualTo(Decision.DROP_FLOW);
        assertThat(indexed.decidingRule()).isEqualTo(263);
        assertThat(indexed.evaluatedRules()).isEqualTo(1);
        assertThat(alerts).containsExactly("263:DROP:DROP");
        // to an address outside HOME_NET its rule is still tried (indexed by its source), and does not match
        assertThat(indexed.evaluate(first(host, SERVER), new FlowRuleState(), sink))
                .isEqualTo(Decision.NO_DECISION);
        assertThat(indexed.evaluatedRules()).isEqualTo(2);
    }

    @Test
    void indexesEachRuleByItsSmallerSideAndABidirectionalRuleBothWays() throws Exception {
        CompiledPolicy policy = compile("sides.rules", """
                alert ip any any -> 192.0.2.0/24 any (sid:1;)
                alert ip 192.0.2.0/24 any -> any any (sid:2;)
                alert ip 198.51.100.0/24 any <> $HOME_NET any (sid:3;)
                alert ip $HOME_NET any <> 198.51.100.7 any (sid:4;)
                alert ip any any -> any any (sid:5;)
                alert tcp any any -> 192.0.2.1 any (flow:to_server; sid:6;)
                """);
        RuleEvaluator ev = evaluator(policy, true);
        ev.evaluate(first(CLIENT, 0xC000_0201), new FlowRuleState(), sink); // 10.0.0.5 -> 192.0.2.1
        assertThat(alerts).containsExactly("0:ALERT:PASS", "4:ALERT:PASS", "5:ALERT:PASS");
        assertThat(ev.evaluatedRules()).as("sids 1, 5, 6").isEqualTo(3);
        alerts.clear();
        ev.evaluate(first(0xC633_6407, CLIENT), new FlowRuleState(), sink); // 198.51.100.7 -> 10.0.0.5
        assertThat(alerts).containsExactly("2:ALERT:PASS", "3:ALERT:PASS", "4:ALERT:PASS");
        assertThat(ev.evaluatedRules()).isEqualTo(3 + 3);
        alerts.clear();
        ev.evaluate(first(CLIENT, 0xC633_6407), new FlowRuleState(), sink); // 10.0.0.5 -> 198.51.100.7: backwards
        assertThat(alerts).containsExactly("2:ALERT:PASS", "3:ALERT:PASS", "4:ALERT:PASS");
        assertThat(ev.evaluatedRules()).isEqualTo(6 + 3);
        alerts.clear();
        PacketContext later = first(0xC000_0202, SERVER); // only the flow rule is tried after the first packet
        later.firstPacketInDirection = false;
        ev.evaluate(later, new FlowRuleState(), sink);
        assertThat(alerts).isEmpty();
        assertThat(ev.evaluatedRules())
                .as("sid 6 is indexed by its destination")
                .isEqualTo(9);
    }

    @Test
    void keepsTheWinningRuleInActionOrder() throws Exception {
        // pass comes before drop whatever the text order; the two rules are found through different sides
        CompiledPolicy policy = compile("action.rules", """
                drop ip any any -> 192.0.2.0/24 any (sid:1;)
                alert ip $HOME_NET any -> any any (sid:2;)
                pass ip 10.0.0.0/24 any -> any any (sid:3;)
                reject ip any any -> 192.0.2.1 any (sid:4;)
                """);
        PacketContext packet = first(CLIENT, 0xC000_0201);
        for (boolean prefilter : new boolean[] {true, false}) {
            RuleEvaluator ev = evaluator(policy, prefilter);
            alerts.clear();
            assertThat(ev.evaluate(packet, new FlowRuleState(), sink)).isEqualTo(Decision.PASS_FLOW);
            assertThat(policy.rules().get(ev.decidingRule()).signature().sid()).isEqualTo(3);
            assertThat(alerts).isEmpty();
            // without the pass rule's address: the drop wins, then alerts follow up to the next pass rule
            PacketContext other = first(0x0A01_0005, 0xC000_0201);
            alerts.clear();
            assertThat(ev.evaluate(other, new FlowRuleState(), sink)).isEqualTo(Decision.DROP_FLOW);
            assertThat(policy.rules().get(ev.decidingRule()).signature().sid()).isEqualTo(1);
            List<Long> sids = new ArrayList<>();
            for (String alert : alerts)
                sids.add(policy.rules()
                        .get(Integer.parseInt(alert.split(":")[0]))
                        .signature()
                        .sid());
            assertThat(sids).as("prefilter " + prefilter).containsExactly(1L, 4L, 2L);
        }
    }

    @Test
    void keepsTheWinningRuleInStrictOrder() throws Exception {
        // the first matching rule in the text wins; the two rules are found through different sides
        CompiledPolicy dropFirst = compile("drop-first.json", RulePrefilterTest.RandomRules.strictPolicy("""
                alert ip $HOME_NET any -> any any (sid:1;)
                drop ip any any -> 192.0.2.0/24 any (sid:2;)
                pass ip 10.0.0.0/24 any -> any any (sid:3;)
                """));
        CompiledPolicy passFirst = compile("pass-first.json", RulePrefilterTest.RandomRules.strictPolicy("""
                pass ip 10.0.0.0/24 any -> any any (sid:3;)
                alert ip $HOME_NET any -> any any (sid:1;)
                drop ip any any -> 192.0.2.0/24 any (sid:2;)
                """));
        PacketContext packet = first(CLIENT, 0xC000_0201);
        for (boolean prefilter : new boolean[] {true, false}) {
            alerts.clear();
            RuleEvaluator ev = evaluator(dropFirst, prefilter);
            assertThat(ev.evaluate(packet, new FlowRuleState(), sink)).isEqualTo(Decision.DROP_FLOW);
            assertThat(dropFirst.rules().get(ev.decidingRule()).signature().sid())
                    .isEqualTo(2);
            assertThat(alerts).as("prefilter " + prefilter).containsExactly("0:ALERT:DROP", "1:DROP:DROP");
            alerts.clear();
            RuleEvaluator other = evaluator(passFirst, prefilter);
            assertThat(other.evaluate(packet, new FlowRuleState(), sink)).isEqualTo(Decision.PASS_FLOW);
            assertThat(passFirst.rules().get(other.decidingRule()).signature().sid())
                    .isEqualTo(3);
            assertThat(alerts).as("prefilter " + prefilter).isEmpty();
        }
    }

    @Test
    void decidesAlertsAndSetsFlowStateAsTryingEveryRuleOnRandomHeadersAndAddresses() throws Exception {
        for (boolean strict : new boolean[] {false, true}) {
            Random random = new Random(20_251_126L + (strict ? 1 : 0));
            AddressIndexTest.RandomGroups groups = new AddressIndexTest.RandomGroups(random);
            String rules = rules(random, groups, 600);
            CompiledPolicy policy = strict
                    ? compile("random-strict.json", RulePrefilterTest.RandomRules.strictPolicy(rules))
                    : compile("random.rules", rules);
            RuleEvaluator indexed = evaluator(policy, true);
            RuleEvaluator reference = evaluator(policy, false);
            List<String> indexedAlerts = new ArrayList<>();
            List<String> referenceAlerts = new ArrayList<>();
            int decided = 0;
            int alerted = 0;
            for (int flow = 0; flow < 1_500; flow++) {
                FlowRuleState indexedState = new FlowRuleState();
                FlowRuleState referenceState = new FlowRuleState();
                long[] a = groups.address();
                long[] b = groups.address();
                while (b[0] != a[0]) b = groups.address();
                for (int p = 0; p < 4; p++) {
                    PacketContext ctx = packet(random, a, b, p);
                    indexedAlerts.clear();
                    referenceAlerts.clear();
                    Decision expected = reference.evaluate(
                            ctx, referenceState, (i, ac, v) -> referenceAlerts.add(i + ":" + ac + ":" + v));
                    Decision actual = indexed.evaluate(
                            ctx, indexedState, (i, ac, v) -> indexedAlerts.add(i + ":" + ac + ":" + v));
                    String where = "strict " + strict + ", flow " + flow + ", packet " + p;
                    assertThat(actual).as(where).isEqualTo(expected);
                    assertThat(indexed.decidingRule()).as(where).isEqualTo(reference.decidingRule());
                    assertThat(indexedAlerts).as(where).isEqualTo(referenceAlerts);
                    assertThat(indexedState.flowbits()).as(where).isEqualTo(referenceState.flowbits());
                    assertThat(indexedState.verdict()).as(where).isEqualTo(referenceState.verdict());
                    if (expected != Decision.NO_DECISION) decided++;
                    alerted += referenceAlerts.size();
                }
            }
            // the comparison means something only if rules matched, decided, and the index skipped most
            assertThat(alerted).as("alerts").isGreaterThan(2_000);
            assertThat(decided).as("decided packets").isGreaterThan(300);
            assertThat(indexed.evaluatedRules()).isLessThan(reference.evaluatedRules() / 3);
        }
    }

    /** Random headers over random address groups: IP-only, flow-only (no prefilter pattern) and content rules. */
    private static String rules(Random random, AddressIndexTest.RandomGroups groups, int count) {
        StringBuilder out = new StringBuilder();
        int sid = 1;
        while (sid <= count) {
            int kind = random.nextInt(10);
            // a broad pass or drop would decide most flows on their first packet: those have one side a single block
            boolean decides = random.nextInt(8) == 0;
            String action = decides ? new String[] {"pass", "drop", "reject"}[random.nextInt(3)] : "alert";
            String options =
                    switch (kind % 3) {
                        case 0 -> "";
                        case 1 -> random.nextBoolean() ? "flow:to_server; " : "flow:established; ";
                        default -> "content:\"ab\"; ";
                    };
            if (random.nextInt(5) == 0) options += "flowbits:set,f" + random.nextInt(2) + "; ";
            else if (random.nextInt(5) == 0) options += "flowbits:isset,f" + random.nextInt(2) + "; ";
            String protocol = options.isEmpty() ? "ip" : "tcp";
            String source = groups.group();
            String destination = decides ? groups.block() : groups.group();
            String rule = action + " " + protocol + " " + source + " any " + (random.nextInt(3) == 0 ? "<>" : "->")
                    + " " + destination + " any (" + options + "sid:" + sid + ";)";
            if (groups.parseRule(rule) == null) continue; // a group that matches nothing
            out.append(rule).append('\n');
            sid++;
        }
        return out.toString();
    }

    private static PacketContext packet(Random random, long[] client, long[] server, int p) {
        boolean toServer = p % 2 == 0;
        long[] src = toServer ? client : server;
        long[] dst = toServer ? server : client;
        PacketContext ctx = new PacketContext().ipv4(0, 40000, 0, 443, TCP);
        ctx.ipVersion = (int) src[0];
        ctx.srcHi = src[1];
        ctx.srcLo = src[2];
        ctx.dstHi = dst[1];
        ctx.dstLo = dst[2];
        if (!toServer) {
            ctx.srcPort = 443;
            ctx.dstPort = 40000;
        }
        ctx.toServer = toServer;
        ctx.firstPacketInDirection = p < 2;
        ctx.established = p >= 2;
        byte[] payload = (random.nextBoolean() ? "xxabxx" : "xxxx").getBytes(StandardCharsets.ISO_8859_1);
        ctx.setBuffer(Buffer.PAYLOAD, payload, 0, payload.length);
        return ctx;
    }
}
