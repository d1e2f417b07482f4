package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;
import static org.gwlbinspect.stateful.StatefulHarness.ACK;
import static org.gwlbinspect.stateful.StatefulHarness.CLIENT;
import static org.gwlbinspect.stateful.StatefulHarness.PSH_ACK;
import static org.gwlbinspect.stateful.StatefulHarness.SERVER;
import static org.gwlbinspect.stateful.StatefulHarness.SYN;
import static org.gwlbinspect.stateful.StatefulHarness.clientHello;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.stream.StreamEvent;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Evasion attempts against domain filtering, through the whole stateful path ({@link StatefulHarness}). Each test
 * names the NFW or Suricata behaviour it checks (policy.md §2.6, §5); docs/security.md lists the cases and verdicts.
 * The allow- and deny-lists are NFW domain lists in action order, for both TLS_SNI and HTTP_HOST, with {@code
 * github.com} as an exact target.
 */
class StatefulInspectorEvasionTest {
    private static final CompiledPolicy ALLOWLIST =
            StatefulHarness.compile("egress.allowlist.txt", "github.com\n.amazonaws.com\n");
    private static final CompiledPolicy DENYLIST = StatefulHarness.compile("egress.denylist.txt", "github.com\n");
    private static final long CLIENT_ISN = 1000;
    private static final long SERVER_ISN = 900_000;
    /** IPv4 flags/fragment offset field with MF set and offset 0: the first fragment of a datagram. */
    private static final int MORE_FRAGMENTS = 0x2000;

    private final StatefulHarness h = new StatefulHarness(StatefulHarness.SMALL);
    private int clientPort = 40000;

    /** A new connection to {@code port}: SYN, SYN-ACK, ACK, all passed. Returns its client port. */
    private int connect(int port) {
        int client = ++clientPort;
        assertThat(h.toServer(client, port, CLIENT_ISN, 0, SYN, new byte[0])).isEqualTo(Verdict.PASS);
        assertThat(h.toClient(client, port, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
        assertThat(h.toServer(client, port, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0]))
                .isEqualTo(Verdict.PASS);
        return client;
    }

    /** Client data at {@code offset} bytes into the client's stream. */
    private Verdict send(int client, int port, int offset, byte[] payload) {
        return h.toServer(client, port, CLIENT_ISN + 1 + offset, SERVER_ISN + 1, PSH_ACK, payload);
    }

    /** The first message of a new connection in one segment, then one server packet: their verdicts. */
    private List<Verdict> exchange(int port, byte[] message) {
        int client = connect(port);
        Verdict first = send(client, port, 0, message);
        Verdict reply = h.toClient(client, port, SERVER_ISN + 1, CLIENT_ISN + 1 + message.length, ACK, new byte[0]);
        return List.of(first, reply);
    }

    /** Sends {@code message} in segments of {@code size} bytes; returns every segment's verdict. */
    private List<Verdict> segments(int client, int port, byte[] message, int size) {
        List<Verdict> verdicts = new ArrayList<>();
        for (int at = 0; at < message.length; at += size) {
            verdicts.add(send(client, port, at, Arrays.copyOfRange(message, at, Math.min(message.length, at + size))));
        }
        return verdicts;
    }

    private static byte[] get(String target, String host) {
        return ("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@code hello} with {@code from} (same length) replaced by {@code to} in its SNI. */
    private static byte[] withSni(byte[] hello, String from, String to) {
        byte[] out = hello.clone();
        int at = indexOf(hello, from.getBytes(StandardCharsets.US_ASCII));
        System.arraycopy(to.getBytes(StandardCharsets.US_ASCII), 0, out, at, to.length());
        return out;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) return i;
        }
        throw new IllegalArgumentException("not found");
    }

    // ---- messages split into 1-byte TCP segments -------------------------------------------------------------------

    @Test
    void sniSplitIntoOneByteSegmentsIsDecidedWhenTheClientHelloCompletes() {
        // Suricata reassembles the client stream before the TLS parser runs: tls.sni exists once the ClientHello is
        // complete, whatever the segmentation; until then app-layer rules cannot match (policy.md §5, §2.6).
        h.use(ALLOWLIST);
        byte[] allowed = clientHello("github.com");
        int client = connect(443);
        List<Verdict> verdicts = segments(client, 443, allowed, 1);
        assertThat(verdicts).hasSize(allowed.length).containsOnly(Verdict.PASS);
        assertThat(h.counters.packets(StatefulOutcome.RULE_PASS)).isEqualTo(1); // the last byte decided the flow
        assertThat(send(client, 443, allowed.length, new byte[100])).isEqualTo(Verdict.PASS);
        assertThat(h.counters.packets(StatefulOutcome.FLOW_PASSED)).isEqualTo(1);

        byte[] denied = clientHello("gitlab.com");
        int other = connect(443);
        verdicts = segments(other, 443, denied, 1);
        assertThat(verdicts.subList(0, denied.length - 1)).containsOnly(Verdict.PASS);
        assertThat(verdicts.getLast()).isEqualTo(Verdict.DROP);
        assertThat(send(other, 443, denied.length, new byte[100])).isEqualTo(Verdict.DROP); // the flow is dropped
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
        assertThat(h.parserSetsInUse()).isZero();
    }

    @Test
    void hostHeaderSplitIntoOneByteSegmentsIsDecidedWhenTheHeaderBlockCompletes() {
        // http.host exists once libhtp has the request headers (policy.md §2.6): segmentation does not matter.
        h.use(ALLOWLIST);
        byte[] allowed = get("/", "github.com");
        int client = connect(80);
        List<Verdict> verdicts = segments(client, 80, allowed, 1);
        assertThat(verdicts).containsOnly(Verdict.PASS);
        assertThat(h.counters.packets(StatefulOutcome.RULE_PASS)).isEqualTo(1);

        byte[] denied = get("/", "gitlab.com");
        int other = connect(80);
        verdicts = segments(other, 80, denied, 1);
        assertThat(verdicts.subList(0, denied.length - 1)).containsOnly(Verdict.PASS);
        assertThat(verdicts.getLast()).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
    }

    // ---- overlapping and out-of-order segments with different bytes ------------------------------------------------

    @Test
    void aRetransmissionWithOtherSniBytesIsDroppedAndTheFirstSeenSniDecides() {
        // Suricata inline keeps the data it inspected first and raises stream-event reassembly_overlap_different_data;
        // here the segment that contradicts it is dropped, so the server can only assemble the bytes inspected.
        h.use(ALLOWLIST);
        byte[] allowed = clientHello("github.com");
        byte[] denied = withSni(allowed, "github.com", "gitlab.com");
        int cut = indexOf(allowed, "github.com".getBytes(StandardCharsets.US_ASCII)) + 10;

        int client = connect(443);
        assertThat(send(client, 443, 0, Arrays.copyOf(allowed, cut))).isEqualTo(Verdict.PASS);
        assertThat(send(client, 443, 0, Arrays.copyOf(denied, cut))).isEqualTo(Verdict.DROP);
        assertThat(send(client, 443, cut, Arrays.copyOfRange(allowed, cut, allowed.length)))
                .isEqualTo(Verdict.PASS);
        assertThat(h.counters.streamEvents(StreamEvent.OVERLAP_CONFLICT)).isEqualTo(1);
        assertThat(h.counters.packets(StatefulOutcome.STREAM_UNSAFE_DROP)).isEqualTo(1);

        // The other way round: an allowed name cannot replace a denied one that was seen first.
        int other = connect(443);
        assertThat(send(other, 443, 0, Arrays.copyOf(denied, cut))).isEqualTo(Verdict.PASS);
        assertThat(send(other, 443, 0, Arrays.copyOf(allowed, cut))).isEqualTo(Verdict.DROP);
        assertThat(send(other, 443, cut, Arrays.copyOfRange(denied, cut, denied.length)))
                .isEqualTo(Verdict.DROP);
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
    }

    @Test
    void anOutOfOrderSegmentWithOtherSniBytesIsDroppedAndTheFirstSeenSniDecides() {
        // The SNI arrives ahead of the hello's start (out of order), then again with other bytes: the buffered,
        // first-seen bytes are what the parser reads once the gap is filled.
        h.use(ALLOWLIST);
        byte[] denied = clientHello("gitlab.com");
        byte[] allowed = withSni(denied, "gitlab.com", "github.com");
        int head = 20;

        int client = connect(443);
        byte[] tail = Arrays.copyOfRange(denied, head, denied.length);
        assertThat(send(client, 443, head, tail)).isEqualTo(Verdict.PASS);
        assertThat(send(client, 443, head, Arrays.copyOfRange(allowed, head, allowed.length)))
                .isEqualTo(Verdict.DROP);
        assertThat(send(client, 443, 0, Arrays.copyOf(denied, head))).isEqualTo(Verdict.DROP);
        assertThat(h.counters.packets(StatefulOutcome.STREAM_UNSAFE_DROP)).isEqualTo(1);
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
    }

    // ---- case and trailing dots ---------------------------------------------------------------------------------

    @Test
    void tlsDomainRulesMatchTheSniIgnoringCase() {
        // The generated TLS rules use nocase (policy.md §2.6): GitHub.COM is github.com.
        h.use(ALLOWLIST);
        assertThat(exchange(443, clientHello("GitHub.COM"))).containsOnly(Verdict.PASS);
        h.use(DENYLIST);
        assertThat(exchange(443, clientHello("GitHub.COM")).getFirst()).isEqualTo(Verdict.DROP);
    }

    @Test
    void anSniWithATrailingDotMissesExactDomainTargets() {
        // tls.sni is the raw name, so "github.com." does not end with "github.com" (policy.md §5): an allow-list
        // drops it and a deny-list lets it through, as NFW does.
        h.use(ALLOWLIST);
        assertThat(exchange(443, clientHello("github.com.")).getFirst()).isEqualTo(Verdict.DROP);
        h.use(DENYLIST);
        assertThat(exchange(443, clientHello("github.com."))).containsOnly(Verdict.PASS);
    }

    @Test
    void httpHostIsMatchedLowercasedAndWithoutItsPort() {
        // http.host is lowercased and has no port (policy.md §0 item 5, §5).
        h.use(ALLOWLIST);
        assertThat(exchange(80, get("/", "GitHub.COM:8080"))).containsOnly(Verdict.PASS);
        h.use(DENYLIST);
        assertThat(exchange(80, get("/", "GitHub.COM:8080")).getFirst()).isEqualTo(Verdict.DROP);
    }

    @Test
    void aHostHeaderWithATrailingDotMissesExactDomainTargets() {
        // libhtp keeps the trailing dot of a Host header (policy.md §5): allow-list drops, deny-list is bypassed.
        h.use(ALLOWLIST);
        assertThat(exchange(80, get("/", "GitHub.com.")).getFirst()).isEqualTo(Verdict.DROP);
        h.use(DENYLIST);
        assertThat(exchange(80, get("/", "GitHub.com."))).containsOnly(Verdict.PASS);
    }

    // ---- Host header against the request-target's host ------------------------------------------------------------

    @Test
    void httpHostIsTheAbsoluteUrisHostWhenTheHostHeaderDisagrees() {
        // Suricata's http.host is the request-target's host when the target is absolute (libhtp prefers the URI,
        // RFC 9112 §3.2.2), with trailing dots removed; the Host header is then ignored.
        h.use(ALLOWLIST);
        assertThat(exchange(80, get("http://github.com/", "evil.example"))).containsOnly(Verdict.PASS);
        assertThat(exchange(80, get("http://GitHub.com.:8080/x", "evil.example")))
                .containsOnly(Verdict.PASS);
        assertThat(exchange(80, get("http://evil.example/", "github.com")).getFirst())
                .isEqualTo(Verdict.DROP);
        h.use(DENYLIST);
        assertThat(exchange(80, get("http://github.com/", "evil.example")).getFirst())
                .isEqualTo(Verdict.DROP);
        assertThat(exchange(80, get("http://evil.example/", "github.com"))).containsOnly(Verdict.PASS);
    }

    // ---- no SNI ---------------------------------------------------------------------------------------------------

    @Test
    void aClientHelloWithoutSniIsDroppedByAnAllowlistAndPassedByADenylist() {
        // policy.md §2.6 and §5: TLS without SNI hits the allow-list's drop rule; a deny-list lets it through.
        h.use(ALLOWLIST);
        assertThat(exchange(443, clientHello(null)).getFirst()).isEqualTo(Verdict.DROP);
        h.use(DENYLIST);
        assertThat(exchange(443, clientHello(null))).containsOnly(Verdict.PASS);
    }

    // ---- what is parsed: the first message, well formed -------------------------------------------------------------

    @Test
    void aSecondRequestOnAKeepAliveConnectionIsParsedAndDropped() {
        // Suricata inspects every HTTP transaction: a deny-list drops the second request of a keep-alive connection
        // (an allow-list is not affected: its first request already decided the whole flow).
        h.use(DENYLIST);
        byte[] first = get("/", "example.org");
        byte[] second = get("/", "github.com");
        int client = connect(80);
        assertThat(send(client, 80, 0, first)).isEqualTo(Verdict.PASS);
        assertThat(h.toClient(client, 80, SERVER_ISN + 1, CLIENT_ISN + 1 + first.length, PSH_ACK, new byte[40]))
                .isEqualTo(Verdict.PASS);
        // Between requests the parser set and the stream state are back in their pools (the flow keeps the sequence
        // number the next request starts at).
        assertThat(h.parserSetsInUse()).isZero();
        assertThat(h.streamsInUse()).isZero();
        assertThat(h.toServer(client, 80, CLIENT_ISN + 1 + first.length, SERVER_ISN + 41, PSH_ACK, second))
                .isEqualTo(Verdict.DROP);
        assertThat(h.toClient(client, 80, SERVER_ISN + 41, CLIENT_ISN + 1 + first.length, PSH_ACK, new byte[40]))
                .isEqualTo(Verdict.DROP); // an app-layer rule acts on the flow
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
    }

    @Test
    void aSecondRequestSentOutOfOrderIsReadFromItsFirstByte() {
        // The stream state resumes at the byte after the first request: the second request's tail, sent first, is
        // buffered rather than taken as the start of the stream.
        h.use(DENYLIST);
        byte[] first = get("/", "example.org");
        byte[] second = get("/", "github.com");
        int client = connect(80);
        assertThat(send(client, 80, 0, first)).isEqualTo(Verdict.PASS);
        assertThat(h.streamsInUse()).isZero();
        byte[] head = Arrays.copyOfRange(second, 0, 10);
        byte[] tail = Arrays.copyOfRange(second, 10, second.length);
        assertThat(send(client, 80, first.length + 10, tail)).isEqualTo(Verdict.PASS);
        assertThat(send(client, 80, first.length, head)).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
    }

    @Test
    void aDeniedRequestPipelinedBehindAnAllowedOneInTheSameSegmentIsDropped() {
        h.use(DENYLIST);
        byte[] both = StatefulHarness.concat(get("/", "example.org"), get("/x", "github.com"));
        int client = connect(80);
        assertThat(send(client, 80, 0, both)).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
    }

    @Test
    void aDeniedRequestAfterABodyIsFoundWhateverSegmentsCarryIt() {
        h.use(DENYLIST);
        // A POST with a Content-Length body that looks like a request (it is body, not a request), then a chunked
        // POST, then the denied request, all sent in 7-byte segments.
        byte[] post = ("POST /a HTTP/1.1\r\nHost: example.org\r\nContent-Length: 36\r\n\r\n"
                        + "GET / HTTP/1.1\r\nHost: github.com\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] chunked = ("POST /b HTTP/1.1\r\nHost: example.org\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                        + "5;ext=1\r\nhello\r\n1A\r\nGET / HTTP/1.1\r\nHost: gith\r\n0\r\nX-Trailer: 1\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] denied = get("/", "github.com");
        byte[] stream = StatefulHarness.concat(post, chunked, denied);
        int client = connect(80);
        List<Verdict> verdicts = segments(client, 80, stream, 7);
        int completing = (stream.length - 1) / 7; // the segment holding the denied request's last byte
        assertThat(verdicts.subList(0, completing)).containsOnly(Verdict.PASS);
        assertThat(verdicts.get(completing)).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
    }

    @Test
    void aBodyWhoseLengthCannotBeReadEndsTheParsingOfLaterRequests() {
        // Difference from NFW, documented: libhtp also gives up on a connection whose framing it cannot follow;
        // the request itself is inspected, the bytes after it are not parsed.
        h.use(DENYLIST);
        byte[] bad = ("POST /a HTTP/1.1\r\nHost: example.org\r\nContent-Length: 1x\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        int client = connect(80);
        assertThat(send(client, 80, 0, bad)).isEqualTo(Verdict.PASS);
        assertThat(send(client, 80, bad.length, get("/", "github.com"))).isEqualTo(Verdict.PASS);
        assertThat(h.parserSetsInUse()).isZero();
        assertThat(h.streamsInUse()).isZero();
    }

    @Test
    void aClientHelloWithTwoHostNamesIsJudgedOnTheFirstAsSuricataDoes() {
        // RFC 6066 §3 forbids a second host_name (OpenSSL and Go refuse it). Suricata takes the first name of the list
        // and ignores the rest; a parser that failed on it would turn the flow's app-layer to "failed" and let it
        // past every action-order domain rule. The allow-list judges the first name, whatever the second says.
        h.use(ALLOWLIST);
        assertThat(exchange(443, withSecondHostName(clientHello("gitlab.com"), "gitlab.com", "github.com")))
                .containsExactly(Verdict.DROP, Verdict.DROP);
        assertThat(h.counters.appLayerDetected(AppLayer.TLS)).isEqualTo(1);
        assertThat(h.counters.appLayerDetected(AppLayer.FAILED)).isZero();

        assertThat(exchange(443, withSecondHostName(clientHello("github.com"), "github.com", "gitlab.com")))
                .containsExactly(Verdict.PASS, Verdict.PASS);
        assertThat(h.alerts).hasSize(1).allMatch(alert -> alert.endsWith(":DROP"));
    }

    /**
     * {@link StatefulHarness#clientHello} output (one record, server_name first) with a host_name entry {@code name}
     * added after {@code present} in its server_name list, every enclosing length fixed.
     */
    private static byte[] withSecondHostName(byte[] hello, String present, String name) {
        byte[] first = present.getBytes(StandardCharsets.US_ASCII);
        int end = indexOf(hello, first) + first.length;
        byte[] entry = StatefulHarness.concat(
                new byte[] {0, 0, (byte) name.length()}, name.getBytes(StandardCharsets.US_ASCII));
        byte[] out =
                StatefulHarness.concat(Arrays.copyOf(hello, end), entry, Arrays.copyOfRange(hello, end, hello.length));
        int extension = end - first.length - 9; // type(2) length(2) list length(2) name type(1) name length(2)
        // record length, handshake length (low 16 bits), extensions length, extension length, server_name_list length
        for (int lengthField : new int[] {3, 7, extension - 2, extension + 2, extension + 4}) {
            int value = ((out[lengthField] & 0xFF) << 8 | (out[lengthField + 1] & 0xFF)) + entry.length;
            out[lengthField] = (byte) (value >> 8);
            out[lengthField + 1] = (byte) value;
        }
        return out;
    }

    // ---- IP fragments ---------------------------------------------------------------------------------------------

    @Test
    void tcpInIpFragmentsIsDroppedWhateverItCarries() {
        // NFW "only manages UDP packet fragments and silently drops packet fragments for other protocols" (policy.md
        // §1.1): a ClientHello cut into IP fragments cannot hide its SNI.
        h.use(ALLOWLIST);
        int client = connect(443);
        byte[] segment = tcp(client, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, clientHello("gitlab.com"));
        byte[] first = Arrays.copyOf(segment, 48); // TCP header and 28 bytes of the hello; offsets count 8 bytes
        byte[] rest = Arrays.copyOfRange(segment, 48, segment.length);
        assertThat(h.send(ipv4Packet(6, CLIENT, SERVER, 77, MORE_FRAGMENTS, new byte[0], first)))
                .isEqualTo(Verdict.DROP);
        assertThat(h.send(ipv4Packet(6, CLIENT, SERVER, 77, 48 / 8, new byte[0], rest)))
                .isEqualTo(Verdict.DROP);
    }

    @Test
    void aDnsQueryInIpFragmentsIsNotReassembledBeforeDnsQueryRulesLookAtIt() {
        // Difference from NFW, kept until the flow stage reassembles IP datagrams: Suricata defragments UDP before
        // its DNS parser runs, so a drop rule on dns.query sees the name; here the first fragment is parsed alone (a
        // truncated message: no dns.query) and later fragments pass as fragments. docs/security.md.
        h.use(StatefulHarness.compile(
                "dns.rules", "drop dns any any -> any any (dns.query; content:\"blocked.example\"; nocase; sid:8;)\n"));
        byte[] whole = udp(40100, 53, StatefulHarness.dnsQuery("www.blocked.example"));
        assertThat(h.send(ipv4Packet(17, CLIENT, SERVER, whole))).isEqualTo(Verdict.DROP);

        byte[] datagram = udp(40101, 53, StatefulHarness.dnsQuery("www.blocked.example"));
        byte[] first = Arrays.copyOf(datagram, 24); // UDP header, DNS header and 4 bytes of the name
        byte[] rest = Arrays.copyOfRange(datagram, 24, datagram.length);
        assertThat(h.send(ipv4Packet(17, CLIENT, SERVER, 78, MORE_FRAGMENTS, new byte[0], first)))
                .isEqualTo(Verdict.PASS);
        assertThat(h.send(ipv4Packet(17, CLIENT, SERVER, 78, 24 / 8, new byte[0], rest)))
                .isEqualTo(Verdict.PASS);
    }
}
