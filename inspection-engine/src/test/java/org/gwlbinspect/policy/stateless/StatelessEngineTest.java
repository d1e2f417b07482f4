package org.gwlbinspect.policy.stateless;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.gwlbinspect.policy.FirewallPolicy;
import org.gwlbinspect.policy.IpPrefix;
import org.gwlbinspect.policy.PolicyBundleLoader;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.PortRange;
import org.gwlbinspect.policy.StatefulEngineOptions;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.policy.StatelessActions;
import org.gwlbinspect.policy.StatelessMatch;
import org.gwlbinspect.policy.StatelessRule;
import org.gwlbinspect.policy.StatelessRuleGroup;
import org.gwlbinspect.policy.TcpFlagsMatch;
import org.junit.jupiter.api.Test;

class StatelessEngineTest {
    private static final int ICMP = 1;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final long CLIENT = 0x0A000005L; // 10.0.0.5
    private static final long SERVER = 0xC6336407L; // 198.51.100.7

    private static StatelessMatch match(
            List<String> sources,
            List<PortRange> destinationPorts,
            List<Integer> protocols,
            List<TcpFlagsMatch> flags) {
        return new StatelessMatch(
                sources.stream().map(IpPrefix::parse).toList(),
                List.of(),
                List.of(),
                destinationPorts,
                protocols,
                flags);
    }

    private static final StatelessMatch ANY = match(List.of(), List.of(), List.of(), List.of());

    private static StatelessRule rule(int priority, StatelessMatch match, StatelessAction action, String... custom) {
        return new StatelessRule(priority, match, new StatelessActions(action, List.of(custom)));
    }

    private static StatelessEngine engine(StatelessAction fragmentDefault, StatelessRuleGroup... groups) {
        return StatelessEngine.compile(new FirewallPolicy(
                "test",
                "test",
                null,
                List.of(groups),
                new StatelessActions(StatelessAction.FORWARD_TO_SFE, List.of()),
                new StatelessActions(fragmentDefault, List.of()),
                List.of(),
                StatefulEngineOptions.DEFAULTS,
                List.of(),
                List.of(),
                PolicyLoadOptions.DEFAULT_HOME_NET));
    }

    private static StatelessRuleGroup group(String name, int priority, StatelessRule... rules) {
        return new StatelessRuleGroup(name, "arn:" + name, priority, 0, List.of(rules), List.of());
    }

    private static StatelessEngine bundleEngine() throws Exception {
        Path bundle;
        try {
            bundle = Path.of(StatelessEngineTest.class
                    .getResource("/policy/stateless-custom-actions.json")
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return StatelessEngine.compile(new PolicyBundleLoader(PolicyLoadOptions.defaults()).load(bundle));
    }

    private static int v4(StatelessEngine engine, int protocol, int dstPort, int flags, boolean fragment) {
        return engine.match(4, 0, CLIENT, 0, SERVER, protocol, 40000, dstPort, flags, fragment);
    }

    @Test
    void statelessFirstMatchingRuleByPriorityWins() {
        StatelessEngine engine = engine(
                StatelessAction.DROP,
                group("g", 1, rule(20, ANY, StatelessAction.PASS), rule(10, ANY, StatelessAction.DROP)));

        int outcome = v4(engine, TCP, 443, TcpFlagsMatch.SYN, false);

        assertThat(engine.action(outcome)).isEqualTo(StatelessAction.DROP);
        assertThat(engine.rules().get(outcome)).isEqualTo(new StatelessRuleRef("g", "arn:g", 10));
    }

    @Test
    void groupWithLowerPolicyPriorityIsEvaluatedFirst() throws Exception {
        StatelessEngine engine = bundleEngine(); // edge-early (10) drops UDP 443; edge-late (20) would pass it
        long[] counts = engine.newCustomActionCounts();

        StatelessAction action = engine.evaluate(4, 0, CLIENT, 0, SERVER, UDP, 50000, 443, 0, false, counts);

        assertThat(action).isEqualTo(StatelessAction.DROP);
        assertThat(engine.rules().get(v4(engine, UDP, 443, 0, false)))
                .isEqualTo(new StatelessRuleRef(
                        "edge-early",
                        "arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/edge-early",
                        20));
        assertThat(counts[
                        engine.customActionCounters()
                                .indexOf(new CustomActionCounter("edge-early", "Quic", "quic-blocked"))])
                .isEqualTo(1);
    }

    @Test
    void nonFragmentWithoutMatchUsesStatelessDefaultActionsAndTheirCustomActions() throws Exception {
        StatelessEngine engine = bundleEngine();
        long[] counts = engine.newCustomActionCounts();

        StatelessAction action = engine.evaluate(4, 0, CLIENT, 0, SERVER, UDP, 50000, 9999, 0, false, counts);

        assertThat(action).isEqualTo(StatelessAction.FORWARD_TO_SFE);
        assertThat(v4(engine, UDP, 9999, 0, false)).isEqualTo(StatelessEngine.DEFAULT_ACTIONS);
        assertThat(counts[
                        engine.customActionCounters()
                                .indexOf(new CustomActionCounter(null, "DefaultCount", "default"))])
                .isEqualTo(1);
    }

    @Test
    void udpFragmentWithoutMatchUsesFragmentDefault() throws Exception {
        StatelessEngine engine = bundleEngine(); // StatelessFragmentDefaultActions: aws:drop

        int outcome = v4(engine, UDP, 9999, 0, true);

        assertThat(outcome).isEqualTo(StatelessEngine.FRAGMENT_DEFAULT_ACTIONS);
        assertThat(engine.action(outcome)).isEqualTo(StatelessAction.DROP);
    }

    @Test
    void udpFragmentMatchingARuleTakesTheRuleAction() {
        StatelessEngine engine = engine(
                StatelessAction.DROP,
                group("g", 1, rule(1, match(List.of(), List.of(), List.of(UDP), List.of()), StatelessAction.PASS)));

        assertThat(engine.action(v4(engine, UDP, 53, 0, true))).isEqualTo(StatelessAction.PASS);
    }

    @Test
    void nonUdpFragmentIsDropped() {
        StatelessEngine engine = engine(StatelessAction.PASS, group("g", 1, rule(1, ANY, StatelessAction.PASS)));

        int outcome = v4(engine, TCP, 443, 0, true);

        assertThat(outcome).isEqualTo(StatelessEngine.NON_UDP_FRAGMENT);
        assertThat(engine.action(outcome)).isEqualTo(StatelessAction.DROP);
    }

    @Test
    void portsOnlyApplyToTcpAndUdp() {
        StatelessEngine engine = engine(
                StatelessAction.DROP,
                group(
                        "g",
                        1,
                        rule(
                                1,
                                match(List.of(), List.of(new PortRange(443, 443)), List.of(), List.of()),
                                StatelessAction.DROP)));

        assertThat(engine.action(v4(engine, TCP, 443, 0, false))).isEqualTo(StatelessAction.DROP);
        assertThat(engine.action(v4(engine, UDP, 80, 0, false))).isEqualTo(StatelessAction.FORWARD_TO_SFE);
        assertThat(engine.action(v4(engine, ICMP, 0, 0, false))).isEqualTo(StatelessAction.DROP);
    }

    @Test
    void tcpFlagsCompareOnlyTheMaskedFlags() {
        StatelessEngine engine = engine(
                StatelessAction.DROP,
                group(
                        "g",
                        1,
                        rule(
                                1,
                                match(
                                        List.of(),
                                        List.of(),
                                        List.of(),
                                        List.of(new TcpFlagsMatch(
                                                TcpFlagsMatch.SYN, TcpFlagsMatch.SYN | TcpFlagsMatch.ACK))),
                                StatelessAction.DROP)));

        assertThat(engine.action(v4(engine, TCP, 443, TcpFlagsMatch.SYN, false)))
                .isEqualTo(StatelessAction.DROP);
        assertThat(engine.action(v4(engine, TCP, 443, TcpFlagsMatch.SYN | TcpFlagsMatch.ECE, false)))
                .isEqualTo(StatelessAction.DROP);
        assertThat(engine.action(v4(engine, TCP, 443, TcpFlagsMatch.SYN | TcpFlagsMatch.ACK, false)))
                .isEqualTo(StatelessAction.FORWARD_TO_SFE);
        assertThat(engine.action(v4(engine, UDP, 443, 0, false))).isEqualTo(StatelessAction.DROP); // flags: TCP only
    }

    @Test
    void tcpFlagsWithEmptyMasksCompareAllEightFlags() throws Exception {
        FirewallPolicy policy = new PolicyBundleLoader(PolicyLoadOptions.defaults())
                .loadBundle(
                        "flags.json",
                        "{\"FirewallPolicy\": {\"StatelessDefaultActions\": [\"aws:forward_to_sfe\"],"
                                + " \"StatelessFragmentDefaultActions\": [\"aws:drop\"],"
                                + " \"StatelessRuleGroupReferences\": [{\"ResourceArn\": \"arn:sl\", \"Priority\": 1}]},"
                                + " \"RuleGroups\": [{\"RuleGroup\": {\"RulesSource\": {\"StatelessRulesAndCustomActions\":"
                                + " {\"StatelessRules\": [{\"Priority\": 1, \"RuleDefinition\": {\"MatchAttributes\":"
                                + " {\"Protocols\": [6], \"TCPFlags\": [{\"Flags\": [\"SYN\"]}]}, \"Actions\":"
                                + " [\"aws:drop\"]}}]}}}, \"RuleGroupResponse\": {\"RuleGroupArn\": \"arn:sl\","
                                + " \"RuleGroupName\": \"sl\", \"Type\": \"STATELESS\"}}]}");
        StatelessEngine engine = StatelessEngine.compile(policy);

        assertThat(engine.action(v4(engine, TCP, 443, TcpFlagsMatch.SYN, false)))
                .isEqualTo(StatelessAction.DROP);
        assertThat(engine.action(
                        v4(engine, TCP, 443, TcpFlagsMatch.SYN | TcpFlagsMatch.ECE | TcpFlagsMatch.CWR, false)))
                .isEqualTo(StatelessAction.FORWARD_TO_SFE);
    }

    @Test
    void matchesIpv4AndIpv6CidrsOnlyWithinTheirVersion() {
        StatelessEngine engine = engine(
                StatelessAction.DROP,
                group(
                        "g",
                        1,
                        rule(1, match(List.of("10.0.0.0/8"), List.of(), List.of(), List.of()), StatelessAction.DROP),
                        rule(2, match(List.of("fd00:1::/32"), List.of(), List.of(), List.of()), StatelessAction.PASS),
                        rule(3, match(List.of("0.0.0.0/0"), List.of(), List.of(), List.of()), StatelessAction.PASS)));

        assertThat(engine.match(4, 0, CLIENT, 0, SERVER, TCP, 1, 2, 0, false)).isZero();
        assertThat(engine.match(4, 0, SERVER, 0, CLIENT, TCP, 1, 2, 0, false)).isEqualTo(2);
        assertThat(engine.match(6, 0xFD00_0001_0000_0005L, 9, 0x2001_0DB8_0000_0000L, 1, TCP, 1, 2, 0, false))
                .isEqualTo(1);
        assertThat(engine.match(6, 0xFD00_0002_0000_0005L, 9, 0x2001_0DB8_0000_0000L, 1, TCP, 1, 2, 0, false))
                .isEqualTo(StatelessEngine.DEFAULT_ACTIONS);
    }

    @Test
    void customActionCountersAreOnePerGroupAndName() throws Exception {
        StatelessEngine engine = bundleEngine();
        long[] counts = engine.newCustomActionCounts();

        for (int i = 0; i < 3; i++)
            engine.evaluate(4, 0, CLIENT, 0, SERVER, TCP, 40000, 443, TcpFlagsMatch.SYN, false, counts);

        assertThat(engine.customActionCounters())
                .containsExactlyInAnyOrder(
                        new CustomActionCounter("edge-early", "SynMetric", "syn443"),
                        new CustomActionCounter("edge-early", "Quic", "quic-blocked"),
                        new CustomActionCounter(null, "DefaultCount", "default"));
        assertThat(counts[
                        engine.customActionCounters()
                                .indexOf(new CustomActionCounter("edge-early", "SynMetric", "syn443"))])
                .isEqualTo(3);
        assertThat(counts).containsOnlyOnce(3).contains(0, 0);
    }

    @Test
    void policyWithoutStatelessGroupsAppliesTheDefaults() {
        StatelessEngine engine = engine(StatelessAction.PASS);

        assertThat(engine.action(v4(engine, TCP, 443, 0, false))).isEqualTo(StatelessAction.FORWARD_TO_SFE);
        assertThat(engine.action(v4(engine, UDP, 443, 0, true))).isEqualTo(StatelessAction.PASS);
        assertThat(engine.newCustomActionCounts()).isEmpty();
    }

    @Test
    void evaluateAllocatesNothing() throws Exception {
        StatelessEngine engine = bundleEngine();
        long[] counts = engine.newCustomActionCounts();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int i = 0; i < 20_000; i++) sink += evaluateMix(engine, counts, i).ordinal();

        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 20_000; i++) sink += evaluateMix(engine, counts, i).ordinal();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(allocated)
                .as("bytes allocated by 20,000 evaluations (sink %d)", sink)
                .isLessThan(1024);
    }

    private static StatelessAction evaluateMix(StatelessEngine engine, long[] counts, int i) {
        return engine.evaluate(
                (i & 1) == 0 ? 4 : 6,
                (i & 1) == 0 ? 0 : 0xFD00_0001_0000_0000L,
                CLIENT + (i & 0xFF),
                0,
                SERVER,
                (i & 2) == 0 ? TCP : UDP,
                40000,
                (i & 4) == 0 ? 443 : 80,
                TcpFlagsMatch.SYN,
                (i & 8) != 0,
                counts);
    }
}
