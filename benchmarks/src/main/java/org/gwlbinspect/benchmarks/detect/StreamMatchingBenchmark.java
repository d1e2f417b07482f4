package org.gwlbinspect.benchmarks.detect;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.detect.engine.AlertSink;
import org.gwlbinspect.detect.engine.Decision;
import org.gwlbinspect.detect.engine.FlowRuleState;
import org.gwlbinspect.detect.engine.PacketContext;
import org.gwlbinspect.detect.engine.RuleEvaluator;
import org.gwlbinspect.detect.engine.StreamMatchState;
import org.gwlbinspect.policy.PolicyLoadOptions;
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
 * Per-packet cost of matching TCP payload rules (policy.md §3.3) on the reassembled stream against matching each packet
 * on its own (the engine before stream matching, the baseline of the same run), for N = 10 and 1 000 payload rules
 * (content with depth + distance, nocase content, content + pcre), none matching. Each invocation is one 1 400-byte
 * segment of a long client stream (16 different segments in turn).
 *
 * <ul>
 *   <li>{@code perPacket}: the segment as the {@code payload} buffer: a Hyperscan block scan of the packet, then the
 *       candidate rules.
 *   <li>{@code stream}: what {@code StatefulInspector} does per segment: the flow direction's 2 KiB lookback and the
 *       segment copied into the worker's array, the new bytes scanned in the flow's Hyperscan stream, the lookback
 *       kept, then the candidate rules evaluated on lookback + segment.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StreamMatchingBenchmark {
    private static final int TCP = 6;
    private static final int SEGMENT = 1_400;
    private static final int SEGMENTS = 16;
    private static final Map<Integer, CompiledPolicy> POLICIES = new HashMap<>();

    @Param({"10", "1000"})
    public int rules;

    private RuleEvaluator evaluator;
    private final FlowRuleState state = new FlowRuleState();
    private final AlertSink alerts = (index, action, verdict) -> {};
    private final PacketContext ctx = new PacketContext();
    private final StreamMatchState stream = new StreamMatchState();
    private final byte[][] segments = new byte[SEGMENTS][];
    private final byte[] window = new byte[StreamMatchState.LOOKBACK_BYTES + SEGMENT];
    private long streamOffset;
    private int next;

    @Setup
    public void setUp() throws Exception {
        evaluator = new RuleEvaluator(policy(rules));
        Random random = new Random(7);
        for (int i = 0; i < SEGMENTS; i++) {
            segments[i] = new byte[SEGMENT];
            random.nextBytes(segments[i]);
        }
        ctx.ipv4(0x0A000001, 40000, 0x5DB8D822, 80, TCP);
        ctx.toServer = true;
        ctx.established = true;
        ctx.firstPacketInDirection = false;
        ctx.tcpFlags = 0x18;
        ctx.payloadLength = SEGMENT;
    }

    @TearDown
    public void tearDown() {
        stream.reset();
        evaluator.close();
    }

    @Benchmark
    public Decision perPacket() {
        byte[] segment = segments[next++ & (SEGMENTS - 1)];
        ctx.clearBuffers();
        ctx.setBuffer(Buffer.PAYLOAD, segment, 0, segment.length);
        state.clear();
        return evaluator.evaluate(ctx, state, alerts);
    }

    @Benchmark
    public Decision stream() {
        byte[] segment = segments[next++ & (SEGMENTS - 1)];
        ctx.clearBuffers();
        evaluator.clearStreamCandidates();
        int lookback = stream.copyLookback(window, streamOffset);
        System.arraycopy(segment, 0, window, lookback, segment.length);
        int length = lookback + segment.length;
        evaluator.scanStream(stream, window, lookback, length, streamOffset);
        stream.keepLookback(window, length, streamOffset + segment.length);
        ctx.setStream(window, 0, length, streamOffset - lookback, lookback);
        streamOffset += segment.length;
        state.clear();
        return evaluator.evaluate(ctx, state, alerts);
    }

    private static synchronized CompiledPolicy policy(int count) throws Exception {
        CompiledPolicy policy = POLICIES.get(count);
        if (policy != null) return policy;
        String tcp = "tcp $HOME_NET any -> $EXTERNAL_NET any (flow:established,to_server; ";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            int kind = i % 20;
            String rule;
            if (kind < 14) {
                rule = "alert " + tcp + "content:\"|de ad be ef|\"; depth:4; content:\"payload-" + i
                        + "\"; distance:0; ";
            } else if (kind < 17) {
                rule = "drop " + tcp + "content:\"malware-" + i + "-sig\"; nocase; ";
            } else {
                rule = "alert " + tcp + "content:\"cmd=" + i + "&\"; nocase; pcre:\"/cmd=\\d+&exec/i\"; ";
            }
            text.append(rule)
                    .append("msg:\"rule ")
                    .append(i)
                    .append("\"; sid:")
                    .append(i + 1)
                    .append(";)\n");
        }
        Path file = Files.createTempDirectory("rules").resolve("stream" + count + ".rules");
        Files.writeString(file, text.toString());
        policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
        POLICIES.put(count, policy);
        return policy;
    }
}
