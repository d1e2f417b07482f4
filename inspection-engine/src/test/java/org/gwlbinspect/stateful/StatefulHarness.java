package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.stream.StreamConfig;
import org.gwlbinspect.stream.StreamEventCounters;
import org.gwlbinspect.stream.TcpStreamPool;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.Verdict;

/**
 * A worker's stateful path for tests, as {@code StatefulInspectorTest} drives it: GENEVE-wrapped IPv4 packets decoded,
 * resolved in a {@link FlowTable} through a {@link FlowResolver}, then inspected by a {@link PolicyInspector} from
 * {@link InspectionCounters#newInspector(ActivePolicy, StatefulInspector)}. Client 10.100.1.5 (in the default
 * {@code HOME_NET}) talks to server 52.1.2.3.
 */
final class StatefulHarness {
    static final long CLIENT = ipv4(10, 100, 1, 5);
    static final long SERVER = ipv4(52, 1, 2, 3);
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int ACK = 0x10;
    static final int PSH_ACK = 0x18;

    /** Small pools (the defaults are ~100 MiB): 64 streams, 256 chunks of 2 KiB, 8 parser sets. */
    static final StatefulConfig SMALL =
            new StatefulConfig(new StreamConfig(64, 2048, 256, 1 << 20, 64 * 1024, 32, 128 * 1024, 16 * 1024), 8);

    final FlowTable table;
    final FlowResolver resolver;
    final StatefulFlows flows;
    final StatefulCounters counters = new StatefulCounters();
    final List<String> alerts = new ArrayList<>();
    private final StatefulConfig config;
    private final GeneveHeader geneve = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();
    private PolicyInspector inspector;
    long now = 1_000_000_000L;

    StatefulHarness(StatefulConfig config) {
        this(config, DestinationBindingConfig.disabled());
    }

    StatefulHarness(StatefulConfig config, DestinationBindingConfig binding) {
        this.config = config;
        FlowTableConfig flowConfig =
                new FlowTableConfig(1024, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        flows = new StatefulFlows(flowConfig.capacity(), config, binding);
        table = new FlowTable(flowConfig, flows);
        resolver = new FlowResolver(table, new FragmentTracker(table, 64, Duration.ofSeconds(30)));
    }

    /** A test resource's text, e.g. {@code /policy/egress-strict-allowlist.json}. */
    static String resource(String path) {
        try (var in = StatefulHarness.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalArgumentException("no resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compiles a policy file (bundle, {@code *.rules} or {@code NAME.allowlist.txt}) written from {@code text}. */
    static CompiledPolicy compile(String fileName, String text) {
        try {
            Path dir = Files.createTempDirectory("policy");
            Path file = Files.writeString(dir.resolve(fileName), text);
            try {
                return new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
            } finally {
                Files.delete(file);
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (PolicyException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A worker's inspector for {@code policy}; its alerts are recorded as {@code sid:VERDICT} in {@link #alerts}. */
    PolicyInspector inspectorFor(CompiledPolicy policy) {
        StatefulInspector stateful = new StatefulInspector(flows, counters);
        stateful.alertSink((index, action, verdict) -> alerts.add(
                (index < 0 ? -index : policy.rules().get(index).signature().sid()) + ":" + verdict));
        return new InspectionCounters().newInspector(new ActivePolicy(policy), stateful);
    }

    StatefulHarness use(CompiledPolicy policy) {
        inspector = inspectorFor(policy);
        return this;
    }

    StatefulHarness use(PolicyInspector worker) {
        inspector = worker;
        return this;
    }

    /** Sends one inner IP packet through the worker's path, 1 ms after the previous one. */
    /** The inspector's reason for the last packet it did not pass. */
    DropReason dropReason() {
        return inspector.dropReason();
    }

    Verdict send(byte[] packet) {
        Verdict verdict = sendOrSkip(packet);
        if (verdict == null) throw new IllegalStateException("the packet does not decode or has no flow");
        return verdict;
    }

    /**
     * As {@link #send}, but returns null when the packet does not decode (a first fragment too short for its TCP
     * header) or the flow stage has no flow for it (a later fragment whose first fragment was not seen, a full table):
     * a worker drops it, with that reason, before inspection.
     */
    Verdict sendOrSkip(byte[] packet) {
        ByteBuf datagram = gwlb(packet);
        try {
            if (TestPackets.decode(datagram, geneve, inner) != DecodeStatus.OK) return null;
            now += 1_000_000;
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
            if (slot < 0) return null;
            return inspector.inspect(inner, datagram, table, slot, resolver.direction(), now);
        } finally {
            datagram.release();
        }
    }

    Verdict toServer(int clientPort, int serverPort, long seq, long ack, int flags, byte[] payload) {
        return send(ipv4Packet(6, CLIENT, SERVER, tcp(clientPort, serverPort, seq, ack, flags, payload)));
    }

    Verdict toClient(int clientPort, int serverPort, long seq, long ack, int flags, byte[] payload) {
        return send(ipv4Packet(6, SERVER, CLIENT, tcp(serverPort, clientPort, seq, ack, flags, payload)));
    }

    Verdict udpToServer(int clientPort, int serverPort, byte[] payload) {
        return send(ipv4Packet(17, CLIENT, SERVER, udp(clientPort, serverPort, payload)));
    }

    Verdict udpToClient(int clientPort, int serverPort, byte[] payload) {
        return send(ipv4Packet(17, SERVER, CLIENT, udp(serverPort, clientPort, payload)));
    }

    /**
     * A TLS record holding a ClientHello as a TLS 1.3 client sends it (suites, SNI, groups, point formats, ALPN h2 and
     * http/1.1, supported_versions 1.3 and 1.2, an X25519 key share), with fixed random and key bytes so that it is
     * the same in every run. {@code sni} goes into the server_name extension byte for byte (ISO-8859-1); null leaves
     * the extension out.
     */
    static byte[] clientHello(String sni) {
        ByteArrayOutputStream extensions = new ByteArrayOutputStream();
        if (sni != null) {
            byte[] name = sni.getBytes(StandardCharsets.ISO_8859_1);
            extension(extensions, 0, concat(u16(name.length + 3), new byte[] {0}, u16(name.length), name));
        }
        extension(extensions, 10, concat(u16(4), u16(0x001d), u16(0x0017))); // supported_groups
        extension(extensions, 11, new byte[] {1, 0}); // ec_point_formats: uncompressed
        byte[] alpn = concat(new byte[] {2, 'h', '2'}, new byte[] {8}, "http/1.1".getBytes(StandardCharsets.US_ASCII));
        extension(extensions, 16, concat(u16(alpn.length), alpn));
        extension(extensions, 43, new byte[] {4, 3, 4, 3, 3}); // supported_versions: TLS 1.3, 1.2
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 0x42);
        extension(extensions, 51, concat(u16(36), u16(0x001d), u16(32), key)); // key_share: X25519
        byte[] random = new byte[32];
        Arrays.fill(random, (byte) 0x11);
        byte[] sessionId = new byte[32];
        Arrays.fill(sessionId, (byte) 0x22);
        byte[] suites = concat(u16(0x1301), u16(0x1302), u16(0x1303), u16(0xc02f), u16(0xc030));
        byte[] body = concat(
                u16(0x0303),
                random,
                new byte[] {32},
                sessionId,
                u16(suites.length),
                suites,
                new byte[] {1, 0},
                u16(extensions.size()),
                extensions.toByteArray());
        byte[] handshake = concat(new byte[] {1, 0}, u16(body.length), body);
        return concat(new byte[] {22, 3, 1}, u16(handshake.length), handshake);
    }

    /** A DNS query (RD set) for {@code name}, type A, class IN, as one UDP payload. */
    static byte[] dnsQuery(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return out.toByteArray();
    }

    /** A DNS message behind its RFC 1035 §4.2.2 length prefix, as sent over TCP. */
    static byte[] dnsOverTcp(byte[] message) {
        return concat(u16(message.length), message);
    }

    private static void extension(ByteArrayOutputStream out, int type, byte[] data) {
        out.writeBytes(u16(type));
        out.writeBytes(u16(data.length));
        out.writeBytes(data);
    }

    private static byte[] u16(int value) {
        return new byte[] {(byte) (value >> 8), (byte) value};
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) out.writeBytes(part);
        return out.toByteArray();
    }

    /** Ends every flow, as the housekeeping thread does once they are idle, and returns how many ended. */
    int expireAll() {
        now += Duration.ofHours(1).toNanos();
        return table.expireIdle(now, table.indexSize());
    }

    /** Ends every flow, then asserts each pooled state a flow can hold went back: streams, parsers, chunks, Hyperscan. */
    void assertEveryStateReturnsWhenTheFlowsEnd() {
        expireAll();
        assertThat(streamsInUse()).isZero();
        assertThat(parserSetsInUse()).isZero();
        assertThat(chunksInUse()).isZero();
        assertThat(flows.openHyperscanStreams()).isZero();
    }

    /** Parser sets a flow holds now; 0 once every flow ended. */
    int parserSetsInUse() {
        return config.parserSets() - flows.freeParserSets();
    }

    /** Reassembly chunks a flow holds now; 0 once every flow ended. */
    int chunksInUse() {
        return flows.streams().chunkPool().chunkCount()
                - flows.streams().chunkPool().available();
    }

    /** Stream states a flow holds now, found by taking every free one (then giving them back); 0 once all ended. */
    int streamsInUse() {
        TcpStreamPool pool = flows.streams();
        StreamEventCounters scratch = new StreamEventCounters();
        int[] taken = new int[pool.capacity()];
        int free = 0;
        while (free < taken.length && (taken[free] = pool.acquire(scratch)) != TcpStreamPool.NO_STREAM) free++;
        for (int i = 0; i < free; i++) pool.release(taken[i]);
        return pool.capacity() - free;
    }
}
