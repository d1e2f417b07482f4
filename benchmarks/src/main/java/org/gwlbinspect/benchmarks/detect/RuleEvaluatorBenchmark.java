package org.gwlbinspect.benchmarks.detect;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.detect.RuleProtocol;
import org.gwlbinspect.detect.engine.AlertSink;
import org.gwlbinspect.detect.engine.Decision;
import org.gwlbinspect.detect.engine.FlowRuleState;
import org.gwlbinspect.detect.engine.PacketContext;
import org.gwlbinspect.detect.engine.RuleEvaluator;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Cost of deciding one TLS ClientHello against a TLS SNI deny list of N domains with the stateful rule evaluator
 * alone (no Hyperscan prefilter yet: every app-layer rule is tried), for N = 10, 1 000, 10 000. The baseline is the
 * same context against a policy of one rule, in the same run. The SNI matches none of the rules (the common case).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RuleEvaluatorBenchmark {
    @Param({"10", "1000", "10000"})
    public int rules;

    private RuleEvaluator evaluator;
    private RuleEvaluator baseline;
    private final PacketContext context = new PacketContext();
    private final FlowRuleState state = new FlowRuleState();
    private final AlertSink alerts = (index, action, verdict) -> {};
    private CompiledPolicy policy;
    private CompiledPolicy single;

    @Setup
    public void compile() throws Exception {
        policy = compile(rules);
        single = compile(1);
        evaluator = new RuleEvaluator(policy);
        baseline = new RuleEvaluator(single);
        byte[] sni = "www.allowed-example.org".getBytes(StandardCharsets.US_ASCII);
        context.ipv4(0x0A000001, 40000, 0x5DB8D822, 443, 6);
        context.toServer = true;
        context.established = true;
        context.appProtocol = RuleProtocol.TLS;
        context.tlsClientHello = true;
        context.firstPacketInDirection = false;
        context.setBuffer(Buffer.TLS_SNI, sni, 0, sni.length);
    }

    private static CompiledPolicy compile(int domains) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < domains; i++) text.append("blocked-").append(i).append(".example.com\n");
        Path dir = Files.createTempDirectory("rules");
        Path file = dir.resolve("deny" + domains + ".denylist.txt");
        Files.writeString(file, text);
        return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
    }

    @TearDown
    public void close() {
        policy.patterns().close();
        single.patterns().close();
    }

    @Benchmark
    public Decision evaluateClientHello() {
        state.load(0, 0);
        return evaluator.evaluate(context, state, alerts);
    }

    @Benchmark
    public Decision baselineOneRule() {
        state.load(0, 0);
        return baseline.evaluate(context, state, alerts);
    }
}
