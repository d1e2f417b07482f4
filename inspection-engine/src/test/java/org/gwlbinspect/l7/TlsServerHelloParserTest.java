package org.gwlbinspect.l7;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.l7.TlsMessages.buf;
import static org.gwlbinspect.l7.TlsMessages.bytes;
import static org.gwlbinspect.l7.TlsMessages.concat;
import static org.gwlbinspect.l7.TlsMessages.extension;
import static org.gwlbinspect.l7.TlsMessages.u16;
import static org.gwlbinspect.l7.TlsMessages.u24;

import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TlsServerHelloParserTest {

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static KeyStore keyStore;

    private final TlsServerHelloParser parser = new TlsServerHelloParser();

    /** A self-signed EC certificate made by the JDK's keytool, as an operator would make one. */
    @BeforeAll
    static void generateSelfSignedCertificate(@TempDir Path dir) throws Exception {
        keyStore = TlsMessages.selfSignedKeyStore(
                dir, "CN=server.test, OU=Edge, O=Example Org, L=Springfield, ST=Oregon, C=US", PASSWORD);
    }

    private TlsParseStatus feedAll(byte[] bytes) {
        return parser.feed(buf(bytes), 0, bytes.length);
    }

    @Test
    void printsSubjectAndIssuerOfJavaTls12ServerCertificateAsSuricataDoes() throws Exception {
        byte[] flight = TlsMessages.javaServerFlight(keyStore, PASSWORD, "TLSv1.2");

        assertThat(feedAll(flight)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.negotiatedVersion()).isEqualTo(0x0303);
        assertThat(parser.certificateEncrypted()).isFalse();
        assertThat(parser.hasCertificate()).isTrue();
        String expected = "C=US, ST=Oregon, L=Springfield, O=Example Org, OU=Edge, CN=server.test";
        assertThat(parser.subjectAsString()).isEqualTo(expected);
        assertThat(parser.issuerAsString()).isEqualTo(expected);
        byte[] der = keyStore.getCertificate("server").getEncoded();
        assertThat(Arrays.copyOfRange(
                        parser.buffer(),
                        parser.certificateOffset(),
                        parser.certificateOffset() + parser.certificateLength()))
                .isEqualTo(der);
        assertThat(parser.ja3sString()).startsWith("771," + parser.cipherSuite() + ",");
    }

    @Test
    void readsTheCertificateWhenTheFlightArrivesInSmallSegments() throws Exception {
        byte[] flight = TlsMessages.javaServerFlight(keyStore, PASSWORD, "TLSv1.2");

        TlsParseStatus status = TlsParseStatus.NEED_MORE;
        for (int from = 0; from < flight.length && status == TlsParseStatus.NEED_MORE; from += 100) {
            status = parser.feed(buf(flight), from, Math.min(100, flight.length - from));
        }
        assertThat(status).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.subjectAsString()).endsWith("CN=server.test");
    }

    @Test
    void reportsTheCertificateEncryptedWhenTls13IsNegotiated() throws Exception {
        byte[] flight = TlsMessages.javaServerFlight(keyStore, PASSWORD, "TLSv1.3");

        assertThat(feedAll(flight)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.legacyVersion()).isEqualTo(0x0303);
        assertThat(parser.selectedVersion()).isEqualTo(0x0304);
        assertThat(parser.negotiatedVersion()).isEqualTo(0x0304);
        assertThat(parser.certificateEncrypted()).isTrue();
        assertThat(parser.hasCertificate()).isFalse();
        assertThat(parser.subjectLength()).isZero();
    }

    // ---- hand-built flights ----

    static byte[] serverHello(byte[] extensions) {
        byte[] body = concat(u16(0x0303), new byte[32], bytes(0), u16(0xC02F), bytes(0));
        if (extensions != null) {
            body = concat(body, u16(extensions.length), extensions);
        }
        return concat(bytes(2), u24(body.length), body);
    }

    static byte[] certificateMessage(byte[] der) {
        byte[] list = concat(u24(der.length), der);
        byte[] body = concat(u24(list.length), list);
        return concat(bytes(11), u24(body.length), body);
    }

    static byte[] handshake(byte[]... messages) {
        return TlsMessages.records(22, 0x0303, concat(messages), 16384);
    }

    // DER building blocks: tag, definite length, content.
    static byte[] der(int tag, byte[]... content) {
        byte[] c = concat(content);
        byte[] length = c.length < 0x80
                ? bytes(c.length)
                : c.length < 0x100 ? bytes(0x81, c.length) : bytes(0x82, c.length >> 8, c.length);
        return concat(bytes(tag), length, c);
    }

    static byte[] attribute(byte[] oid, int valueTag, byte[] value) {
        return der(0x30, der(0x06, oid), der(valueTag, value));
    }

    static byte[] x520(int type, String value) {
        return attribute(bytes(0x55, 0x04, type), 0x0C, value.getBytes(UTF_8));
    }

    static byte[] rdn(byte[]... attributes) {
        return der(0x31, attributes);
    }

    /** A certificate cut down to what the parser reads: tbsCertificate up to the subject, then a dummy signature. */
    static byte[] certificate(boolean withVersion, byte[] issuer, byte[] subject) {
        byte[] version = withVersion ? der(0xA0, der(0x02, bytes(2))) : new byte[0];
        byte[] algorithm = der(0x30, der(0x06, bytes(0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02)));
        byte[] validity =
                der(0x30, der(0x17, "250101000000Z".getBytes(US_ASCII)), der(0x17, "350101000000Z".getBytes(US_ASCII)));
        byte[] tbs = der(0x30, version, der(0x02, bytes(0x01, 0x23)), algorithm, issuer, validity, subject);
        return der(0x30, tbs, algorithm, der(0x03, bytes(0, 1, 2, 3)));
    }

    static final byte[] LETS_ENCRYPT_R3 = der(
            0x30,
            rdn(attribute(bytes(0x55, 4, 6), 0x13, "US".getBytes(US_ASCII))),
            rdn(x520(10, "Let's Encrypt")),
            rdn(x520(3, "R3")));

    @Test
    void printsIssuerInSuricataFormat() {
        byte[] subject = der(0x30, rdn(x520(3, "example.com")));
        byte[] flight = handshake(serverHello(null), certificateMessage(certificate(true, LETS_ENCRYPT_R3, subject)));

        assertThat(feedAll(flight)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.issuerAsString()).isEqualTo("C=US, O=Let's Encrypt, CN=R3");
        assertThat(parser.subjectAsString()).isEqualTo("CN=example.com");
        assertThat(Arrays.copyOfRange(
                        parser.buffer(), parser.serialOffset(), parser.serialOffset() + parser.serialLength()))
                .containsExactly(0x01, 0x23);
    }

    @Test
    void printsMultiValuedRdnsEmailDomainComponentsUnknownTypesAndNonStringValues() {
        byte[] email = bytes(0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x01);
        byte[] dc = bytes(0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C, 0x64, 0x01, 0x19);
        byte[] subject = der(
                0x30,
                rdn(attribute(dc, 0x16, "org".getBytes(US_ASCII))),
                rdn(x520(11, "Ops"), x520(3, "host")),
                rdn(attribute(email, 0x16, "ops@example.org".getBytes(US_ASCII))),
                rdn(x520(15, "Private Organization")), // businessCategory: no short name here
                rdn(attribute(bytes(0x55, 4, 5), 0x02, bytes(0x0A, 0xFF))), // an INTEGER value prints as hex
                rdn(x520(7, "Köln")));
        byte[] flight = handshake(serverHello(null), certificateMessage(certificate(false, LETS_ENCRYPT_R3, subject)));

        assertThat(feedAll(flight)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.subjectAsString())
                .isEqualTo("DC=org, OU=Ops + CN=host, Email=ops@example.org, OID(2.5.4.15)=Private Organization, "
                        + "serialNumber=0AFF, L=Köln");
    }

    @Test
    void finishesWithoutCertificateOnAResumedHandshake() {
        byte[] flight = concat(handshake(serverHello(null)), bytes(0x14, 3, 3, 0, 1, 1));

        assertThat(feedAll(flight)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.hasCertificate()).isFalse();
        assertThat(parser.certificateEncrypted()).isFalse();
    }

    @Test
    void finishesWithoutCertificateWhenTheServerHelloDoneFollows() {
        byte[] flight = handshake(serverHello(null), bytes(14, 0, 0, 0));

        assertThat(feedAll(flight)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.hasCertificate()).isFalse();
    }

    @Test
    void finishesWithoutCertificateWhenTheListIsEmpty() {
        byte[] flight = handshake(serverHello(null), concat(bytes(11), u24(3), u24(0)));

        assertThat(feedAll(flight)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.hasCertificate()).isFalse();
    }

    @Test
    void waitsForTheCertificateAfterAServerHelloAlone() {
        assertThat(feedAll(handshake(serverHello(extension(0xFF01, bytes(0)))))).isEqualTo(TlsParseStatus.NEED_MORE);
        assertThat(parser.negotiatedVersion()).isEqualTo(0x0303);
        assertThat(parser.ja3sString()).isEqualTo("771,49199,65281");
    }

    @Test
    void reportsTooLargeWhenTheFirstCertificateExceedsTheBuffer() {
        TlsServerHelloParser small = new TlsServerHelloParser(1024);
        byte[] subject = der(0x30, rdn(x520(3, "x".repeat(2000))));
        byte[] flight = handshake(serverHello(null), certificateMessage(certificate(true, LETS_ENCRYPT_R3, subject)));

        assertThat(small.feed(buf(flight), 0, flight.length)).isEqualTo(TlsParseStatus.TOO_LARGE);
    }

    @Test
    void rejectsNonTlsBytes() {
        assertThat(feedAll("HTTP/1.1 200 OK\r\n".getBytes(US_ASCII))).isEqualTo(TlsParseStatus.NOT_TLS);
    }

    static Stream<Arguments> malformedFlights() {
        byte[] cn = der(0x30, rdn(x520(3, "a")));
        return Stream.of(
                Arguments.of(TlsMalformedReason.ALERT_RECEIVED, bytes(0x15, 3, 3, 0, 2, 2, 40)),
                Arguments.of(
                        TlsMalformedReason.RECORD_TYPE_UNEXPECTED,
                        concat(handshake(serverHello(null)), bytes(0x17, 3, 3, 0, 1, 1))),
                Arguments.of(
                        TlsMalformedReason.HANDSHAKE_TYPE_UNEXPECTED,
                        handshake(new TlsMessages.ClientHelloBuilder().handshake())),
                Arguments.of(TlsMalformedReason.MESSAGE_TRUNCATED, handshake(concat(bytes(2), u24(4), new byte[4]))),
                Arguments.of(
                        TlsMalformedReason.MESSAGE_TRUNCATED,
                        handshake(concat(bytes(2), u24(36), new byte[34], bytes(1, 0)))),
                Arguments.of(
                        TlsMalformedReason.SESSION_ID_TOO_LONG,
                        handshake(concat(bytes(2), u24(38), new byte[34], bytes(33), new byte[3]))),
                Arguments.of(
                        TlsMalformedReason.EXTENSIONS_LENGTH_MISMATCH,
                        handshake(concat(bytes(2), u24(39), new byte[34], bytes(0), new byte[3], bytes(0)))),
                Arguments.of(TlsMalformedReason.EXTENSION_TRUNCATED, handshake(serverHello(bytes(0, 43, 0, 9, 3, 4)))),
                Arguments.of(
                        TlsMalformedReason.EXTENSION_DUPLICATE,
                        handshake(serverHello(concat(extension(43, u16(0x0303)), extension(43, u16(0x0303)))))),
                Arguments.of(
                        TlsMalformedReason.SUPPORTED_VERSIONS_INVALID,
                        handshake(serverHello(extension(43, bytes(2, 3, 4))))),
                Arguments.of(
                        TlsMalformedReason.CERTIFICATE_LIST_INVALID,
                        handshake(serverHello(null), concat(bytes(11), u24(5), u24(1), bytes(0, 0)))),
                Arguments.of(
                        TlsMalformedReason.CERTIFICATE_LIST_INVALID,
                        handshake(serverHello(null), concat(bytes(11), u24(8), u24(5), u24(9), bytes(0, 0)))),
                Arguments.of(
                        TlsMalformedReason.CERTIFICATE_DER_INVALID,
                        handshake(serverHello(null), certificateMessage(bytes(0x30, 0x80, 0, 0)))),
                Arguments.of(
                        TlsMalformedReason.CERTIFICATE_DER_INVALID,
                        handshake(
                                serverHello(null),
                                certificateMessage(certificate(true, der(0x30, bytes(0x30, 0)), cn)))),
                Arguments.of(
                        TlsMalformedReason.CERTIFICATE_NAME_TOO_LONG,
                        handshake(
                                serverHello(null),
                                certificateMessage(certificate(
                                        true, LETS_ENCRYPT_R3, der(0x30, rdn(x520(3, "y".repeat(5000)))))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFlights")
    void reportsTheBrokenInvariantOfAMalformedFlight(TlsMalformedReason expected, byte[] input) {
        TlsServerHelloParser roomy = new TlsServerHelloParser(64 * 1024);

        assertThat(roomy.feed(buf(input), 0, input.length)).isEqualTo(TlsParseStatus.MALFORMED);
        assertThat(roomy.malformedReason()).isEqualTo(expected);
    }

    @Test
    void neverThrowsOnRandomBytesOrRandomSplits() throws Exception {
        Random random = new Random(7);
        byte[] real = TlsMessages.javaServerFlight(keyStore, PASSWORD, "TLSv1.2");
        for (int round = 0; round < 2000; round++) {
            byte[] input = real.clone();
            if (round % 4 == 0) {
                input = new byte[random.nextInt(800)];
                random.nextBytes(input);
            } else {
                for (int flips = random.nextInt(4); flips >= 0; flips--) {
                    input[random.nextInt(Math.min(input.length, 900))] = (byte) random.nextInt(256);
                }
            }
            parser.reset();
            int from = 0;
            while (from < input.length && parser.status() == TlsParseStatus.NEED_MORE) {
                int n = 1 + random.nextInt(input.length - from);
                parser.feed(buf(input), from, n);
                from += n;
            }
            parser.ja3sString();
            parser.subjectAsString();
        }
    }
}
