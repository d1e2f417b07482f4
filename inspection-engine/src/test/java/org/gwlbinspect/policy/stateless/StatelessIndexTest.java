package org.gwlbinspect.policy.stateless;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gwlbinspect.policy.FirewallPolicy;
import org.gwlbinspect.policy.IpPrefix;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.PortRange;
import org.gwlbinspect.policy.StatefulEngineOptions;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.policy.StatelessActions;
import org.gwlbinspect.policy.StatelessMatch;
import org.gwlbinspect.policy.StatelessRule;
import org.gwlbinspect.policy.StatelessRuleGroup;
import org.junit.jupiter.api.Test;

/** Targeted cases of the stateless engine's bit-set index ({@link RuleIndex}), forced on whatever the rule count. */
class StatelessIndexTest {
    private static final int ICMP = 1;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int[] MIX_PROTOCOLS = {ICMP, TCP, UDP, 47};

    private static FirewallPolicy policy(StatelessRuleGroup... groups) {
        return new FirewallPolicy(
                "test",
                "test",
                null,
                List.of(groups),
                new StatelessActions(StatelessAction.FORWARD_TO_SFE, List.of()),
                new StatelessActions(StatelessAction.PASS, List.of()),
                List.of(),
                StatefulEngineOptions.DEFAULTS,
                List.of(),
                List.of(),
                PolicyLoadOptions.DEFAULT_HOME_NET);
    }

    private static StatelessRuleGroup group(String name, int priority, StatelessRule... rules) {
        return new StatelessRuleGroup(name, "arn:" + name, priority, 0, List.of(rules), List.of());
    }

    private static StatelessRule rule(int priority, StatelessAction action, String... destinations) {
        StatelessMatch match = new StatelessMatch(
                List.of(),
                List.of(destinations).stream().map(IpPrefix::parse).toList(),
                List.of(),
                List.of(),
                List.of(),
                List.of());
        return new StatelessRule(priority, match, new StatelessActions(action, List.of()));
    }

    private static long v4(String address) {
        return IpPrefix.parse(address).lo();
    }

    @Test
    void emptyRuleListGivesTheDefaultsThroughTheIndex() {
        StatelessEngine engine = StatelessEngine.compileIndexed(policy());
        assertThat(engine.indexed()).isTrue();
        assertThat(engine.match(4, 0, v4("10.0.0.1"), 0, v4("10.0.0.2"), TCP, 1, 2, 0x02, false))
                .isEqualTo(StatelessEngine.DEFAULT_ACTIONS);
        assertThat(engine.match(6, 1, 2, 3, 4, UDP, 1, 2, 0, true)).isEqualTo(StatelessEngine.FRAGMENT_DEFAULT_ACTIONS);
        assertThat(engine.match(4, 0, 1, 0, 2, TCP, 1, 2, 0, true)).isEqualTo(StatelessEngine.NON_UDP_FRAGMENT);
    }

    @Test
    void ruleWithNoMatchSettingsMatchesEveryPacketButNonUdpFragments() {
        StatelessEngine engine = StatelessEngine.compileIndexed(policy(group("all", 1, rule(5, StatelessAction.DROP))));
        assertThat(engine.indexed()).isTrue();
        assertThat(engine.match(4, 0, 1, 0, 2, TCP, 0, 65535, 0, false)).isZero();
        assertThat(engine.match(6, -1L, -1L, 0, 0, ICMP, 0, 0, 0, false)).isZero();
        assertThat(engine.match(4, 0, 1, 0, 2, 255, 0, 0, 0, false)).isZero();
        assertThat(engine.match(6, 5, 6, 7, 8, UDP, 53, 53, 0, true)).isZero();
        assertThat(engine.match(6, 5, 6, 7, 8, TCP, 53, 53, 0, true)).isEqualTo(StatelessEngine.NON_UDP_FRAGMENT);
    }

    @Test
    void overlappingPrefixesGoToTheFirstRuleInPriorityOrder() {
        // The group of policy priority 1 comes first even though it is listed second; within a group, rule priority.
        StatelessEngine engine = StatelessEngine.compileIndexed(policy(
                group(
                        "later",
                        20,
                        rule(1, StatelessAction.DROP, "10.1.2.3/32"),
                        rule(2, StatelessAction.DROP, "0.0.0.0/0")),
                group(
                        "first",
                        1,
                        rule(10, StatelessAction.PASS, "10.1.0.0/16"),
                        rule(20, StatelessAction.FORWARD_TO_SFE, "10.0.0.0/8", "10.1.2.0/24"))));
        assertThat(engine.rules().get(0).groupName()).isEqualTo("first");
        assertThat(engine.match(4, 0, 1, 0, v4("10.1.2.3"), ICMP, 0, 0, 0, false))
                .isZero();
        assertThat(engine.match(4, 0, 1, 0, v4("10.2.0.0"), ICMP, 0, 0, 0, false))
                .isEqualTo(1);
        assertThat(engine.match(4, 0, 1, 0, v4("10.255.255.255"), ICMP, 0, 0, 0, false))
                .isEqualTo(1);
        assertThat(engine.match(4, 0, 1, 0, v4("11.0.0.0"), ICMP, 0, 0, 0, false))
                .isEqualTo(3);
        assertThat(engine.match(4, 0, 1, 0, v4("9.255.255.255"), ICMP, 0, 0, 0, false))
                .isEqualTo(3);
        // an IPv6 packet matches no IPv4 prefix, not even 0.0.0.0/0
        assertThat(engine.match(6, 0, 1, 0, v4("10.1.2.3"), ICMP, 0, 0, 0, false))
                .isEqualTo(StatelessEngine.DEFAULT_ACTIONS);
    }

    @Test
    void portsOnlyNarrowTcpAndUdp() {
        StatelessMatch port443 = new StatelessMatch(
                List.of(), List.of(), List.of(), List.of(new PortRange(443, 443)), List.of(), List.of());
        StatelessEngine engine = StatelessEngine.compileIndexed(policy(
                group("g", 1, new StatelessRule(1, port443, new StatelessActions(StatelessAction.PASS, List.of())))));
        assertThat(engine.match(4, 0, 1, 0, 2, TCP, 1000, 443, 0x10, false)).isZero();
        assertThat(engine.match(4, 0, 1, 0, 2, TCP, 1000, 444, 0x10, false)).isEqualTo(StatelessEngine.DEFAULT_ACTIONS);
        assertThat(engine.match(4, 0, 1, 0, 2, ICMP, 1000, 444, 0, false)).isZero();
    }

    @Test
    void equalIntervalSetsAreStoredOnce() {
        // 1 000 /32 destinations, one address apart, cut the IPv4 space into 2 001 intervals, but there are only 1 001
        // distinct
        // sets among them (one per rule, and one for every gap); the protocol and port sets are all "every rule".
        List<StatelessRule> rules = new ArrayList<>();
        for (int i = 0; i < 1_000; i++)
            rules.add(rule(i + 1, StatelessAction.PASS, "198.51." + (2 * i >>> 8) + "." + (2 * i & 0xFF)));
        StatelessEngine engine =
                StatelessEngine.compileIndexed(policy(group("g", 1, rules.toArray(StatelessRule[]::new))));
        assertThat(engine.indexed()).isTrue();
        long words = (1_000 + 63) / 64;
        long setBytes = 1_002 * (words + 1) * Long.BYTES; // with the empty set; each with a one-word summary
        long intervalBytes = (2_001 + 1 + 1 + 1 + 1 + 1) * (2 * Long.BYTES + Integer.BYTES);
        assertThat(engine.indexBytes()).isEqualTo(setBytes + intervalBytes);
        assertThat(engine.match(4, 0, 1, 0, v4("198.51.7.206"), TCP, 1, 2, 0, false))
                .isEqualTo(999);
        assertThat(engine.match(4, 0, 1, 0, v4("198.51.7.205"), TCP, 1, 2, 0, false))
                .isEqualTo(StatelessEngine.DEFAULT_ACTIONS);
    }

    @Test
    void indexOverItsBudgetIsNotBuiltButSaysWhatItWouldHaveNeeded() {
        List<StatelessMatch> matches = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            matches.add(new StatelessMatch(
                    List.of(), List.of(new IpPrefix(4, 0, i, 32)), List.of(), List.of(), List.of(), List.of()));
        }
        RuleIndex.Outcome fits = RuleIndex.build(matches, 1 << 20);
        assertThat(fits.index()).isNotNull();
        assertThat(fits.bytes()).isEqualTo(fits.index().sizeBytes());
        // 201 distinct destination sets of 4 words do not fit in 4 KiB; the sets met after the budget ran out are
        // still counted, once each
        RuleIndex.Outcome over = RuleIndex.build(matches, 4096);
        assertThat(over.index()).isNull();
        assertThat(over.bytes()).isEqualTo(fits.bytes());
    }

    @Test
    void engineOverItsIndexBudgetTriesEveryRuleAndReportsIt() {
        List<StatelessRule> rules = new ArrayList<>();
        for (int i = 0; i < 200; i++)
            rules.add(rule(i + 1, StatelessAction.DROP, "198.51." + (i >>> 8) + "." + i % 256));
        FirewallPolicy policy = policy(group("g", 1, rules.toArray(StatelessRule[]::new)));
        StatelessEngine fits = StatelessEngine.compile(policy);
        StatelessEngine over = StatelessEngine.compile(policy, 4096);
        assertThat(fits.indexed()).isTrue();
        assertThat(fits.indexOverBudget()).isFalse();
        assertThat(fits.indexBudgetBytes()).isEqualTo(StatelessEngine.INDEX_BUDGET_BYTES);
        assertThat(over.indexed()).isFalse();
        assertThat(over.indexOverBudget()).isTrue();
        assertThat(over.indexBudgetBytes()).isEqualTo(4096);
        assertThat(over.linearRules()).isEqualTo(200);
        assertThat(over.indexBytes()).isEqualTo(fits.indexBytes()).isGreaterThan(4096);
        for (int i = 0; i < 200; i++) {
            long destination = v4("198.51." + (i >>> 8) + "." + i % 256);
            assertThat(over.match(4, 0, 1, 0, destination, TCP, 1, 2, 0, false)).isEqualTo(i);
            assertThat(fits.match(4, 0, 1, 0, destination, TCP, 1, 2, 0, false)).isEqualTo(i);
        }
        // too few rules for an index is not a fallback
        StatelessEngine small = StatelessEngine.compile(policy(group("g", 1, rules.get(0), rules.get(1))), 4096);
        assertThat(small.indexOverBudget()).isFalse();
        assertThat(small.indexBytes()).isZero();
    }

    @Test
    void defaultCompileTriesTheFirstRulesBeforeTheIndex() {
        // rule 1 (in the prefix) and rule 10 (in the index) both hold 10.1.2.3; rule 10 alone holds 10.1.2.4
        List<StatelessRule> rules = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String destination = i == 1 ? "10.1.2.3/32" : i == 10 ? "10.1.2.0/24" : "192.0.2." + i + "/32";
            rules.add(rule(i + 1, StatelessAction.PASS, destination));
        }
        StatelessEngine engine = StatelessEngine.compile(policy(group("g", 1, rules.toArray(StatelessRule[]::new))));
        assertThat(engine.indexed()).isTrue();
        assertThat(engine.linearRules())
                .isEqualTo(StatelessEngine.LINEAR_PREFIX_RULES)
                .isGreaterThan(1);
        assertThat(engine.match(4, 0, 1, 0, v4("10.1.2.3"), TCP, 1, 2, 0, false))
                .isEqualTo(1);
        assertThat(engine.match(4, 0, 1, 0, v4("10.1.2.4"), TCP, 1, 2, 0, false))
                .isEqualTo(10);
        assertThat(engine.match(4, 0, 1, 0, v4("192.0.2.0"), TCP, 1, 2, 0, false))
                .isZero();
        assertThat(engine.match(4, 0, 1, 0, v4("192.0.2.19"), TCP, 1, 2, 0, false))
                .isEqualTo(19);
        assertThat(engine.match(4, 0, 1, 0, v4("192.0.2.20"), TCP, 1, 2, 0, false))
                .isEqualTo(StatelessEngine.DEFAULT_ACTIONS);
        assertThat(engine.match(6, 0, 1, 0, v4("10.1.2.3"), TCP, 1, 2, 0, false))
                .isEqualTo(StatelessEngine.DEFAULT_ACTIONS);
    }

    @Test
    void indexedMatchAllocatesNothing() {
        FirewallPolicy policy = StatelessIndexDifferentialTest.randomPolicy(new SplittableRandom(7), 500);
        StatelessEngine engine = StatelessEngine.compileIndexed(policy);
        long[] counts = engine.newCustomActionCounts();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sink = 0;
        for (int i = 0; i < 20_000; i++) sink += evaluate(engine, counts, i);
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 20_000; i++) sink += evaluate(engine, counts, i);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated)
                .as("bytes allocated by 20,000 evaluations (sink %d)", sink)
                .isLessThan(1024);
    }

    private static int evaluate(StatelessEngine engine, long[] counts, int i) {
        return engine.evaluate(
                        (i & 3) == 0 ? 6 : 4,
                        (i & 3) == 0 ? 0x20010DB800000000L : 0,
                        0x0A000000L + (i & 0xFF),
                        0,
                        0xC6336400L + (i >>> 8 & 0xF),
                        MIX_PROTOCOLS[i & 3],
                        i & 0xFFFF,
                        443,
                        i & 0xFF,
                        (i & 31) == 0,
                        counts)
                .ordinal();
    }
}
