package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.stateful.StatefulHarness.ACK;
import static org.gwlbinspect.stateful.StatefulHarness.PSH_ACK;
import static org.gwlbinspect.stateful.StatefulHarness.SYN;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Suricata 7's {@code encryption-handling} (docs/encrypted-tls.md): under {@link EncryptionHandling#DEFAULT} a TLS
 * flow's payload stops being inspected by payload rules once it completed an application_data record after the
 * server's hello; under {@link EncryptionHandling#FULL} the encrypted records are inspected like any bytes. Through
 * the whole stateful path ({@link StatefulHarness}), client 10.100.1.5 to server port 443.
 */
class EncryptedTlsInspectionTest {
    private static final long CLIENT_ISN = 1000;
    private static final long SERVER_ISN = 900_000;
    private static final int HTTPS = 443;

    /** A payload rule, an SNI rule that sets a flowbit, and two packet rules that read it, by payload size. */
    private static final CompiledPolicy POLICY = StatefulHarness.compile("encrypted.rules", """
            drop tcp any any -> any any (msg:"bad stuff"; content:"BADSTUFF"; sid:10;)
            alert tls any any -> any any (msg:"sni"; tls.sni; content:"example.com"; endswith; flowbits:set,named; sid:20;)
            alert tcp any any -> any any (msg:"small"; flowbits:isset,named; dsize:<50; flow:established,to_server; sid:21;)
            alert tcp any any -> any any (msg:"large"; flowbits:isset,named; dsize:>200; flow:established,to_server; sid:22;)
            """);

    private StatefulHarness h = new StatefulHarness(StatefulHarness.SMALL);
    private int clientPort = 40000;

    @AfterEach
    void everyStateGoesBackWhenTheFlowsEnd() {
        h.assertEveryStateReturnsWhenTheFlowsEnd();
    }

    private void full() {
        h = new StatefulHarness(StatefulHarness.SMALL.withEncryptionHandling(EncryptionHandling.FULL));
    }

    /** One TCP connection to port 443 after its handshake; each side's bytes continue its stream. */
    private final class Connection {
        final int port = ++clientPort;
        long clientSent;
        long serverSent;

        Connection() {
            assertThat(h.toServer(port, HTTPS, CLIENT_ISN, 0, SYN, new byte[0])).isEqualTo(Verdict.PASS);
            assertThat(h.toClient(port, HTTPS, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0]))
                    .isEqualTo(Verdict.PASS);
            assertThat(h.toServer(port, HTTPS, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0]))
                    .isEqualTo(Verdict.PASS);
        }

        Verdict client(byte[]... records) {
            byte[] payload = concat(records);
            Verdict v =
                    h.toServer(port, HTTPS, CLIENT_ISN + 1 + clientSent, SERVER_ISN + 1 + serverSent, PSH_ACK, payload);
            clientSent += payload.length;
            return v;
        }

        Verdict server(byte[]... records) {
            byte[] payload = concat(records);
            Verdict v =
                    h.toClient(port, HTTPS, SERVER_ISN + 1 + serverSent, CLIENT_ISN + 1 + clientSent, PSH_ACK, payload);
            serverSent += payload.length;
            return v;
        }

        /** ClientHello for www.example.com, then a TLS 1.3 server's first flight (hello, CCS, encrypted records). */
        void tls13Handshake() {
            assertThat(client(StatefulHarness.clientHello("www.example.com"))).isEqualTo(Verdict.PASS);
            assertThat(server(serverHello(0x0304), CHANGE_CIPHER_SPEC, encrypted(120, null)))
                    .isEqualTo(Verdict.PASS);
        }
    }

    // ---- the trigger -------------------------------------------------------------------------------------------

    @Test
    void aContentInsideAnEncryptedRecordIsNotMatchedOnceTheServerStartedEncrypting() {
        h.use(POLICY);
        Connection c = new Connection();
        c.tls13Handshake();
        assertThat(h.counters.encryptedFlows()).isEqualTo(1);
        // Nothing reads the flow's bytes any more: its stream state and Hyperscan streams went back at once.
        assertThat(h.streamsInUse()).isZero();
        assertThat(h.flows.openHyperscanStreams()).isZero();

        assertThat(c.client(CHANGE_CIPHER_SPEC, encrypted(80, "BADSTUFF"))).isEqualTo(Verdict.PASS);
        assertThat(c.server(encrypted(300, "BADSTUFF"))).isEqualTo(Verdict.PASS);
        assertThat(h.alerts).doesNotContain("10:DROP");
        assertThat(h.streamsInUse()).isZero();
    }

    @Test
    void underFullTheSameEncryptedRecordIsMatchedAndDropsTheFlow() {
        full();
        h.use(POLICY);
        Connection c = new Connection();
        c.tls13Handshake();
        assertThat(h.counters.encryptedFlows()).isZero();
        assertThat(h.streamsInUse()).isEqualTo(1); // payload rules keep the stream to the flow's end

        assertThat(c.client(CHANGE_CIPHER_SPEC, encrypted(80, "BADSTUFF"))).isEqualTo(Verdict.DROP);
        assertThat(h.alerts).contains("10:DROP");
        assertThat(c.server(encrypted(300, null))).isEqualTo(Verdict.DROP); // the flow is dropped
    }

    @Test
    void thePacketThatCompletesTheFirstEncryptedRecordIsStillInspected() {
        // As in Suricata: the flow's no-payload-inspection flag reaches packets from the next one on.
        h.use(POLICY);
        Connection c = new Connection();
        assertThat(c.client(StatefulHarness.clientHello("www.example.com"))).isEqualTo(Verdict.PASS);
        assertThat(c.server(serverHello(0x0304), CHANGE_CIPHER_SPEC, encrypted(120, "BADSTUFF")))
                .isEqualTo(Verdict.DROP);
        assertThat(h.alerts).contains("10:DROP");
        assertThat(h.counters.encryptedFlows()).isZero(); // a dropped packet starts nothing
    }

    @Test
    void aRecordSplitAcrossSegmentsStartsEncryptionOnTheSegmentThatCompletesIt() {
        h.use(POLICY);
        Connection c = new Connection();
        assertThat(c.client(StatefulHarness.clientHello("www.example.com"))).isEqualTo(Verdict.PASS);
        byte[] record = encrypted(400, null);
        assertThat(c.server(serverHello(0x0304), CHANGE_CIPHER_SPEC, Arrays.copyOf(record, 200)))
                .isEqualTo(Verdict.PASS);
        assertThat(h.counters.encryptedFlows()).isZero();
        // the rest of the record, then a content: this segment is inspected, the record ends in it
        assertThat(c.server(Arrays.copyOfRange(record, 200, record.length))).isEqualTo(Verdict.PASS);
        assertThat(h.counters.encryptedFlows()).isEqualTo(1);
        assertThat(c.server(encrypted(50, "BADSTUFF"))).isEqualTo(Verdict.PASS);
        assertThat(h.alerts).doesNotContain("10:DROP");
    }

    @Test
    void tls12IsInspectedThroughChangeCipherSpecBothWaysUntilTheFirstApplicationData() {
        h.use(POLICY);
        // A resumed TLS 1.2 session: hello, CCS and an encrypted Finished (a handshake record) each way.
        Connection c = new Connection();
        assertThat(c.client(StatefulHarness.clientHello("www.example.com"))).isEqualTo(Verdict.PASS);
        assertThat(c.server(serverHello(0), CHANGE_CIPHER_SPEC, record(22, filler(40, null))))
                .isEqualTo(Verdict.PASS);
        // Suricata stops parsing the handshake at the CCS, but keeps the raw payload inspected: the Finished record
        // is matched.
        assertThat(c.client(CHANGE_CIPHER_SPEC, record(22, filler(40, "BADSTUFF"))))
                .isEqualTo(Verdict.DROP);
        assertThat(h.counters.encryptedFlows()).isZero();

        Connection d = new Connection();
        assertThat(d.client(StatefulHarness.clientHello("www.example.com"))).isEqualTo(Verdict.PASS);
        assertThat(d.server(serverHello(0), CHANGE_CIPHER_SPEC, record(22, filler(40, null))))
                .isEqualTo(Verdict.PASS);
        assertThat(d.client(CHANGE_CIPHER_SPEC, record(22, filler(40, null)))).isEqualTo(Verdict.PASS);
        assertThat(h.counters.encryptedFlows()).isZero();
        assertThat(d.client(encrypted(100, null))).isEqualTo(Verdict.PASS); // the client's first request
        assertThat(h.counters.encryptedFlows()).isEqualTo(1);
        assertThat(d.client(encrypted(100, "BADSTUFF"))).isEqualTo(Verdict.PASS);
        assertThat(d.server(encrypted(100, "BADSTUFF"))).isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsOnlyOnce("10:DROP");
    }

    @Test
    void applicationDataBeforeTheServersHelloDoesNotStopInspection() {
        // Suricata waits for the ServerHello only when the ClientHello offered 0-RTT; waiting always means a client
        // cannot switch inspection off with records the server never answered.
        h.use(POLICY);
        Connection c = new Connection();
        assertThat(c.client(StatefulHarness.clientHello("www.example.com"), encrypted(60, null)))
                .isEqualTo(Verdict.PASS);
        assertThat(c.client(encrypted(60, "BADSTUFF"))).isEqualTo(Verdict.DROP);
        assertThat(h.counters.encryptedFlows()).isZero();
    }

    // ---- what only looks like TLS ------------------------------------------------------------------------------

    @Test
    void aClientHelloFollowedByCleartextStaysInspectedWhateverTheServerAnswers() {
        h.use(POLICY);
        Connection c = new Connection();
        assertThat(c.client(StatefulHarness.clientHello("www.example.com"))).isEqualTo(Verdict.PASS);
        assertThat(c.client(ascii("GET /index.html HTTP/1.1\r\n\r\n"))).isEqualTo(Verdict.PASS);
        // A cooperating server answers like TLS 1.3: the client's stream is no TLS, so nothing stops.
        assertThat(c.server(serverHello(0x0304), CHANGE_CIPHER_SPEC, encrypted(120, null)))
                .isEqualTo(Verdict.PASS);
        assertThat(h.counters.encryptedFlows()).isZero();
        assertThat(c.client(ascii("GET /BADSTUFF HTTP/1.1\r\n\r\n"))).isEqualTo(Verdict.DROP);
    }

    @Test
    void aServerThatAnswersWithCleartextAfterItsHelloStaysInspected() {
        h.use(POLICY);
        Connection c = new Connection();
        assertThat(c.client(StatefulHarness.clientHello("www.example.com"))).isEqualTo(Verdict.PASS);
        assertThat(c.server(serverHello(0x0304), ascii("HTTP/1.1 200 OK\r\n\r\n")))
                .isEqualTo(Verdict.PASS);
        assertThat(c.client(CHANGE_CIPHER_SPEC, encrypted(60, null))).isEqualTo(Verdict.PASS);
        assertThat(h.counters.encryptedFlows()).isZero();
        assertThat(c.client(encrypted(60, "BADSTUFF"))).isEqualTo(Verdict.DROP);
    }

    @Test
    void cleartextFlowsAndTheClientHelloAreInspectedAsBefore() {
        h.use(POLICY);
        Connection named = new Connection(); // the SNI itself carries the content
        assertThat(named.client(StatefulHarness.clientHello("BADSTUFF.example.com")))
                .isEqualTo(Verdict.DROP);

        Connection plain = new Connection(); // not TLS at all, on port 443
        assertThat(plain.client(ascii("hello"))).isEqualTo(Verdict.PASS);
        assertThat(plain.server(ascii("hello yourself"))).isEqualTo(Verdict.PASS);
        assertThat(plain.client(ascii("now BADSTUFF"))).isEqualTo(Verdict.DROP);
        assertThat(h.counters.encryptedFlows()).isZero();
    }

    // ---- the rules that still run ------------------------------------------------------------------------------

    @Test
    void sniFlowbitsAndPacketRulesStillMatchButADsizeThatNeedsAPayloadDoesNot() {
        h.use(POLICY);
        Connection c = new Connection();
        c.tls13Handshake();
        assertThat(h.alerts).contains("20:PASS"); // tls.sni on the ClientHello, which set the flowbit
        h.alerts.clear();
        assertThat(c.client(encrypted(20, null))).isEqualTo(Verdict.PASS); // 25 bytes: dsize:<50
        assertThat(c.client(encrypted(300, null))).isEqualTo(Verdict.PASS); // 305 bytes: dsize:>200
        // Suricata's signature mask: dsize:>200 needs a payload, which the packet no longer has for detection.
        assertThat(h.alerts).containsExactly("21:PASS");

        full();
        h.use(POLICY);
        Connection f = new Connection();
        f.tls13Handshake();
        h.alerts.clear();
        assertThat(f.client(encrypted(20, null))).isEqualTo(Verdict.PASS);
        assertThat(f.client(encrypted(300, null))).isEqualTo(Verdict.PASS);
        assertThat(h.alerts).containsExactly("21:PASS", "22:PASS");
    }

    @Test
    void aFlowAlreadyDroppedStaysDropped() {
        h.use(StatefulHarness.compile("deny.rules", """
                drop tls any any -> any any (msg:"deny"; tls.sni; content:"www.example.com"; sid:30;)
                drop tcp any any -> any any (msg:"bad stuff"; content:"BADSTUFF"; sid:10;)
                """));
        Connection c = new Connection();
        assertThat(c.client(StatefulHarness.clientHello("www.example.com"))).isEqualTo(Verdict.DROP);
        assertThat(c.server(serverHello(0x0304), CHANGE_CIPHER_SPEC, encrypted(120, null)))
                .isEqualTo(Verdict.DROP);
        assertThat(c.client(encrypted(60, null))).isEqualTo(Verdict.DROP);
        assertThat(h.counters.encryptedFlows()).isZero();
        assertThat(h.alerts).containsExactly("30:DROP");
    }

    @Test
    void aTlsFlowPickedUpMidstreamTakesTheStreamExceptionPolicyAsBefore() {
        h.use(POLICY); // a .rules file: NFW's default StreamExceptionPolicy DROP
        int port = ++clientPort;
        assertThat(h.toServer(port, HTTPS, 77_000, SERVER_ISN, PSH_ACK, encrypted(100, null)))
                .isEqualTo(Verdict.DROP);
        assertThat(h.counters.packets(StatefulOutcome.STREAM_EXCEPTION_DROP)).isEqualTo(1);
        assertThat(h.counters.encryptedFlows()).isZero();
    }

    // ---- TLS records -------------------------------------------------------------------------------------------

    static final byte[] CHANGE_CIPHER_SPEC = {20, 3, 3, 0, 1, 1};

    /** An application_data record of {@code length} bytes, {@code marker} (if any) in its middle. */
    static byte[] encrypted(int length, String marker) {
        return record(23, filler(length, marker));
    }

    private static byte[] filler(int length, String marker) {
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) body[i] = (byte) (0xA5 ^ (i * 31));
        if (marker != null) {
            byte[] m = ascii(marker);
            System.arraycopy(m, 0, body, (length - m.length) / 2, m.length);
        }
        return body;
    }

    private static byte[] record(int type, byte[] body) {
        return concat(new byte[] {(byte) type, 3, 3}, u16(body.length), body);
    }

    /** A ServerHello record: TLS 1.3 with supported_versions {@code selected}, or TLS 1.2 without it (0). */
    static byte[] serverHello(int selected) {
        byte[] extensions = selected == 0 ? new byte[0] : concat(u16(43), u16(2), u16(selected));
        byte[] random = new byte[32];
        Arrays.fill(random, (byte) 0x33);
        byte[] body = concat(
                u16(0x0303),
                random,
                new byte[] {0},
                u16(selected == 0 ? 0xC02F : 0x1301),
                new byte[] {0},
                u16(extensions.length),
                extensions);
        byte[] handshake = concat(new byte[] {2, 0}, u16(body.length), body);
        return record(22, handshake);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] u16(int value) {
        return new byte[] {(byte) (value >> 8), (byte) value};
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) out.writeBytes(part);
        return out.toByteArray();
    }
}
