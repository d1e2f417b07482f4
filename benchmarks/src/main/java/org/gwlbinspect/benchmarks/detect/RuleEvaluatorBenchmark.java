package org.gwlbinspect.benchmarks.detect;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.benchmarks.policy.BenchmarkPolicies;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost of the stateful rule evaluator ({@code detect.engine.RuleEvaluator}) per packet and per flow for N = 10,
 * 1 000, 10 000 rules, with its Hyperscan prefilter ({@code prefilter=true}) and without it ({@code prefilter=false},
 * every rule tried: the baseline of the same run). None of the packets matches a rule (the common case).
 *
 * <ul>
 *   <li>{@code clientHello}: a TLS ClientHello (tls.sni set) against a TLS SNI deny list of N domains, half exact,
 *       half {@code .domain} (dotprefix), as NFW generates it.
 *   <li>{@code clientHelloSameParent}: the same with the name {@code www.example.com}, in the parent domain of every
 *       listed name but listed itself by none (the listed names are 19 to 23 bytes long).
 *   <li>{@code httpRequest}: an HTTP GET (http.host, http.uri, http.method, http.user_agent and payload set) against
 *       a mixed IPS set of N rules: http.host, http.uri + method, payload contents with depth/distance, content +
 *       pcre, and 1 in 20 IP-only rules.
 *   <li>{@code httpRequestSharedSuffix}: the same GET with the host {@code host-5.example.net} (as {@code
 *       SyntheticCapture}'s cleartext flows send it): it holds {@code .example}, the last 8 bytes of every http.host
 *       content of the set ({@code bad-N.example}, 13 to 16 bytes, {@code endswith}), the case where Hyperscan's
 *       literal matcher compared every one of them.
 *   <li>{@code dataPacket}: an established 1 400-byte data packet, payload only, against the same IPS set.
 *   <li>{@code tlsFlow}: every packet of a short TLS flow (handshake, ClientHello, ServerHello, 5 data packets) in
 *       sequence with one {@link FlowRuleState}, against the SNI deny list: the cost per flow.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class RuleEvaluatorBenchmark {
    private static final int TCP = 6;
    private static final int CLIENT = 0x0A000001; // 10.0.0.1, in the default HOME_NET
    private static final int SERVER = 0x5DB8D822; // 93.184.216.34
    /** Compiled policies by kind and size, shared by the prefilter on/off trials of one fork. */
    private static final Map<String, CompiledPolicy> POLICIES = new HashMap<>();

    @Param({"10", "1000", "10000"})
    public int rules;

    @Param({"true", "false"})
    public boolean prefilter;

    private RuleEvaluator evaluator;
    private final FlowRuleState state = new FlowRuleState();
    private final AlertSink alerts = (index, action, verdict) -> {};
    private final PacketContext hello = new PacketContext();
    private final PacketContext helloSameParent = new PacketContext();
    private final PacketContext request = new PacketContext();
    private final PacketContext requestSharedSuffix = new PacketContext();
    private final PacketContext data = new PacketContext();
    private PacketContext[] flow;

    @Setup
    public void setUp(BenchmarkParams params) throws Exception {
        boolean ips = params.getBenchmark().contains("httpRequest")
                || params.getBenchmark().endsWith("dataPacket");
        CompiledPolicy policy = ips ? policy("ips", rules) : policy("sni", rules);
        evaluator = new RuleEvaluator(policy, prefilter);

        byte[] sni = ascii("www.allowed-example.org");
        clientToServer(hello, 0x18, true).appProtocol = RuleProtocol.TLS;
        hello.tlsClientHello = true;
        hello.setBuffer(Buffer.TLS_SNI, sni, 0, sni.length);
        byte[] parent = ascii("www.example.com");
        clientToServer(helloSameParent, 0x18, true).appProtocol = RuleProtocol.TLS;
        helloSameParent.tlsClientHello = true;
        helloSameParent.setBuffer(Buffer.TLS_SNI, parent, 0, parent.length);

        String get = "GET /index.php?id=12&cat=shoes HTTP/1.1\r\nHost: www.shop-example.com\r\n"
                + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
                + "Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.5\r\n"
                + "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n";
        clientToServer(request, 0x18, true).appProtocol = RuleProtocol.HTTP;
        request.dstPort = 80;
        set(request, Buffer.PAYLOAD, ascii(get));
        set(request, Buffer.HTTP_HOST, ascii("www.shop-example.com"));
        set(request, Buffer.HTTP_URI, ascii("/index.php?id=12&cat=shoes"));
        set(request, Buffer.HTTP_METHOD, ascii("GET"));
        set(request, Buffer.HTTP_USER_AGENT, ascii("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101"));
        clientToServer(requestSharedSuffix, 0x18, true).appProtocol = RuleProtocol.HTTP;
        requestSharedSuffix.dstPort = 80;
        set(requestSharedSuffix, Buffer.PAYLOAD, ascii(get.replace("www.shop-example.com", "host-5.example.net")));
        set(requestSharedSuffix, Buffer.HTTP_HOST, ascii("host-5.example.net"));
        set(requestSharedSuffix, Buffer.HTTP_URI, ascii("/index.php?id=12&cat=shoes"));
        set(requestSharedSuffix, Buffer.HTTP_METHOD, ascii("GET"));
        set(
                requestSharedSuffix,
                Buffer.HTTP_USER_AGENT,
                ascii("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101"));

        clientToServer(data, 0x18, true).appProtocol = RuleProtocol.TLS;
        set(data, Buffer.PAYLOAD, randomBytes(1_400, 1));

        flow = tlsFlow();
    }

    @TearDown
    public void tearDown() {
        evaluator.close();
    }

    @Benchmark
    public Decision clientHello() {
        state.clear();
        return evaluator.evaluate(hello, state, alerts);
    }

    @Benchmark
    public Decision clientHelloSameParent() {
        state.clear();
        return evaluator.evaluate(helloSameParent, state, alerts);
    }

    @Benchmark
    public Decision httpRequest() {
        state.clear();
        return evaluator.evaluate(request, state, alerts);
    }

    @Benchmark
    public Decision httpRequestSharedSuffix() {
        state.clear();
        return evaluator.evaluate(requestSharedSuffix, state, alerts);
    }

    @Benchmark
    public Decision dataPacket() {
        state.clear();
        return evaluator.evaluate(data, state, alerts);
    }

    @Benchmark
    public void tlsFlow(Blackhole bh) {
        state.clear();
        for (PacketContext packet : flow) bh.consume(evaluator.evaluate(packet, state, alerts));
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static synchronized CompiledPolicy policy(String kind, int count) throws Exception {
        String key = kind + count;
        CompiledPolicy policy = POLICIES.get(key);
        if (policy == null) {
            String text = kind.equals("ips") ? BenchmarkPolicies.ipsRules(count) : BenchmarkPolicies.sniDenyList(count);
            Path file = Files.createTempDirectory("rules").resolve(key + ".rules");
            Files.writeString(file, text);
            policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
            POLICIES.put(key, policy);
        }
        return policy;
    }

    /** SYN, SYN-ACK, ACK, ClientHello, ServerHello, then 3 client and 2 server data packets. */
    private static PacketContext[] tlsFlow() {
        List<PacketContext> packets = new ArrayList<>();
        PacketContext syn = clientToServer(new PacketContext(), 0x02, false);
        syn.firstPacketInDirection = true;
        packets.add(syn);
        PacketContext synAck = serverToClient(new PacketContext(), 0x12, false);
        synAck.firstPacketInDirection = true;
        packets.add(synAck);
        packets.add(clientToServer(new PacketContext(), 0x10, true));
        PacketContext hello = clientToServer(new PacketContext(), 0x18, true);
        hello.appProtocol = RuleProtocol.TLS;
        hello.tlsClientHello = true;
        hello.sslVersion = 0x0301;
        set(hello, Buffer.TLS_SNI, ascii("www.allowed-example.org"));
        set(hello, Buffer.PAYLOAD, randomBytes(517, 2));
        packets.add(hello);
        PacketContext serverHello = serverToClient(new PacketContext(), 0x18, true);
        serverHello.appProtocol = RuleProtocol.TLS;
        set(serverHello, Buffer.PAYLOAD, randomBytes(1_400, 3));
        packets.add(serverHello);
        for (int k = 0; k < 5; k++) {
            boolean client = k < 3;
            PacketContext p = client
                    ? clientToServer(new PacketContext(), 0x18, true)
                    : serverToClient(new PacketContext(), 0x18, true);
            p.appProtocol = RuleProtocol.TLS;
            set(p, Buffer.PAYLOAD, randomBytes(client ? 300 : 1_400, 10 + k));
            packets.add(p);
        }
        return packets.toArray(PacketContext[]::new);
    }

    private static PacketContext clientToServer(PacketContext ctx, int tcpFlags, boolean established) {
        ctx.ipv4(CLIENT, 40000, SERVER, 443, TCP);
        ctx.toServer = true;
        ctx.tcpFlags = tcpFlags;
        ctx.established = established;
        ctx.firstPacketInDirection = false;
        return ctx;
    }

    private static PacketContext serverToClient(PacketContext ctx, int tcpFlags, boolean established) {
        ctx.ipv4(SERVER, 443, CLIENT, 40000, TCP);
        ctx.toServer = false;
        ctx.tcpFlags = tcpFlags;
        ctx.established = established;
        ctx.firstPacketInDirection = false;
        return ctx;
    }

    private static void set(PacketContext ctx, Buffer buffer, byte[] bytes) {
        ctx.setBuffer(buffer, bytes, 0, bytes.length);
        if (buffer == Buffer.PAYLOAD) ctx.payloadLength = bytes.length;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
