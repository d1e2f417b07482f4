package org.gwlbinspect.benchmarks.replay;

import io.netty.buffer.ByteBuf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.replay.CaptureFeed;
import org.gwlbinspect.appliance.replay.ReplayOptions;
import org.gwlbinspect.appliance.replay.ReplayPipeline;
import org.gwlbinspect.appliance.replay.SyntheticFlows;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.stateful.StatefulConfig;
import org.gwlbinspect.verdict.Enforcement;
import org.gwlbinspect.verdict.Verdict;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Monitor mode against enforcement (docs/learning-mode.md), the baseline of the same run: the whole pipeline
 * ({@code replay.ReplayPipeline}, as {@link ReplayPipelineBenchmark}) on new TLS flows that a learning policy would
 * drop: strict order, an allow-list none of the flows' names is on, {@code aws:drop_established} + {@code
 * aws:alert_established}, {@code HOME_NET} the synthetic clients' 198.18.0.0/15.
 *
 * <p>{@code deniedFlow}: the 10 packets of a new flow (SYN, SYN-ACK, ACK, ClientHello, 6 data packets alternating
 * directions), per packet. Under enforcement the ClientHello and each later client packet are evaluated, dropped and
 * logged (the alert sink only marks the flow: no log file); in monitor mode the ClientHello is logged and decides the
 * flow, and the later packets pass on the fast path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MonitorModeBenchmark {
    private static final int DATA_PACKETS = 6;
    private static final int PAYLOAD_BYTES = 1000;
    private static final int FLOW_PACKETS = SyntheticFlows.SETUP_PACKETS + DATA_PACKETS;
    private static final int TABLE_CAPACITY = 1 << 16;

    private static final String LEARNING_POLICY = """
            {"FirewallPolicyResponse": {"FirewallPolicyName": "bench-learning"},
             "FirewallPolicy": {
               "StatelessDefaultActions": ["aws:forward_to_sfe"],
               "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
               "StatefulRuleGroupReferences": [{"ResourceArn": "arn:aws:network-firewall:eu-west-1:1:stateful-rulegroup/allowed", "Priority": 10}],
               "StatefulDefaultActions": ["aws:drop_established", "aws:alert_established"],
               "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"},
               "PolicyVariables": {"RuleVariables": {"HOME_NET": {"Definition": ["198.18.0.0/15"]}}}},
             "RuleGroups": [{"RuleGroup": {
                 "RulesSource": {"RulesSourceList": {"Targets": [".allowed.example"], "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
                                                     "GeneratedRulesType": "ALLOWLIST"}},
                 "StatefulRuleOptions": {"RuleOrder": "STRICT_ORDER"}},
               "RuleGroupResponse": {"RuleGroupArn": "arn:aws:network-firewall:eu-west-1:1:stateful-rulegroup/allowed",
                                     "RuleGroupName": "allowed", "Type": "STATEFUL", "Capacity": 10}}]}
            """;

    @Param({"ENFORCE", "MONITOR"})
    public Enforcement enforcement;

    private CompiledPolicy compiled;
    private ReplayPipeline pipeline;
    private long nowNanos = 1_700_000_000_000_000_000L;
    private NewFlowTemplate template;
    private int newFlows;

    @Setup
    public void setUp() throws Exception {
        Quiet.logs();
        Path file = Files.createTempDirectory("policy").resolve("learning.json");
        Files.writeString(file, LEARNING_POLICY);
        compiled = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
        pipeline = new ReplayPipeline(
                compiled,
                new FlowTableConfig(
                        TABLE_CAPACITY,
                        FlowTableConfig.defaults().tcpIdleTimeout(),
                        FlowTableConfig.defaults().otherIdleTimeout(),
                        FlowTableConfig.defaults().fragmentTimeout()),
                StatefulConfig.defaults(),
                null,
                ReplayOptions.DEFAULT_MAX_DATAGRAM_BYTES,
                enforcement);
        template = new NewFlowTemplate(new SyntheticFlows(1, DATA_PACKETS, PAYLOAD_BYTES), 0, FLOW_PACKETS);
        // The policy must act as described: the hello is dropped (enforce) or passed (monitor).
        Verdict hello = null;
        for (int k = 0; k < FLOW_PACKETS; k++) {
            Verdict v = send(k, newFlows);
            if (k == SyntheticFlows.SETUP_PACKETS - 1) hello = v; // SYN, SYN-ACK, ACK, ClientHello
        }
        newFlows++;
        Verdict expected = enforcement == Enforcement.MONITOR ? Verdict.PASS : Verdict.DROP;
        if (hello != expected) throw new IllegalStateException("ClientHello: " + hello + ", expected " + expected);
    }

    @TearDown
    public void tearDown() {
        pipeline.close();
        template.close();
        if (compiled != null) compiled.close();
    }

    @Benchmark
    @OperationsPerInvocation(FLOW_PACKETS)
    public Verdict deniedFlow() {
        int n = newFlows++;
        Verdict last = null;
        for (int k = 0; k < FLOW_PACKETS; k++) last = send(k, n);
        return last;
    }

    /** Packet {@code k} of new flow {@code n}. */
    private Verdict send(int k, int n) {
        ByteBuf datagram = template.packet(k, n);
        nowNanos += 1_000;
        return pipeline.inspect(
                datagram,
                0,
                datagram.writerIndex(),
                CaptureFeed.GWLB_ADDRESS,
                template.gwlbPort(k),
                CaptureFeed.APPLIANCE_ADDRESS,
                nowNanos);
    }
}
