package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.InspectionCounters;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.detect.PolicyInspector;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.FragmentTracker;
import org.gwlbinspect.l7.TlsMessages;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.stream.StreamConfig;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The stateful stage allocates nothing per packet once warm (DEVELOPERS: measure it, don't assume it): whole flows
 * (handshake, a ClientHello reassembled and parsed, the allow-list decision, fast-path data, a DNS query, a denied
 * hello with its default-action alert) through decode, flow table and inspection, counted with the JVM's
 * per-thread allocation counter.
 */
class StatefulAllocationTest {
    private static final long CLIENT = ipv4(10, 100, 1, 5);
    private static final long SERVER = ipv4(52, 1, 2, 3);
    private static final int FLOWS = 1500;

    private final GeneveHeader geneve = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();

    @Test
    void wholeFlowsAllocateNothingOnceWarm() throws Exception {
        wholeFlowsAllocateNothingOnceWarm(false);
    }

    /**
     * The same from Netty direct buffers that do not copy through {@code sun.misc.Unsafe}, the kind the pooled
     * allocator hands out when Netty may not use it (its default on JDK 25, and the systemd unit's; the tests' JVM
     * allows it): their {@code getBytes} copies through a new {@code ByteBuffer} per call (23 B/packet here with it).
     */
    @Test
    void wholeFlowsInDirectBuffersWithoutAMemoryAddressAllocateNothingOnceWarm() throws Exception {
        wholeFlowsAllocateNothingOnceWarm(true);
    }

    private void wholeFlowsAllocateNothingOnceWarm(boolean direct) throws Exception {
        FlowTableConfig config = new FlowTableConfig(
                // Room for every flow of both rounds (4 per index): no eviction in the measured loop.
                16 * FLOWS, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        StatefulFlows flows = new StatefulFlows(
                config.capacity(),
                new StatefulConfig(new StreamConfig(64, 2048, 256, 1 << 20, 64 * 1024, 32, 128 * 1024, 16 * 1024), 8));
        FlowTable table = new FlowTable(config, flows);
        FlowResolver resolver = new FlowResolver(table, new FragmentTracker(table, 64, Duration.ofSeconds(30)));
        Path bundle = Path.of(
                getClass().getResource("/policy/egress-strict-allowlist.json").toURI());
        ActivePolicy active = new ActivePolicy(new PolicyCompiler(PolicyLoadOptions.defaults()).compile(bundle));
        StatefulCounters counters = new StatefulCounters();
        StatefulInspector stateful = new StatefulInspector(flows, counters);
        PolicyInspector inspector = new InspectionCounters().newInspector(active, stateful);

        byte[] allowed = TlsMessages.javaClientHello("github.com", "TLSv1.3", "TLSv1.2");
        byte[] denied = TlsMessages.javaClientHello("example.org", "TLSv1.3", "TLSv1.2");
        List<ByteBuf> warm = inBuffers(flows(0, allowed, denied), direct);
        List<ByteBuf> measured = inBuffers(flows(FLOWS, allowed, denied), direct);

        long now = 1_000_000_000L;
        for (ByteBuf d : warm) run(d, resolver, inspector, table, now += 1000);
        long alertsBefore = counters.alerts();
        int passed = 0;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (ByteBuf d : measured) passed += run(d, resolver, inspector, table, now += 1000) == Verdict.PASS ? 1 : 0;
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        // The allowed flow's 11 packets pass. Of the denied flow's, aws:drop_established drops the client's established
        // packets (the hello, its retransmission, FIN, last ACK), each with its aws:alert_established record.
        assertThat(passed).isEqualTo(FLOWS * (11 + 7));
        assertThat(counters.alerts() - alertsBefore).isEqualTo(FLOWS * 4L);
        assertThat(allocated / (double) measured.size())
                .as("bytes allocated per packet over %d packets", measured.size())
                .isLessThan(1.0);
    }

    @Test
    void aLongFlowMatchedOnItsReassembledStreamAllocatesNothingOnceWarm() throws Exception {
        aLongFlowMatchedOnItsReassembledStreamAllocatesNothingOnceWarm(false);
    }

    /** The same from direct buffers that do not use Unsafe (see above): the payload and stream copies (64 B/packet). */
    @Test
    void aLongFlowInDirectBuffersWithoutAMemoryAddressAllocatesNothingOnceWarm() throws Exception {
        aLongFlowMatchedOnItsReassembledStreamAllocatesNothingOnceWarm(true);
    }

    private void aLongFlowMatchedOnItsReassembledStreamAllocatesNothingOnceWarm(boolean direct) throws Exception {
        // Stream payload rules (policy.md §3.3): every segment of both directions is reassembled, prefiltered in the
        // flow's Hyperscan streams and matched on lookback + segment.
        FlowTableConfig config =
                new FlowTableConfig(1024, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        StatefulFlows flows = new StatefulFlows(
                config.capacity(),
                new StatefulConfig(new StreamConfig(64, 2048, 256, 0, 64 * 1024, 32, 128 * 1024, 16 * 1024), 8));
        FlowTable table = new FlowTable(config, flows);
        FlowResolver resolver = new FlowResolver(table, new FragmentTracker(table, 64, Duration.ofSeconds(30)));
        CompiledPolicy policy = StatefulHarness.compile("payload.rules", """
                drop tcp any any -> any any (content:"BADSTUFF"; sid:1;)
                alert tcp any any -> any any (flow:to_server; content:"|de ad be ef|"; depth:4; content:"x"; sid:2;)
                alert tcp any any -> any any (content:"cmd="; pcre:"/cmd=\\d+&exec/"; sid:3;)
                alert tcp any any -> any any (flow:to_client; content:"SECRET"; nocase; sid:4;)
                """);
        StatefulCounters counters = new StatefulCounters();
        StatefulInspector stateful = new StatefulInspector(flows, counters);
        PolicyInspector inspector = new InspectionCounters().newInspector(new ActivePolicy(policy), stateful);

        int segments = 3000;
        int size = 1000;
        List<ByteBuf> packets = new ArrayList<>();
        packets.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(40000, 80, 1000, 0, 0x02, new byte[0]))));
        packets.add(gwlb(ipv4Packet(6, SERVER, CLIENT, tcp(80, 40000, 9000, 1001, 0x12, new byte[0]))));
        packets.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(40000, 80, 1001, 9001, 0x10, new byte[0]))));
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < segments; i++) {
            byte[] data = new byte[size];
            for (int k = 0; k < size; k++) data[k] = (byte) ('a' + random.nextInt(26)); // letters: no rule matches
            long offset = (long) (i / 2) * size; // each direction's segments follow each other
            if (i % 2 == 0) {
                packets.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(40000, 80, 1001 + offset, 9001, 0x18, data))));
            } else {
                packets.add(gwlb(ipv4Packet(6, SERVER, CLIENT, tcp(80, 40000, 9001 + offset, 1001, 0x18, data))));
            }
        }
        packets = inBuffers(packets, direct);
        int warm = 203;
        long now = 1_000_000_000L;
        for (int i = 0; i < warm; i++) run(packets.get(i), resolver, inspector, table, now += 1000);
        int passed = 0;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = warm; i < packets.size(); i++) {
            passed += run(packets.get(i), resolver, inspector, table, now += 1000) == Verdict.PASS ? 1 : 0;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(passed).isEqualTo(packets.size() - warm);
        assertThat(counters.alerts()).isZero();
        assertThat(flows.openHyperscanStreams()).isEqualTo(2); // the flow's two directions, matched to the end
        assertThat(allocated / (double) (packets.size() - warm))
                .as("bytes allocated per packet over %d packets", packets.size() - warm)
                .isLessThan(1.0);
        packets.forEach(ByteBuf::release);
    }

    @Test
    void tlsFlowsThatStopPayloadInspectionOnceEncryptedAllocateNothingOnceWarm() throws Exception {
        // Payload rules and stateful.encryptionHandling default: each flow's records are walked until the server's
        // first encrypted record, its stream state then goes back, and its later packets skip payload inspection.
        FlowTableConfig config = new FlowTableConfig(
                16 * FLOWS, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        StatefulFlows flows = new StatefulFlows(
                config.capacity(),
                new StatefulConfig(new StreamConfig(64, 2048, 256, 1 << 20, 64 * 1024, 32, 128 * 1024, 16 * 1024), 8));
        FlowTable table = new FlowTable(config, flows);
        FlowResolver resolver = new FlowResolver(table, new FragmentTracker(table, 64, Duration.ofSeconds(30)));
        CompiledPolicy policy = StatefulHarness.compile("payload.rules", """
                drop tcp any any -> any any (content:"BADSTUFF"; sid:1;)
                alert tls any any -> any any (tls.sni; content:".example.com"; endswith; flowbits:set,named; noalert; sid:2;)
                alert tcp any any -> any any (flowbits:isset,named; dsize:>400; flow:to_server; sid:3;)
                """);
        StatefulCounters counters = new StatefulCounters();
        StatefulInspector stateful = new StatefulInspector(flows, counters);
        PolicyInspector inspector = new InspectionCounters().newInspector(new ActivePolicy(policy), stateful);

        byte[] hello = StatefulHarness.clientHello("www.example.com");
        List<ByteBuf> warm = tlsFlows(0, hello);
        List<ByteBuf> measured = tlsFlows(FLOWS, hello);
        long now = 1_000_000_000L;
        for (ByteBuf d : warm) run(d, resolver, inspector, table, now += 1000);
        int passed = 0;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (ByteBuf d : measured) passed += run(d, resolver, inspector, table, now += 1000) == Verdict.PASS ? 1 : 0;
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(passed).isEqualTo(measured.size());
        assertThat(counters.encryptedFlows()).isEqualTo(2L * FLOWS);
        assertThat(counters.alerts()).isZero();
        assertThat(flows.openHyperscanStreams()).isZero();
        assertThat(allocated / (double) measured.size())
                .as("bytes allocated per packet over %d packets", measured.size())
                .isLessThan(1.0);
        warm.forEach(ByteBuf::release);
        measured.forEach(ByteBuf::release);
    }

    /** {@code FLOWS} TLS 1.3 conversations with encrypted records both ways, on ports from {@code first}. */
    private static List<ByteBuf> tlsFlows(int first, byte[] hello) {
        byte[] serverFlight = EncryptedTlsInspectionTest.concat(
                EncryptedTlsInspectionTest.serverHello(0x0304),
                EncryptedTlsInspectionTest.CHANGE_CIPHER_SPEC,
                EncryptedTlsInspectionTest.encrypted(600, null));
        byte[] clientFinished = EncryptedTlsInspectionTest.concat(
                EncryptedTlsInspectionTest.CHANGE_CIPHER_SPEC, EncryptedTlsInspectionTest.encrypted(500, null));
        byte[] data = EncryptedTlsInspectionTest.encrypted(800, null);
        List<ByteBuf> out = new ArrayList<>();
        for (int i = first; i < first + FLOWS; i++) {
            int port = 10_000 + i;
            long c = 1001 + hello.length;
            long s = 9001 + serverFlight.length;
            out.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(port, 443, 1000, 0, 0x02, new byte[0]))));
            out.add(gwlb(ipv4Packet(6, SERVER, CLIENT, tcp(443, port, 9000, 1001, 0x12, new byte[0]))));
            out.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(port, 443, 1001, 9001, 0x10, new byte[0]))));
            out.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(port, 443, 1001, 9001, 0x18, hello))));
            out.add(gwlb(ipv4Packet(6, SERVER, CLIENT, tcp(443, port, 9001, c, 0x18, serverFlight))));
            out.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(port, 443, c, s, 0x18, clientFinished))));
            c += clientFinished.length;
            for (int k = 0; k < 3; k++) {
                out.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(port, 443, c, s, 0x18, data))));
                c += data.length;
                out.add(gwlb(ipv4Packet(6, SERVER, CLIENT, tcp(443, port, s, c, 0x18, data))));
                s += data.length;
            }
            out.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(port, 443, c, s, 0x11, new byte[0]))));
            out.add(gwlb(ipv4Packet(6, SERVER, CLIENT, tcp(443, port, s, c + 1, 0x11, new byte[0]))));
            out.add(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(port, 443, c + 1, s + 1, 0x10, new byte[0]))));
        }
        return out;
    }

    @Test
    void destinationBindingReadsAnswersAndChecksFlowsWithoutAllocating() throws Exception {
        // docs/destination-binding.md: per flow a DNS query and its answer (bound), a TLS flow to the address given
        // (bound, passes) and one to another address (mismatch: alert and drop in enforce), an SSH SYN matched by
        // resolved.domain.
        FlowTableConfig config = new FlowTableConfig(
                16 * FLOWS, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        StatefulFlows flows = new StatefulFlows(
                config.capacity(),
                // The SSH flows keep the stream state their SYN took (nothing ends them here): room for all.
                new StatefulConfig(
                        new StreamConfig(4 * FLOWS, 2048, 256, 1 << 20, 64 * 1024, 32, 128 * 1024, 16 * 1024), 8),
                new DestinationBindingConfig(
                        org.gwlbinspect.detect.DestinationBindingMode.ENFORCE,
                        8 * FLOWS,
                        Duration.ofSeconds(30),
                        Duration.ofHours(1),
                        Duration.ZERO,
                        List.of()));
        FlowTable table = new FlowTable(config, flows);
        FlowResolver resolver = new FlowResolver(table, new FragmentTracker(table, 64, Duration.ofSeconds(30)));
        CompiledPolicy policy = StatefulHarness.compile("binding.rules", """
                pass tls $HOME_NET any -> any any (tls.sni; content:"allowed.example"; endswith; nocase; sid:1;)
                pass tcp $HOME_NET any -> any 22 (resolved.domain:".allowed.example"; flow:to_server; sid:2;)
                drop tcp $HOME_NET any -> any 22 (flow:to_server; sid:3;)
                """);
        StatefulCounters counters = new StatefulCounters();
        StatefulInspector stateful = new StatefulInspector(flows, counters);
        PolicyInspector inspector = new InspectionCounters().newInspector(new ActivePolicy(policy), stateful);

        byte[] hello = TlsMessages.javaClientHello("allowed.example", "TLSv1.3", "TLSv1.2");
        List<ByteBuf> warm = bindingFlows(0, hello);
        List<ByteBuf> measured = bindingFlows(FLOWS, hello);
        long now = 1_000_000_000L;
        for (ByteBuf d : warm) run(d, resolver, inspector, table, now += 1000);
        long alertsBefore = counters.alerts();
        int passed = 0;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (ByteBuf d : measured) passed += run(d, resolver, inspector, table, now += 1000) == Verdict.PASS ? 1 : 0;
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        // Per flow: query, answer, 4 packets of the bound TLS flow, 3 handshake packets of the other, the SSH SYN pass;
        // the mismatched hello is dropped with its alert.
        assertThat(passed)
                .as(() -> java.util.Arrays.stream(StatefulOutcome.values())
                                .map(o -> o + "=" + counters.packets(o))
                                .toList()
                        + " "
                        + java.util.Arrays.stream(BindingResult.values())
                                .map(o -> o + "=" + counters.bindingChecks(o))
                                .toList()
                        + " " + counters.dnsAnswers(DnsAnswerOutcome.UNMATCHED))
                .isEqualTo(FLOWS * 10);
        assertThat(counters.alerts() - alertsBefore).isEqualTo(FLOWS);
        assertThat(counters.dnsAnswers(DnsAnswerOutcome.ACCEPTED)).isEqualTo(2L * FLOWS);
        assertThat(allocated / (double) measured.size())
                .as("bytes allocated per packet over %d packets", measured.size())
                .isLessThan(1.0);
        warm.forEach(ByteBuf::release);
        measured.forEach(ByteBuf::release);
    }

    /** Per flow {@code i}: client 10.100.x.y resolves allowed.example to 52.1.x.y and connects there and elsewhere. */
    private static List<ByteBuf> bindingFlows(int first, byte[] hello) {
        List<ByteBuf> out = new ArrayList<>();
        long resolver = ipv4(10, 100, 0, 2);
        for (int i = first; i < first + FLOWS; i++) {
            long client = CLIENT + i;
            long server = SERVER + i;
            long other = ipv4(198, 51, 100, 7);
            int port = 10_000 + (i % 50_000);
            byte[] answer = concat(
                    new byte[] {0x12, 0x34, (byte) 0x81, (byte) 0x80, 0, 1, 0, 1, 0, 0, 0, 0},
                    new byte[] {
                        7, 'a', 'l', 'l', 'o', 'w', 'e', 'd', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1
                    },
                    new byte[] {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4},
                    new byte[] {(byte) (server >>> 24), (byte) (server >>> 16), (byte) (server >>> 8), (byte) server});
            byte[] query = java.util.Arrays.copyOf(answer, 12 + 21);
            query[2] = 0x01;
            query[3] = 0x00;
            query[7] = 0;
            out.add(gwlb(ipv4Packet(17, client, resolver, udp(port, 53, query))));
            out.add(gwlb(ipv4Packet(17, resolver, client, udp(53, port, answer))));
            for (long dst : new long[] {server, other}) {
                out.add(gwlb(ipv4Packet(6, client, dst, tcp(port, 443, 1000, 0, 0x02, new byte[0]))));
                out.add(gwlb(ipv4Packet(6, dst, client, tcp(443, port, 9000, 1001, 0x12, new byte[0]))));
                out.add(gwlb(ipv4Packet(6, client, dst, tcp(port, 443, 1001, 9001, 0x10, new byte[0]))));
                out.add(gwlb(ipv4Packet(6, client, dst, tcp(port, 443, 1001, 9001, 0x18, hello))));
            }
            out.add(gwlb(ipv4Packet(6, client, server, tcp(port, 22, 1000, 0, 0x02, new byte[0]))));
        }
        return out;
    }

    /** The datagrams as they are, or copied into Netty direct buffers that copy out without Unsafe. */
    private static List<ByteBuf> inBuffers(List<ByteBuf> datagrams, boolean direct) {
        if (!direct) return datagrams;
        List<ByteBuf> out = new ArrayList<>();
        for (ByteBuf d : datagrams) {
            ByteBuf copy =
                    new UnpooledDirectByteBuf(UnpooledByteBufAllocator.DEFAULT, d.readableBytes(), d.readableBytes());
            copy.writeBytes(d, d.readerIndex(), d.readableBytes());
            if (copy.hasMemoryAddress()) throw new AssertionError("a direct buffer using Unsafe: " + copy);
            d.release();
            out.add(copy);
        }
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private Verdict run(ByteBuf datagram, FlowResolver resolver, PolicyInspector inspector, FlowTable table, long now) {
        DecodeStatus status = TestPackets.decode(datagram, geneve, inner);
        if (status != DecodeStatus.OK) throw new AssertionError(status); // AssertJ would allocate in the loop
        int slot = resolver.resolve(
                geneve,
                inner,
                datagram,
                datagram.readerIndex(),
                datagram.readableBytes(),
                0x7F000002,
                50000,
                0x7F000001,
                now);
        if (slot < 0) throw new AssertionError("no flow for the packet: " + slot);
        return inspector.inspect(inner, datagram, table, slot, resolver.direction(), now);
    }

    /** {@code count} allowed TLS flows, denied TLS flows and DNS queries, on ports from {@code first}. */
    private static List<ByteBuf> flows(int first, byte[] allowed, byte[] denied) {
        List<ByteBuf> out = new ArrayList<>();
        for (int i = first; i < first + FLOWS; i++) {
            int port = 10_000 + i;
            for (byte[] hello : new byte[][] {allowed, denied}) {
                long client = hello == allowed ? CLIENT : CLIENT + 1;
                out.add(gwlb(ipv4Packet(6, client, SERVER, tcp(port, 443, 1000, 0, 0x02, new byte[0]))));
                out.add(gwlb(ipv4Packet(6, SERVER, client, tcp(443, port, 9000, 1001, 0x12, new byte[0]))));
                out.add(gwlb(ipv4Packet(6, client, SERVER, tcp(port, 443, 1001, 9001, 0x10, new byte[0]))));
                out.add(gwlb(ipv4Packet(6, client, SERVER, tcp(port, 443, 1001, 9001, 0x18, hello))));
                out.add(gwlb(ipv4Packet(6, client, SERVER, tcp(port, 443, 1001, 9001, 0x18, hello))));
                out.add(gwlb(ipv4Packet(6, SERVER, client, tcp(443, port, 9001, 1001, 0x18, new byte[200]))));
                out.add(gwlb(ipv4Packet(6, SERVER, client, tcp(443, port, 9201, 1001, 0x18, new byte[200]))));
                out.add(gwlb(ipv4Packet(6, client, SERVER, tcp(port, 443, 1001, 9401, 0x11, new byte[0]))));
                out.add(gwlb(ipv4Packet(6, SERVER, client, tcp(443, port, 9401, 1002, 0x11, new byte[0]))));
                out.add(gwlb(ipv4Packet(6, client, SERVER, tcp(port, 443, 1002, 9402, 0x10, new byte[0]))));
                out.add(gwlb(ipv4Packet(17, client, ipv4(10, 100, 0, 2), udp(port, 53, dnsQuery()))));
            }
        }
        return out;
    }

    private static byte[] dnsQuery() {
        return new byte[] {
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,
            'c', 'o', 'm', 0, 0, 1, 0, 1
        };
    }
}
