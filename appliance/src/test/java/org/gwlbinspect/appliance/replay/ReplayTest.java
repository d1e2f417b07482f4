package org.gwlbinspect.appliance.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.l7.TlsMessages;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Replays the captures of {@code src/test/resources/pcap/} (made with curl, openssl s_client and dig by
 * {@code make-pcaps.sh}) against the example policies and checks every verdict against {@code expected-verdicts.tsv},
 * the alert sids of the EVE alert log and the netflow records; then the properties of the replay itself:
 * deterministic output, the allowed-packets pcap, captures that break off, frames that carry no IP packet and frames
 * that are GENEVE already.
 */
class ReplayTest {
    static final Path PCAPS = Path.of("src", "test", "resources", "pcap");
    static final Path POLICIES = Path.of("..", "examples", "policies");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream NO_OUTPUT = new PrintStream(PrintStream.nullOutputStream());

    private CompiledPolicy policy;

    @AfterEach
    void closePolicy() {
        if (policy != null) policy.patterns().close();
    }

    private ReplayOptions options(String capture, String policyFile) throws Exception {
        ReplayOptions options = ReplayOptions.of(PCAPS.resolve(capture));
        if (policyFile == null) return options;
        policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(POLICIES.resolve(policyFile));
        return options.withPolicy(policy);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({
        "http.pcap, egress-strict-allowlist.json, 4",
        "tls.pcapng, egress-strict-allowlist.json, 6",
        "dns.pcap, egress-strict-allowlist.json, 4",
        "http.pcap, signatures.rules, 4",
        "tls.pcapng, signatures.rules, 6"
    })
    void replaysARealCaptureWithItsExpectedVerdicts(
            String capture, String policyFile, int netflowRecords, @TempDir Path logs) throws Exception {
        List<String> expected = expectedVerdicts(capture, policyFile);

        ReplaySummary summary = Replay.run(options(capture, policyFile).withOutputs(logs, null, null), NO_OUTPUT);

        List<String> actual = new ArrayList<>();
        List<Long> verdictSids = new ArrayList<>();
        for (JsonNode v : jsonLines(logs.resolve("verdicts.json"))) {
            List<Long> sids = new ArrayList<>();
            v.path("alert_sids").forEach(s -> sids.add(s.asLong()));
            verdictSids.addAll(sids);
            actual.add(v.get("packet").asInt() + " " + v.get("verdict").asText() + " " + sidText(sids));
        }
        assertThat(actual).containsExactlyElementsOf(expected);
        List<Long> loggedSids = jsonLines(logs.resolve("alert.json")).stream()
                .map(a -> a.at("/event/alert/signature_id").asLong())
                .toList();
        assertThat(loggedSids).containsExactlyElementsOf(verdictSids);
        assertThat(jsonLines(logs.resolve("flow.json"))).hasSize(netflowRecords);
        assertThat(summary.netflowRecords()).isEqualTo(netflowRecords);
        assertThat(summary.alerts()).isEqualTo(verdictSids.size());
        assertThat(summary.frames()).isEqualTo(expected.size());
        assertThat(summary.passed() + summary.droppedTotal()).isEqualTo(expected.size());
    }

    @Test
    void sameCaptureAndPolicyGiveTheSameOutputBytes(@TempDir Path dir) throws Exception {
        ReplayOptions options = options("tls.pcapng", "egress-strict-allowlist.json");
        Replay.run(options.withOutputs(dir.resolve("a"), null, dir.resolve("a.pcap")), NO_OUTPUT);
        Replay.run(options.withOutputs(dir.resolve("b"), null, dir.resolve("b.pcap")), NO_OUTPUT);

        for (String file : List.of("alert.json", "flow.json", "verdicts.json")) {
            assertThat(dir.resolve("b").resolve(file))
                    .hasSameBinaryContentAs(dir.resolve("a").resolve(file));
        }
        assertThat(dir.resolve("b.pcap")).hasSameBinaryContentAs(dir.resolve("a.pcap"));
        assertThat(Files.size(dir.resolve("a").resolve("alert.json"))).isPositive();
    }

    @Test
    void writesThePassedFramesUnchangedToAPcap(@TempDir Path dir) throws Exception {
        Path allowed = dir.resolve("allowed.pcap");
        ReplaySummary summary = Replay.run(
                options("http.pcap", "egress-strict-allowlist.json").withOutputs(null, null, allowed), NO_OUTPUT);

        List<byte[]> passed = new ArrayList<>();
        List<String> verdicts = expectedVerdicts("http.pcap", "egress-strict-allowlist.json");
        List<byte[]> original = frames(PCAPS.resolve("http.pcap"));
        for (int i = 0; i < verdicts.size(); i++) if (verdicts.get(i).contains(" pass ")) passed.add(original.get(i));
        List<byte[]> written = frames(allowed);
        assertThat(written).hasSize(passed.size()).hasSize((int) summary.passed());
        for (int i = 0; i < written.size(); i++) assertThat(written.get(i)).isEqualTo(passed.get(i));
    }

    @Test
    void namesThePacketWhereATruncatedCaptureBreaksOff(@TempDir Path dir) throws Exception {
        byte[] pcap = Files.readAllBytes(PCAPS.resolve("http.pcap"));
        // Cut the file 10 bytes into packet 5's data, as a capture copied while tcpdump was still writing.
        int cut = (int) PcapFiles.recordOffset(pcap, 5) + 16 + 10;
        Path truncated = Files.write(dir.resolve("truncated.pcap"), Arrays.copyOf(pcap, cut));

        assertThatThrownBy(() ->
                        Replay.run(ReplayOptions.of(truncated).withOutputs(dir.resolve("logs"), null, null), NO_OUTPUT))
                .isInstanceOf(CaptureException.class)
                .hasMessageContaining("truncated.pcap: packet 5: truncated dump file")
                .hasMessageContaining("(the 4 packets before it were read)")
                .satisfies(e -> assertThat(((CaptureException) e).packetIndex()).isEqualTo(5));
        // What was read before the break was replayed and logged: 4 verdicts, and the flow's two netflow records.
        assertThat(jsonLines(dir.resolve("logs").resolve("verdicts.json"))).hasSize(4);
        assertThat(jsonLines(dir.resolve("logs").resolve("flow.json"))).hasSize(2);
    }

    @Test
    void namesThePacketWhoseRecordHeaderIsBogus(@TempDir Path dir) throws Exception {
        byte[] pcap = Files.readAllBytes(PCAPS.resolve("http.pcap"));
        int record = (int) PcapFiles.recordOffset(pcap, 3);
        ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN).putInt(record + 8, 0x7FFF_FFFF); // captured length
        Path corrupt = Files.write(dir.resolve("corrupt.pcap"), pcap);

        assertThatThrownBy(() -> Replay.run(ReplayOptions.of(corrupt), NO_OUTPUT))
                .isInstanceOf(CaptureException.class)
                .hasMessageContaining("corrupt.pcap: packet 3: ")
                .hasMessageContaining("2147483647")
                .satisfies(e -> assertThat(((CaptureException) e).packetIndex()).isEqualTo(3));
    }

    @Test
    void refusesAFileThatIsNotACapture(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a capture\n".repeat(10));

        assertThatThrownBy(() -> Replay.run(ReplayOptions.of(text), NO_OUTPUT))
                .isInstanceOf(CaptureException.class)
                .hasMessageStartingWith(text + ": cannot read the capture: ")
                .satisfies(e -> assertThat(((CaptureException) e).packetIndex()).isZero());
    }

    @Test
    void skipsFramesWithoutAnIpPacketAndFramesCutBySnapshotLength(@TempDir Path dir) throws Exception {
        byte[] syn = ipv4Packet(6, ipv4(10, 1, 0, 1), ipv4(10, 2, 0, 2), tcp(40000, 80, 1, 0, 0x02, new byte[0]));
        byte[] arp = PcapFiles.ethernet(0x0806, new byte[28]);
        Path capture = new PcapFiles(LinkFrame.DLT_EN10MB)
                .add(1_700_000_000_000_000L, arp)
                .add(new PcapFiles.Frame(
                        1_700_000_000_000_100L, Arrays.copyOf(PcapFiles.ethernet(0x0800, syn), 30), 54))
                .add(1_700_000_000_000_200L, PcapFiles.ethernet(0x0800, syn))
                .write(dir.resolve("mixed.pcap"));

        ReplaySummary summary = Replay.run(
                ReplayOptions.of(capture)
                        .withOutputs(null, dir.resolve("v.json").toString(), null),
                NO_OUTPUT);

        assertThat(summary.skipped()).isEqualTo(Map.of("not_ip", 1L, "frame_truncated", 1L));
        assertThat(summary.passed()).isEqualTo(1);
        List<JsonNode> verdicts = jsonLines(dir.resolve("v.json"));
        assertThat(verdicts.get(0).toString())
                .isEqualTo("{\"packet\":1,\"timestamp\":\"2023-11-14T22:13:20.000000+0000\",\"verdict\":\"skipped\","
                        + "\"reason\":\"not_ip\"}");
        assertThat(verdicts.get(2).toString())
                .isEqualTo("{\"packet\":3,\"timestamp\":\"2023-11-14T22:13:20.000200+0000\",\"src_ip\":\"10.1.0.1\","
                        + "\"src_port\":40000,\"dest_ip\":\"10.2.0.2\",\"dest_port\":80,\"proto\":\"TCP\","
                        + "\"verdict\":\"pass\",\"decided_by\":\"no_policy\"}");
    }

    @Test
    void replaysRawIpAndCookedCapturesAsEthernetOnes(@TempDir Path dir) throws Exception {
        byte[] query = ipv4Packet(17, ipv4(10, 1, 0, 1), ipv4(10, 2, 0, 2), udp(40001, 53, new byte[12]));
        byte[] sll = new byte[16 + query.length];
        sll[14] = 0x08; // protocol 0x0800
        System.arraycopy(query, 0, sll, 16, query.length);
        Path raw = new PcapFiles(LinkFrame.LINKTYPE_RAW)
                .add(1_700_000_000_000_000L, query)
                .write(dir.resolve("r"));
        Path cooked = new PcapFiles(LinkFrame.DLT_LINUX_SLL)
                .add(1_700_000_000_000_000L, sll)
                .write(dir.resolve("c"));

        for (Path capture : List.of(raw, cooked)) {
            ReplaySummary summary = Replay.run(ReplayOptions.of(capture), NO_OUTPUT);
            assertThat(summary.passed()).as(capture.toString()).isEqualTo(1);
            assertThat(summary.flows()).isEqualTo(1);
        }
    }

    @Test
    void feedsFramesThatAreGeneveAlreadyAsTheyCame(@TempDir Path dir) throws Exception {
        byte[] inner = ipv4Packet(6, ipv4(10, 1, 0, 1), ipv4(10, 2, 0, 2), tcp(40000, 443, 1, 0, 0x02, new byte[0]));
        byte[] geneve = GwlbPeer.bytes(gwlb(inner));
        byte[] outer = ipv4Packet(17, ipv4(10, 0, 0, 9), ipv4(10, 0, 0, 5), udp(50123, 6081, geneve));
        byte[] broken = GwlbPeer.bytes(gwlb(inner));
        broken[0] = (byte) 0x40; // GENEVE version 1
        byte[] brokenOuter = ipv4Packet(17, ipv4(10, 0, 0, 9), ipv4(10, 0, 0, 5), udp(50123, 6081, broken));
        Path capture = new PcapFiles(LinkFrame.DLT_EN10MB)
                .add(1_700_000_000_000_000L, PcapFiles.ethernet(0x0800, outer))
                .add(1_700_000_000_000_001L, PcapFiles.ethernet(0x0800, brokenOuter))
                .write(dir.resolve("geneve.pcap"));
        Path verdicts = dir.resolve("v.json");

        ReplaySummary summary =
                Replay.run(ReplayOptions.of(capture).withOutputs(null, verdicts.toString(), null), NO_OUTPUT);

        assertThat(summary.passed()).isEqualTo(1);
        assertThat(summary.dropped()).isEqualTo(Map.of("geneve_bad_version", 1L));
        JsonNode first = jsonLines(verdicts).get(0);
        assertThat(first.get("src_ip").asText()).isEqualTo("10.1.0.1"); // the inner packet, not the outer one
        assertThat(first.get("dest_port").asInt()).isEqualTo(443);
    }

    @Test
    void countsADestinationBindingDropUnderItsOwnReasonAsTheWorkerDoes(@TempDir Path dir) throws Exception {
        // The client is told allowed.example is 192.0.2.1, then opens TLS with that SNI to another address: the pass
        // rule's destination_binding:enforce drops the ClientHello (mismatch), the flow verdict drops what follows.
        long client = ipv4(10, 1, 0, 1);
        long resolver = ipv4(10, 2, 0, 53);
        long bound = ipv4(192, 0, 2, 1);
        long other = ipv4(198, 51, 100, 7);
        Path rules = Files.writeString(dir.resolve("binding.rules"), """
                pass tls $HOME_NET any -> $EXTERNAL_NET any (tls.sni; content:"allowed.example"; startswith; \
                endswith; nocase; destination_binding:enforce; flow:to_server, established; sid:1;)
                drop tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; flow:to_server, established; \
                sid:2;)
                """);
        policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(rules);
        byte[] hello = TlsMessages.javaClientHello("allowed.example", "TLSv1.3", "TLSv1.2");
        List<byte[]> packets = new ArrayList<>();
        packets.add(ipv4Packet(17, client, resolver, udp(40001, 53, dns(0x4321, "allowed.example"))));
        packets.add(ipv4Packet(17, resolver, client, udp(53, 40001, dns(0x4321, "allowed.example", bound))));
        int port = 40002;
        for (long server : new long[] {other, bound}) {
            packets.add(ipv4Packet(6, client, server, tcp(port, 443, 1000, 0, 0x02, new byte[0])));
            packets.add(ipv4Packet(6, server, client, tcp(443, port, 5000, 1001, 0x12, new byte[0])));
            packets.add(ipv4Packet(6, client, server, tcp(port, 443, 1001, 5001, 0x10, new byte[0])));
            packets.add(ipv4Packet(6, client, server, tcp(port, 443, 1001, 5001, 0x18, hello)));
            packets.add(ipv4Packet(6, client, server, tcp(port, 443, 1001 + hello.length, 5001, 0x18, new byte[20])));
            port++;
        }
        PcapFiles capture = new PcapFiles(LinkFrame.LINKTYPE_RAW);
        for (int i = 0; i < packets.size(); i++) capture.add(1_700_000_000_000_000L + i * 100L, packets.get(i));
        Path verdicts = dir.resolve("v.json");

        ReplaySummary summary = Replay.run(
                ReplayOptions.of(capture.write(dir.resolve("binding.pcap")))
                        .withPolicy(policy)
                        .withOutputs(null, verdicts.toString(), null),
                NO_OUTPUT);

        assertThat(summary.dropped()).isEqualTo(Map.of("destination_binding", 1L, "policy_drop", 1L));
        assertThat(summary.passed()).isEqualTo(2 + 3 + 5);
        assertThat(summary.alertsBySid()).isEqualTo(Map.of(1L, 1L));
        List<JsonNode> lines = jsonLines(verdicts);
        assertThat(lines.get(5).get("reason").asText()).isEqualTo("destination_binding");
        assertThat(lines.get(6).get("reason").asText()).isEqualTo("policy_drop");
    }

    /** A DNS query for {@code name} (type A, class IN), or its answer when {@code addresses} are given. */
    private static byte[] dns(int id, String name, long... addresses) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean answer = addresses.length > 0;
        out.writeBytes(new byte[] {
            (byte) (id >>> 8),
            (byte) id,
            (byte) (answer ? 0x81 : 0x01),
            (byte) (answer ? 0x80 : 0),
            0,
            1,
            0,
            (byte) addresses.length,
            0,
            0,
            0,
            0
        });
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, 1, 0, 1});
        for (long a : addresses) {
            out.writeBytes(new byte[] {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4});
            out.writeBytes(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        }
        return out.toByteArray();
    }

    /** "packet verdict sids" per line of expected-verdicts.tsv for this capture and policy. */
    static List<String> expectedVerdicts(String capture, String policyFile) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(PCAPS.resolve("expected-verdicts.tsv"))) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.split("\t");
            if (f[0].equals(capture) && f[1].equals(policyFile)) lines.add(f[2] + " " + f[3] + " " + f[4]);
        }
        assertThat(lines)
                .as("expected verdicts of %s with %s", capture, policyFile)
                .isNotEmpty();
        return lines;
    }

    private static String sidText(List<Long> sids) {
        if (sids.isEmpty()) return "-";
        StringBuilder b = new StringBuilder();
        for (Long sid : sids) b.append(b.isEmpty() ? "" : ",").append(sid);
        return b.toString();
    }

    static List<JsonNode> jsonLines(Path file) {
        try {
            List<JsonNode> nodes = new ArrayList<>();
            for (String line : Files.readAllLines(file)) nodes.add(JSON.readTree(line));
            return nodes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<byte[]> frames(Path capture) throws CaptureException {
        List<byte[]> frames = new ArrayList<>();
        try (CaptureReader reader = CaptureReader.open(capture)) {
            while (reader.next()) frames.add(reader.frame());
        }
        return frames;
    }
}
