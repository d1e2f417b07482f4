package org.gwlbinspect.benchmarks.replay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.appliance.replay.CaptureFeed;
import org.gwlbinspect.appliance.replay.GwlbEncapsulator;
import org.gwlbinspect.appliance.replay.ReplayOptions;
import org.gwlbinspect.appliance.replay.ReplayPipeline;
import org.gwlbinspect.appliance.replay.SyntheticFlows;
import org.gwlbinspect.benchmarks.policy.BenchmarkPolicies;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.stateful.EncryptionHandling;
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
 * The whole per-packet pipeline: a GWLB GENEVE datagram in, GENEVE and inner decode, flow table, flow records,
 * stateless engine, stateful engine (stream, L7 parsers, rules), verdict out. It runs {@code replay.ReplayPipeline},
 * which wires the same stages as a worker's {@code GeneveReceiveHandler} in the same order; only the socket, the
 * source check and the return {@code sendmmsg} are missing (measured in docs/performance.md with gwlb-blast).
 *
 * <p>Traffic is {@link SyntheticFlows}' TLS conversations from 198.18.0.0/15 (the policies' {@code HOME_NET}), so
 * every rule is a candidate and none matches: every packet passes, as in the hairpin measurements. Datagrams sit in
 * pooled direct buffers, as the epoll receive path's do. It runs as the appliance runs, without {@code
 * --sun-misc-unsafe-memory-access=allow}: Netty's {@code getBytes} from these buffers then allocates a {@code
 * ByteBuffer} per call, which the engine avoids ({@code buffer.ByteBufs}; docs/performance.md).
 *
 * <ul>
 *   <li>{@code establishedPacket}: a 1 000-byte TLS data packet of one of 4 096 flows past their handshake and
 *       ClientHello (the flow's verdict is known), both directions in turn; each packet's sequence number continues
 *       its stream, so the stream engine sees new data every time. Cost per packet.
 *   <li>{@code newFlow}: the SYN of a flow never seen (new client port and address each time), in a full table that
 *       evicts its least recently seen flow. Cost of flow setup.
 *   <li>{@code wholeFlow}: the 10 packets of a new flow (SYN, SYN-ACK, ACK, ClientHello, 6 data packets). Cost per
 *       flow, divided by 10 (ns per packet of a short flow).
 * </ul>
 *
 * <p>{@code encryptionHandling}: {@code default} (the appliance's, Suricata 7's) stops payload inspection of a TLS flow
 * at its first encrypted record after the server's hello, which {@link SyntheticFlows}' first server data packet
 * completes, so the established packets are neither reassembled nor scanned; {@code full} inspects them as any
 * cleartext TCP flow's data: the reassembly, lookback and Hyperscan stream scan a non-TLS flow costs under payload
 * rules (docs/encrypted-tls.md).
 *
 * <p>Policies: none (pass-through), the 100-domain TLS_SNI + HTTP_HOST deny list (200 rules), and the mixed IPS set of 10,
 * 100, 1 000 and 10 000 rules ({@link BenchmarkPolicies}: the same mix of rule kinds at every size, payload rules
 * included, so the sizes differ in rule count only). The clock moves 1 µs of capture time per packet, so flow expiry
 * runs as the appliance's housekeeping would.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReplayPipelineBenchmark {
    private static final int FLOWS = 4096;
    private static final int DATA_PACKETS = 6;
    private static final int PAYLOAD_BYTES = 1000;
    private static final int WHOLE_FLOW_PACKETS = SyntheticFlows.SETUP_PACKETS + DATA_PACKETS;
    private static final int TABLE_CAPACITY = 1 << 16;
    // In the datagram: GWLB's 40-byte GENEVE header, then the inner IPv4 header (20) and TCP.
    private static final int SEQUENCE = NewFlowTemplate.INNER + 24;
    private static final int ACKNOWLEDGEMENT = NewFlowTemplate.INNER + 28;

    @Param({"none", "domains-100", "mixed-10", "mixed-100", "mixed-1000", "mixed-10000"})
    public String policy;

    @Param({"default", "full"})
    public String encryptionHandling;

    private CompiledPolicy compiled;
    private ReplayPipeline pipeline;
    private long nowNanos = 1_700_000_000_000_000_000L;

    // establishedPacket: one datagram per flow and direction, its sequence and acknowledgement numbers moved on.
    private final ByteBuf[] established = new ByteBuf[2 * FLOWS];
    private final int[] establishedPorts = new int[2 * FLOWS];
    private final long[] nextSequence = new long[2 * FLOWS];
    private int nextEstablished;

    // newFlow and wholeFlow: a template flow whose client address and port are rewritten for each new flow.
    private NewFlowTemplate template;
    private int newFlows;

    @Setup
    public void setUp() throws Exception {
        Quiet.logs();
        compiled = compile(policy);
        pipeline = new ReplayPipeline(
                compiled,
                new FlowTableConfig(
                        TABLE_CAPACITY,
                        FlowTableConfig.defaults().tcpIdleTimeout(),
                        FlowTableConfig.defaults().otherIdleTimeout(),
                        FlowTableConfig.defaults().fragmentTimeout()),
                StatefulConfig.defaults().withEncryptionHandling(EncryptionHandling.ofLabel(encryptionHandling)),
                null,
                ReplayOptions.DEFAULT_MAX_DATAGRAM_BYTES,
                Enforcement.ENFORCE);
        pipeline.tracksDecidingStage(true); // for the message below; the data path has no such bookkeeping
        SyntheticFlows flows = new SyntheticFlows(FLOWS, DATA_PACKETS, PAYLOAD_BYTES);
        GwlbEncapsulator encapsulator = new GwlbEncapsulator(ReplayOptions.DEFAULT_ENDPOINT_ID, 0);
        byte[] packet = new byte[flows.maxPacketBytes()];
        // Warm the 4 096 flows one after the other (a flow holds one of the 1 024 L7 parser sets from its ClientHello
        // until the server's hello): handshake, ClientHello, then the first data packet each way (kept).
        for (int f = 0; f < FLOWS; f++) {
            for (int k = 0; k < SyntheticFlows.SETUP_PACKETS + 2; k++) {
                ByteBuf datagram = PooledByteBufAllocator.DEFAULT.directBuffer(64 + packet.length);
                int length = flows.write(f, k, packet);
                encapsulator.encapsulate(packet, 0, length, 4, datagram);
                int port = encapsulator.sourcePort();
                Verdict verdict = inspect(datagram, port);
                if (verdict != Verdict.PASS)
                    throw new IllegalStateException("flow " + f + " packet " + k + ": " + verdict + " ("
                            + pipeline.dropReason() + ", " + pipeline.decidedBy() + "), expected pass");
                if (k >= SyntheticFlows.SETUP_PACKETS) {
                    int slot = 2 * f + (k - SyntheticFlows.SETUP_PACKETS);
                    established[slot] = datagram;
                    establishedPorts[slot] = port;
                    nextSequence[slot] = datagram.getUnsignedInt(SEQUENCE) + PAYLOAD_BYTES;
                } else {
                    datagram.release();
                }
            }
        }
        pipeline.tracksDecidingStage(false);
        // The template: flow FLOWS + 1 of a larger set, never sent during the warm-up.
        template = new NewFlowTemplate(
                new SyntheticFlows(FLOWS + 1, DATA_PACKETS, PAYLOAD_BYTES), FLOWS, WHOLE_FLOW_PACKETS);
    }

    @TearDown
    public void tearDown() {
        pipeline.close();
        for (ByteBuf b : established) b.release();
        template.close();
        if (compiled != null) {
            compiled.close();
        }
    }

    @Benchmark
    public Verdict establishedPacket() {
        int i = nextEstablished;
        nextEstablished = i + 1 == established.length ? 0 : i + 1;
        // Flow f's two directions are slots 2f and 2f + 1; walk all flows' client side, then all server sides.
        int slot = i < FLOWS ? 2 * i : 2 * (i - FLOWS) + 1;
        ByteBuf datagram = established[slot];
        long sequence = nextSequence[slot];
        nextSequence[slot] = sequence + PAYLOAD_BYTES;
        datagram.setInt(SEQUENCE, (int) sequence);
        datagram.setInt(ACKNOWLEDGEMENT, (int) nextSequence[slot ^ 1] - PAYLOAD_BYTES);
        return inspect(datagram, establishedPorts[slot]);
    }

    @Benchmark
    public Verdict newFlow() {
        return inspect(template.packet(0, newFlows++), template.gwlbPort(0));
    }

    @Benchmark
    @OperationsPerInvocation(WHOLE_FLOW_PACKETS)
    public Verdict wholeFlow() {
        int n = newFlows++;
        Verdict last = null;
        for (int k = 0; k < WHOLE_FLOW_PACKETS; k++) last = inspect(template.packet(k, n), template.gwlbPort(k));
        return last;
    }

    private Verdict inspect(ByteBuf datagram, int gwlbPort) {
        nowNanos += 1_000;
        return pipeline.inspect(
                datagram,
                0,
                datagram.writerIndex(),
                CaptureFeed.GWLB_ADDRESS,
                gwlbPort,
                CaptureFeed.APPLIANCE_ADDRESS,
                nowNanos);
    }

    static CompiledPolicy compile(String name) throws Exception {
        if (name.equals("none")) return null;
        String[] kindAndCount = name.split("-");
        int count = Integer.parseInt(kindAndCount[1]);
        String bundle = kindAndCount[0].equals("domains")
                ? BenchmarkPolicies.domainBundle(count)
                : BenchmarkPolicies.mixedBundle(count);
        Path file = Files.createTempDirectory("policy").resolve(name + ".json");
        Files.writeString(file, bundle);
        return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
    }
}
