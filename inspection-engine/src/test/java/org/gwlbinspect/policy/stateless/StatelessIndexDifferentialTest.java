package org.gwlbinspect.policy.stateless;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gwlbinspect.policy.CustomAction;
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
import org.gwlbinspect.policy.TcpFlagsMatch;
import org.junit.jupiter.api.Test;

/**
 * The indexed {@link StatelessEngine#match} against the linear loop ({@link StatelessEngine#compileLinear}) on seeded
 * random policies and packets, with the index alone and with rules tried one by one before it: every outcome, and the
 * custom action counts {@link StatelessEngine#evaluate} leaves, must be the same. Addresses, ports and protocols are drawn from small pools so that packets land inside, at the
 * edges of and just outside the rules' prefixes and ranges, where an off-by-one in the intervals would show.
 */
class StatelessIndexDifferentialTest {
    private static final int[] PROTOCOLS = {1, 6, 17, 47, 58, 132};
    private static final long[] V4_BASES = {0x0A000000L, 0x0A010200L, 0xC6336400L, 0xFFFFFF00L, 0L, 0x7F000000L};
    private static final long[][] V6_BASES = {
        {0x20010DB800000000L, 0L},
        {0x20010DB800000000L, 0x00000000FFFF0000L},
        {-1L, -256L},
        {0L, 0L},
        {0xFE80000000000000L, 1L}
    };
    private static final int[] PORT_EDGES = {0, 1, 22, 80, 443, 1023, 1024, 8080, 49152, 65534, 65535};
    private static final StatelessAction[] ACTIONS = {
        StatelessAction.PASS, StatelessAction.DROP, StatelessAction.FORWARD_TO_SFE
    };

    @Test
    void indexedMatchEqualsLinearLoopOnRandomPolicies() {
        for (long seed = 1; seed <= 40; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            FirewallPolicy policy = randomPolicy(random, 1 + random.nextInt(400));
            StatelessEngine linear = StatelessEngine.compileLinear(policy);
            StatelessEngine indexed = StatelessEngine.compileIndexed(policy);
            assertThat(linear.indexed()).isFalse();
            assertThat(indexed.indexed()).as("seed %d", seed).isTrue();
            long[] linearCounts = linear.newCustomActionCounts();
            long[] indexedCounts = indexed.newCustomActionCounts();
            int matchedRules = 0;
            for (int i = 0; i < 3_000; i++) {
                int version = random.nextInt(10) == 0 ? 6 : 4;
                if (random.nextInt(10) == 0) version = 6;
                long[] src = address(random, version);
                long[] dst = address(random, version);
                int protocol =
                        random.nextInt(8) == 0 ? random.nextInt(256) : PROTOCOLS[random.nextInt(PROTOCOLS.length)];
                int srcPort = port(random);
                int dstPort = port(random);
                int flags = random.nextInt(256);
                boolean fragment = random.nextInt(12) == 0;
                int expected = linear.match(
                        version, src[0], src[1], dst[0], dst[1], protocol, srcPort, dstPort, flags, fragment);
                int actual = indexed.match(
                        version, src[0], src[1], dst[0], dst[1], protocol, srcPort, dstPort, flags, fragment);
                assertThat(actual)
                        .as(
                                "seed %d packet %d: v%d %x:%x -> %x:%x proto %d ports %d -> %d flags %x fragment %b",
                                seed, i, version, src[0], src[1], dst[0], dst[1], protocol, srcPort, dstPort, flags,
                                fragment)
                        .isEqualTo(expected);
                if (expected >= 0) matchedRules++;
                assertThat(indexed.evaluate(
                                version,
                                src[0],
                                src[1],
                                dst[0],
                                dst[1],
                                protocol,
                                srcPort,
                                dstPort,
                                flags,
                                fragment,
                                indexedCounts))
                        .isEqualTo(linear.evaluate(
                                version,
                                src[0],
                                src[1],
                                dst[0],
                                dst[1],
                                protocol,
                                srcPort,
                                dstPort,
                                flags,
                                fragment,
                                linearCounts));
            }
            assertThat(indexedCounts).as("seed %d custom action counts", seed).containsExactly(linearCounts);
            // the pools make a good share of packets match some rule, so first-match order is exercised
            assertThat(matchedRules).as("seed %d", seed).isGreaterThan(100);
        }
    }

    @Test
    void defaultCompileIndexesFromTheThresholdOnAndAgreesThere() {
        SplittableRandom random = new SplittableRandom(99);
        FirewallPolicy small = randomPolicy(random, StatelessEngine.MIN_INDEXED_RULES - 1);
        FirewallPolicy large = randomPolicy(random, 5_000); // 79 words: two summary words
        assertThat(StatelessEngine.compile(small).indexed()).isFalse();
        assertThat(StatelessEngine.compile(small).linearRules()).isEqualTo(StatelessEngine.MIN_INDEXED_RULES - 1);
        StatelessEngine indexed = StatelessEngine.compile(large);
        assertThat(indexed.indexed()).isTrue();
        assertThat(indexed.linearRules()).isEqualTo(StatelessEngine.LINEAR_PREFIX_RULES);
        assertThat(indexed.indexOverBudget()).isFalse();
        assertThat(indexed.indexBytes()).isPositive().isLessThan(StatelessEngine.INDEX_BUDGET_BYTES);
        StatelessEngine linear = StatelessEngine.compileLinear(large);
        for (int i = 0; i < 5_000; i++) {
            long[] src = address(random, 4);
            long[] dst = address(random, 4);
            int protocol = PROTOCOLS[random.nextInt(PROTOCOLS.length)];
            int sp = port(random);
            int dp = port(random);
            int flags = random.nextInt(256);
            assertThat(indexed.match(4, src[0], src[1], dst[0], dst[1], protocol, sp, dp, flags, false))
                    .isEqualTo(linear.match(4, src[0], src[1], dst[0], dst[1], protocol, sp, dp, flags, false));
        }
    }

    @Test
    void rulesTriedBeforeTheIndexKeepTheFirstMatch() {
        int inPrefix = 0;
        int alsoAfterPrefix = 0;
        int afterPrefix = 0;
        for (long seed = 101; seed <= 130; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            FirewallPolicy policy = randomPolicy(random, 1 + random.nextInt(300));
            int prefix = seed % 3 == 0 ? StatelessEngine.LINEAR_PREFIX_RULES : random.nextInt(1, 40);
            StatelessEngine linear = StatelessEngine.compileLinear(policy);
            StatelessEngine withPrefix = StatelessEngine.compileIndexed(policy, prefix);
            int ruleCount = linear.rules().size();
            assertThat(withPrefix.indexed()).isTrue();
            assertThat(withPrefix.linearRules()).isEqualTo(Math.min(prefix, ruleCount));
            // The same policy without the prefix's rules: does some rule after the prefix match too?
            StatelessEngine rest =
                    StatelessEngine.compileLinear(without(policy, linear.rules().subList(0, withPrefix.linearRules())));
            long[] linearCounts = linear.newCustomActionCounts();
            long[] prefixCounts = withPrefix.newCustomActionCounts();
            for (int i = 0; i < 2_000; i++) {
                Packet packet = Packet.random(random);
                int expected = packet.matchOn(linear);
                assertThat(packet.matchOn(withPrefix))
                        .as("seed %d prefix %d packet %d: %s", seed, prefix, i, packet)
                        .isEqualTo(expected);
                assertThat(packet.evaluateOn(withPrefix, prefixCounts))
                        .isEqualTo(packet.evaluateOn(linear, linearCounts));
                if (expected >= withPrefix.linearRules()) afterPrefix++;
                if (expected >= 0 && expected < withPrefix.linearRules()) {
                    inPrefix++;
                    if (packet.matchOn(rest) >= 0) alsoAfterPrefix++;
                }
            }
            assertThat(prefixCounts).as("seed %d custom action counts", seed).containsExactly(linearCounts);
        }
        // every path is taken often: a prefix rule alone, a prefix rule before a later one that matches too, and a
        // rule the index finds (about 1 400, 27 000 and 25 000 of the 60 000 packets)
        assertThat(inPrefix - alsoAfterPrefix).isGreaterThan(500);
        assertThat(alsoAfterPrefix).isGreaterThan(10_000);
        assertThat(afterPrefix).isGreaterThan(10_000);
    }

    /** {@code policy} without the rules {@code dropped}. */
    private static FirewallPolicy without(FirewallPolicy policy, List<StatelessRuleRef> dropped) {
        List<StatelessRuleGroup> groups = new ArrayList<>();
        for (StatelessRuleGroup g : policy.statelessGroups()) {
            List<StatelessRule> kept = g.rules().stream()
                    .filter(r -> dropped.stream()
                            .noneMatch(d -> d.groupName().equals(g.name()) && d.rulePriority() == r.priority()))
                    .toList();
            groups.add(new StatelessRuleGroup(
                    g.name(), g.arn(), g.priority(), g.declaredCapacity(), kept, g.customActions()));
        }
        return new FirewallPolicy(
                policy.file(),
                policy.name(),
                policy.arn(),
                groups,
                policy.statelessDefaultActions(),
                policy.statelessFragmentDefaultActions(),
                policy.statelessCustomActions(),
                policy.engineOptions(),
                policy.statefulDefaultActions(),
                policy.statefulGroups(),
                policy.homeNet());
    }

    /** One packet's fields as {@link StatelessEngine#match} takes them, drawn from the pools. */
    private record Packet(
            int version, long[] src, long[] dst, int protocol, int srcPort, int dstPort, int flags, boolean fragment) {
        static Packet random(SplittableRandom random) {
            int version = random.nextInt(5) == 0 ? 6 : 4;
            int protocol = random.nextInt(8) == 0 ? random.nextInt(256) : PROTOCOLS[random.nextInt(PROTOCOLS.length)];
            return new Packet(
                    version,
                    address(random, version),
                    address(random, version),
                    protocol,
                    port(random),
                    port(random),
                    random.nextInt(256),
                    random.nextInt(12) == 0);
        }

        int matchOn(StatelessEngine engine) {
            return engine.match(version, src[0], src[1], dst[0], dst[1], protocol, srcPort, dstPort, flags, fragment);
        }

        StatelessAction evaluateOn(StatelessEngine engine, long[] counts) {
            return engine.evaluate(
                    version, src[0], src[1], dst[0], dst[1], protocol, srcPort, dstPort, flags, fragment, counts);
        }

        @Override
        public String toString() {
            return String.format(
                    "v%d %x:%x -> %x:%x proto %d ports %d -> %d flags %x fragment %b",
                    version, src[0], src[1], dst[0], dst[1], protocol, srcPort, dstPort, flags, fragment);
        }
    }

    static FirewallPolicy randomPolicy(SplittableRandom random, int ruleCount) {
        int groupCount = 1 + random.nextInt(5);
        List<List<StatelessRule>> rules = new ArrayList<>();
        for (int g = 0; g < groupCount; g++) rules.add(new ArrayList<>());
        for (int r = 0; r < ruleCount; r++) {
            int g = random.nextInt(groupCount);
            // distinct priorities within a group, in random order of insertion
            int priority = 1 + r * 3 + random.nextInt(3);
            List<String> custom = random.nextInt(6) == 0 ? List.of("metric" + random.nextInt(3)) : List.of();
            rules.get(g)
                    .add(new StatelessRule(
                            priority,
                            randomMatch(random),
                            new StatelessActions(ACTIONS[random.nextInt(ACTIONS.length)], custom)));
        }
        List<StatelessRuleGroup> groups = new ArrayList<>();
        for (int g = 0; g < groupCount; g++) {
            List<StatelessRule> sorted = new ArrayList<>(rules.get(g));
            sorted.sort((a, b) -> Integer.compare(a.priority(), b.priority()));
            groups.add(new StatelessRuleGroup(
                    "g" + g,
                    "arn:g" + g,
                    (groupCount - g) * 10, // groups listed in reverse of their policy priority
                    0,
                    sorted,
                    List.of(new CustomAction("metric0", "m0-" + g), new CustomAction("metric1", "m1-" + g))));
        }
        return new FirewallPolicy(
                "random",
                "random",
                null,
                groups,
                new StatelessActions(StatelessAction.FORWARD_TO_SFE, List.of("metric0")),
                new StatelessActions(StatelessAction.DROP, List.of("metric1")),
                List.of(new CustomAction("metric0", "default"), new CustomAction("metric1", "fragment-default")),
                StatefulEngineOptions.DEFAULTS,
                List.of(),
                List.of(),
                PolicyLoadOptions.DEFAULT_HOME_NET);
    }

    private static StatelessMatch randomMatch(SplittableRandom random) {
        List<Integer> protocols = new ArrayList<>();
        if (random.nextInt(3) > 0) {
            for (int i = random.nextInt(1, 3); i > 0; i--) protocols.add(PROTOCOLS[random.nextInt(PROTOCOLS.length)]);
        }
        List<TcpFlagsMatch> flags = new ArrayList<>();
        if (random.nextInt(5) == 0) {
            int masks = random.nextInt(1, 256);
            flags.add(new TcpFlagsMatch(random.nextInt(256) & masks, masks));
        }
        return new StatelessMatch(
                prefixes(random),
                prefixes(random),
                ports(random),
                ports(random),
                protocols.stream().distinct().toList(),
                flags);
    }

    private static List<IpPrefix> prefixes(SplittableRandom random) {
        List<IpPrefix> out = new ArrayList<>();
        int n = random.nextInt(4) == 0 ? 0 : random.nextInt(1, 4);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(4) == 0) {
                long[] base = V6_BASES[random.nextInt(V6_BASES.length)];
                int length = new int[] {0, 32, 64, 96, 120, 127, 128}[random.nextInt(7)];
                out.add(new IpPrefix(6, base[0], base[1] + random.nextInt(4), length));
            } else {
                long base = V4_BASES[random.nextInt(V4_BASES.length)];
                int length = new int[] {0, 8, 16, 24, 30, 31, 32}[random.nextInt(7)];
                out.add(new IpPrefix(4, 0, (base + random.nextInt(8)) & 0xFFFF_FFFFL, length));
            }
        }
        return out;
    }

    private static List<PortRange> ports(SplittableRandom random) {
        List<PortRange> out = new ArrayList<>();
        int n = random.nextInt(3) == 0 ? 0 : random.nextInt(1, 3);
        for (int i = 0; i < n; i++) {
            int a = PORT_EDGES[random.nextInt(PORT_EDGES.length)];
            int b = random.nextBoolean() ? a : PORT_EDGES[random.nextInt(PORT_EDGES.length)];
            out.add(new PortRange(Math.min(a, b), Math.max(a, b)));
        }
        return out;
    }

    /** An address at or next to a pool base, or a random one. */
    private static long[] address(SplittableRandom random, int version) {
        if (version == 4) {
            long base = random.nextInt(8) == 0 ? random.nextLong() : V4_BASES[random.nextInt(V4_BASES.length)];
            return new long[] {0, (base + random.nextInt(-2, 10)) & 0xFFFF_FFFFL};
        }
        if (random.nextInt(8) == 0) return new long[] {random.nextLong(), random.nextLong()};
        long[] base = V6_BASES[random.nextInt(V6_BASES.length)];
        return new long[] {base[0], base[1] + random.nextInt(-2, 10)};
    }

    private static int port(SplittableRandom random) {
        return random.nextInt(4) == 0
                ? random.nextInt(65536)
                : Math.clamp(PORT_EDGES[random.nextInt(PORT_EDGES.length)] + random.nextInt(-1, 2), 0, 65535);
    }
}
