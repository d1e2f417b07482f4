package org.gwlbinspect.benchmarks.policy.stateless;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
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
import org.gwlbinspect.policy.stateless.StatelessEngine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The NFW stateless engine on its own ({@link StatelessEngine#evaluate}, first matching rule by priority, policy.md
 * §2.2), per packet, called as {@code detect.PolicyInspector} calls it: the fields of a decoded {@link InnerPacket}
 * and the worker's custom action counts.
 *
 * <p>The policy has {@code rules} stateless rules in ten groups, written as stateless allow-lists are: TCP from the
 * VPC (10.0.0.0/8) to one destination /32 on port 443 ({@code aws:pass}, every tenth with a custom action that
 * publishes a metric), defaults {@code aws:forward_to_sfe}. Each rule the packet does not match costs the protocol
 * check, the source prefix and the destination prefix, where it fails.
 *
 * <ul>
 *   <li>{@code baselineReadFields}: the packet's fields read as for an evaluation, summed; no rule tried.
 *   <li>{@code firstRuleMatches}: a packet to the first rule's destination: one rule tried, whatever the rule count.
 *   <li>{@code firstRuleAfterPrefixMatches}: a packet to the destination of the first rule that {@link
 *       StatelessEngine#compile} leaves to the index (rule {@link StatelessEngine#LINEAR_PREFIX_RULES}, the last rule
 *       when there are fewer): the prefix's rules all tried, then the index.
 *   <li>{@code fallThroughToDefault}: a packet to a destination no rule names, so every rule is tried before the
 *       default action applies: the worst case, and the one every packet of a stateful-only flow pays.
 *   <li>{@code ...Linear} and {@code ...Indexed}: the same two packets on an engine compiled without the bit-set index
 *       ({@link StatelessEngine#compileLinear}, every rule tried: the engine before the index) and with it alone
 *       whatever the rule count ({@link StatelessEngine#compileIndexed}: no rule tried before it, the engine before
 *       the prefix); the plain benchmarks use {@link StatelessEngine#compile}, which from {@link
 *       StatelessEngine#MIN_INDEXED_RULES} rules on tries the first {@link StatelessEngine#LINEAR_PREFIX_RULES} rules,
 *       then the index. Run at small rule counts ({@code -p rules=5,10,20,50}) they show the crossover.
 * </ul>
 *
 * Run with {@code -prof gc}: {@code gc.alloc.rate.norm} must be 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StatelessEngineBenchmark {
    private static final int TCP = 6;
    private static final int GROUPS = 10;
    /** 198.51.100.0, the first rule's destination; rule i allows 198.51.100.0 + i. */
    private static final int FIRST_DESTINATION = 0xC6336400;
    /** 203.0.113.9: named by no rule. */
    private static final int UNLISTED_DESTINATION = 0xCB007109;

    @Param({"10", "100", "1000", "10000"})
    public int rules;

    private StatelessEngine engine;
    private StatelessEngine linear;
    private StatelessEngine indexed;
    private long[] customActionCounts;
    private final InnerPacket toFirstRule = new InnerPacket();
    private final InnerPacket toNoRule = new InnerPacket();
    private final InnerPacket toRuleAfterPrefix = new InnerPacket();
    private ByteBuf firstRulePacket;
    private ByteBuf noRulePacket;
    private ByteBuf ruleAfterPrefixPacket;

    @Setup
    public void setUp() {
        engine = StatelessEngine.compile(policy(rules));
        customActionCounts = engine.newCustomActionCounts();
        firstRulePacket = tcpPacket(FIRST_DESTINATION);
        noRulePacket = tcpPacket(UNLISTED_DESTINATION);
        decode(toFirstRule, firstRulePacket);
        decode(toNoRule, noRulePacket);
        int afterPrefix = Math.min(StatelessEngine.LINEAR_PREFIX_RULES, rules - 1);
        ruleAfterPrefixPacket = tcpPacket(FIRST_DESTINATION + afterPrefix);
        decode(toRuleAfterPrefix, ruleAfterPrefixPacket);
        if (match(toRuleAfterPrefix) != afterPrefix) {
            throw new IllegalStateException("the packet after the prefix does not match rule " + afterPrefix);
        }
        if (match(toFirstRule) != 0) {
            throw new IllegalStateException("the first packet does not match the first rule");
        }
        linear = StatelessEngine.compileLinear(policy(rules));
        indexed = StatelessEngine.compileIndexed(policy(rules));
        if (!indexed.indexed()) throw new IllegalStateException("the index is over its budget");
        if (fallThroughToDefault() != StatelessAction.FORWARD_TO_SFE
                || firstRuleMatches() != StatelessAction.PASS
                || fallThroughLinear() != StatelessAction.FORWARD_TO_SFE
                || firstRuleLinear() != StatelessAction.PASS
                || fallThroughIndexed() != StatelessAction.FORWARD_TO_SFE
                || firstRuleIndexed() != StatelessAction.PASS) {
            throw new IllegalStateException("benchmark packets do not get the expected actions");
        }
    }

    @TearDown
    public void releasePackets() {
        firstRulePacket.release();
        noRulePacket.release();
        ruleAfterPrefixPacket.release();
    }

    /** {@code rules} rules in {@link #GROUPS} groups of consecutive priorities, each with its own custom action. */
    static FirewallPolicy policy(int rules) {
        IpPrefix vpc = IpPrefix.parse("10.0.0.0/8");
        List<StatelessRuleGroup> groups = new ArrayList<>();
        int perGroup = Math.max(1, rules / GROUPS);
        for (int g = 0; g * perGroup < rules; g++) {
            List<StatelessRule> groupRules = new ArrayList<>();
            for (int r = g * perGroup; r < Math.min(rules, (g + 1) * perGroup); r++) {
                long destination = Integer.toUnsignedLong(FIRST_DESTINATION + r);
                StatelessMatch match = new StatelessMatch(
                        List.of(vpc),
                        List.of(new IpPrefix(4, 0, destination, 32)),
                        List.of(),
                        List.of(new PortRange(443, 443)),
                        List.of(TCP),
                        List.of());
                List<String> custom = r % 10 == 0 ? List.of("allowed" + g) : List.of();
                groupRules.add(new StatelessRule(
                        10 * (r - g * perGroup) + 10, match, new StatelessActions(StatelessAction.PASS, custom)));
            }
            groups.add(new StatelessRuleGroup(
                    "allow-" + g,
                    "arn:aws:network-firewall:us-east-1:111122223333:stateless-rulegroup/allow-" + g,
                    g + 1,
                    0,
                    groupRules,
                    List.of(new CustomAction("allowed" + g, "allow-" + g))));
        }
        return new FirewallPolicy(
                "benchmark",
                "benchmark",
                null,
                groups,
                new StatelessActions(StatelessAction.FORWARD_TO_SFE, List.of()),
                new StatelessActions(StatelessAction.FORWARD_TO_SFE, List.of()),
                List.of(),
                StatefulEngineOptions.DEFAULTS,
                List.of(),
                List.of(),
                PolicyLoadOptions.DEFAULT_HOME_NET);
    }

    /** IPv4 + TCP ACK with 8 data bytes, 10.1.2.3:41000 -> {@code destination}:443. */
    private static ByteBuf tcpPacket(int destination) {
        ByteBuf packet = Unpooled.directBuffer(48);
        packet.writeBytes(new byte[] {0x45, 0, 0, 48, 0, 0, 0x40, 0, 64, TCP, 0, 0, 10, 1, 2, 3});
        packet.writeInt(destination);
        packet.writeShort(41000).writeShort(443).writeInt(0x11223344).writeInt(0x55667788);
        packet.writeByte(0x50).writeByte(0x10).writeShort(65535).writeInt(0); // data offset 5, ACK
        packet.writeLong(0x4745542f20485454L);
        return packet;
    }

    private static void decode(InnerPacket inner, ByteBuf packet) {
        if (inner.decode(packet, 0, packet.readableBytes(), GeneveHeader.PROTOCOL_IPV4) != DecodeStatus.OK) {
            throw new IllegalStateException("benchmark packet does not decode");
        }
    }

    /** Floor: the same field reads as an evaluation, summed. */
    @Benchmark
    public long baselineReadFields() {
        InnerPacket p = toNoRule;
        return p.ipVersion()
                + p.srcAddrHi()
                + p.srcAddrLo()
                + p.dstAddrHi()
                + p.dstAddrLo()
                + p.protocol()
                + p.srcPort()
                + p.dstPort()
                + p.tcpFlags()
                + (p.isFragment() ? 1 : 0);
    }

    @Benchmark
    public StatelessAction firstRuleMatches() {
        return evaluate(toFirstRule);
    }

    @Benchmark
    public StatelessAction firstRuleAfterPrefixMatches() {
        return evaluate(toRuleAfterPrefix);
    }

    @Benchmark
    public StatelessAction fallThroughToDefault() {
        return evaluate(toNoRule);
    }

    @Benchmark
    public StatelessAction firstRuleLinear() {
        return evaluate(linear, toFirstRule);
    }

    @Benchmark
    public StatelessAction fallThroughLinear() {
        return evaluate(linear, toNoRule);
    }

    @Benchmark
    public StatelessAction firstRuleIndexed() {
        return evaluate(indexed, toFirstRule);
    }

    @Benchmark
    public StatelessAction fallThroughIndexed() {
        return evaluate(indexed, toNoRule);
    }

    private int match(InnerPacket p) {
        return engine.match(
                4,
                p.srcAddrHi(),
                p.srcAddrLo(),
                p.dstAddrHi(),
                p.dstAddrLo(),
                TCP,
                p.srcPort(),
                p.dstPort(),
                p.tcpFlags(),
                false);
    }

    private StatelessAction evaluate(InnerPacket p) {
        return evaluate(engine, p);
    }

    private StatelessAction evaluate(StatelessEngine e, InnerPacket p) {
        return e.evaluate(
                p.ipVersion(),
                p.srcAddrHi(),
                p.srcAddrLo(),
                p.dstAddrHi(),
                p.dstAddrLo(),
                p.protocol(),
                p.srcPort(),
                p.dstPort(),
                p.tcpFlags(),
                p.isFragment(),
                customActionCounts);
    }
}
