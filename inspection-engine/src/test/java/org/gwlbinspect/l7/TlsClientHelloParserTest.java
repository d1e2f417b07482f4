package org.gwlbinspect.l7;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.l7.TlsMessages.buf;
import static org.gwlbinspect.l7.TlsMessages.bytes;
import static org.gwlbinspect.l7.TlsMessages.concat;
import static org.gwlbinspect.l7.TlsMessages.extension;
import static org.gwlbinspect.l7.TlsMessages.handshakeRecord;
import static org.gwlbinspect.l7.TlsMessages.sniExtension;
import static org.gwlbinspect.l7.TlsMessages.u16;
import static org.gwlbinspect.l7.TlsMessages.u24;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.gwlbinspect.codec.Vectors;
import org.gwlbinspect.l7.TlsMessages.ClientHelloBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TlsClientHelloParserTest {

    private static final Set<TlsMalformedReason> PRODUCED = EnumSet.noneOf(TlsMalformedReason.class);

    private final TlsClientHelloParser parser = new TlsClientHelloParser();

    private TlsParseStatus feedAll(byte[] bytes) {
        return parser.feed(buf(bytes), 0, bytes.length);
    }

    private static byte[] hello(Consumer<ClientHelloBuilder> change) {
        ClientHelloBuilder b = new ClientHelloBuilder();
        change.accept(b);
        return b.record();
    }

    @Test
    void extractsSniFromJavaTls13ClientHello() throws Exception {
        byte[] hello = TlsMessages.javaClientHello("www.example.com", "TLSv1.3", "TLSv1.2");

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("www.example.com");
        assertThat(parser.sniEquals("www.example.com".getBytes(US_ASCII))).isTrue();
        assertThat(parser.legacyVersion()).isEqualTo(0x0303);
        assertThat(parser.highestSupportedVersion()).isEqualTo(0x0304);
        assertThat(parser.supportedGroupCount()).isPositive();
        assertThat(parser.hasEncryptedClientHello()).isFalse();
        assertThat(parser.messageEnd()).isEqualTo(hello.length - 5);
    }

    @Test
    void extractsSniFromJavaTls12OnlyClientHello() throws Exception {
        byte[] hello = TlsMessages.javaClientHello("www.example.com", "TLSv1.2");

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("www.example.com");
        assertThat(parser.highestSupportedVersion()).isEqualTo(0x0303);
        assertThat(parser.cipherSuiteCount()).isPositive();
    }

    @Test
    void parsesOpenSslClientHelloAndComputesTheJa3TsharkComputes() {
        byte[] hello = Vectors.bytes("tls/openssl-client-hello-x-example.hex");

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("x.example");
        assertThat(parser.recordVersion()).isEqualTo(0x0301);
        assertThat(parser.sessionIdLength()).isEqualTo(32);
        assertThat(parser.cipherSuiteCount()).isEqualTo(31);
        assertThat(parser.extensionCount()).isEqualTo(10);
        assertThat(parser.highestSupportedVersion()).isEqualTo(0x0304);
        assertThat(parser.ecPointFormatCount()).isEqualTo(3);
        assertThat(parser.ja3String())
                .isEqualTo("771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-"
                        + "49187-49191-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,"
                        + "0-11-10-35-22-23-13-43-45-51,29-23-30-25-24-256-257-258-259-260,0-1-2");
        assertThat(parser.ja3Hash()).isEqualTo("a3afc2c46ba4a7d7fbe1cfb7a3031c2f");
    }

    @Test
    void reassemblesSniSplitAcrossThreeSegments() {
        byte[] hello = Vectors.bytes("tls/openssl-client-hello-x-example.hex");
        int sni = indexOf(hello, "x.example".getBytes(US_ASCII));
        int[] cuts = {sni - 3, sni + 4, hello.length};

        int from = 0;
        for (int i = 0; i < cuts.length; i++) {
            TlsParseStatus status = parser.feed(buf(hello), from, cuts[i] - from);
            assertThat(status).isEqualTo(i < cuts.length - 1 ? TlsParseStatus.NEED_MORE : TlsParseStatus.DONE);
            from = cuts[i];
        }
        assertThat(parser.sniAsString()).isEqualTo("x.example");
    }

    @Test
    void reassemblesClientHelloFragmentedOverManyRecordsFedByteByByte() throws Exception {
        byte[] single = TlsMessages.javaClientHello("split.example.org", "TLSv1.3");
        byte[] hello = TlsMessages.records(22, 0x0303, Arrays.copyOfRange(single, 5, single.length), 37);

        for (int i = 0; i < hello.length - 1; i++) {
            assertThat(parser.feed(buf(hello), i, 1)).isEqualTo(TlsParseStatus.NEED_MORE);
        }
        assertThat(parser.feed(buf(hello), hello.length - 1, 1)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("split.example.org");
        assertThat(parser.recordVersion()).isEqualTo(0x0303);
    }

    @Test
    void reportsNoSniWhenServerNameIsAbsent() {
        byte[] hello = hello(b -> b.extensions = extension(43, concat(bytes(2), u16(0x0304))));

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.hasSni()).isFalse();
        assertThat(parser.sniOffset()).isEqualTo(-1);
        assertThat(parser.sniAsString()).isNull();
        assertThat(parser.copySni(new byte[255])).isEqualTo(-1);
        assertThat(parser.sniEquals(new byte[0])).isFalse();
    }

    @Test
    void takesTheFirstOfTwoHostNamesAsSuricataDoes() {
        // Two host_name entries break RFC 6066 §3; Suricata reads the first and ignores the rest of the list.
        byte[] hello = hello(b -> b.extensions = extension(
                0,
                concat(
                        u16(24),
                        bytes(0),
                        u16(8),
                        "evil.com".getBytes(US_ASCII),
                        bytes(0),
                        u16(10),
                        "good.example".substring(0, 10).getBytes(US_ASCII))));

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("evil.com");
    }

    @Test
    void takesTheFirstHostNameAfterAnEntryOfAnotherType() {
        byte[] hello = hello(b -> b.extensions = extension(
                0,
                concat(u16(16), bytes(7), u16(2), bytes('x', 'y'), bytes(0), u16(8), "evil.com".getBytes(US_ASCII))));

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("evil.com");
    }

    @Test
    void acceptsHelloWithoutExtensionsBlock() {
        byte[] hello = hello(b -> b.withExtensionsBlock = false);

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.hasSni()).isFalse();
        assertThat(parser.extensionsOffset()).isEqualTo(-1);
        assertThat(parser.ja3String()).isEqualTo("771,4865-49199,,,");
    }

    @Test
    void notesEncryptedClientHelloAndKeepsTheOuterSni() {
        byte[] hello = hello(b -> b.extensions =
                concat(sniExtension("public.cdn.example"), extension(0xFE0D, bytes(0, 0, 1, 0, 1, 7, 0, 0, 0, 0))));

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.hasEncryptedClientHello()).isTrue();
        assertThat(parser.echLength()).isEqualTo(10);
        assertThat(parser.sniAsString()).isEqualTo("public.cdn.example");
    }

    @Test
    void keepsSniBytesAsSentAndMatchesThemIgnoringCase() {
        byte[] hello = hello(b -> b.extensions = sniExtension("WWW.Example.COM."));

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("WWW.Example.COM.");
        assertThat(parser.sniEquals("www.example.com.".getBytes(US_ASCII))).isFalse();
        assertThat(parser.sniEqualsIgnoreCase("www.example.com.".getBytes(US_ASCII)))
                .isTrue();
        byte[] copy = new byte[64];
        assertThat(parser.copySni(copy)).isEqualTo(16);
        assertThat(new String(copy, 0, 16, US_ASCII)).isEqualTo("WWW.Example.COM.");
        assertThat(parser.copySni(new byte[15])).isEqualTo(-1);
    }

    @Test
    void readsAlpnSupportedVersionsGroupsAndPointFormats() {
        byte[] hello = hello(b -> b.extensions = concat(
                extension(16, concat(u16(12), bytes(2, 'h', '2'), bytes(8), "http/1.1".getBytes(US_ASCII))),
                extension(43, concat(bytes(4), u16(0x0304), u16(0x0303))),
                extension(10, concat(u16(4), u16(0x001D), u16(0x11EC))),
                extension(11, bytes(1, 0))));

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.alpnOffers("h2".getBytes(US_ASCII))).isTrue();
        assertThat(parser.alpnOffers("http/1.1".getBytes(US_ASCII))).isTrue();
        assertThat(parser.alpnOffers("h3".getBytes(US_ASCII))).isFalse();
        assertThat(parser.supportedVersionCount()).isEqualTo(2);
        assertThat(parser.supportedVersion(1)).isEqualTo(0x0303);
        assertThat(parser.supportedGroup(1)).isEqualTo(0x11EC); // X25519MLKEM768
        assertThat(parser.ecPointFormat(0)).isZero();
    }

    @Test
    void leavesGreaseOutOfJa3() throws Exception {
        byte[] hello = hello(b -> {
            b.cipherSuites = concat(u16(0x0A0A), u16(0x1301), u16(0x1302));
            b.extensions = concat(
                    extension(0x2A2A, new byte[0]),
                    sniExtension("grease.example"),
                    extension(10, concat(u16(6), u16(0x3A3A), u16(29), u16(23))),
                    extension(11, bytes(1, 0)),
                    extension(43, concat(bytes(4), u16(0x4A4A), u16(0x0304))),
                    extension(0xFAFA, bytes(0)));
        });

        assertThat(feedAll(hello)).isEqualTo(TlsParseStatus.DONE);
        String ja3 = "771,4865-4866,0-10-11-43,29-23,0";
        assertThat(parser.ja3String()).isEqualTo(ja3);
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(ja3.getBytes(US_ASCII)));
        assertThat(parser.ja3Hash()).isEqualTo(md5);
        byte[] out = new byte[16];
        assertThat(parser.ja3Md5(out)).isTrue();
        assertThat(HexFormat.of().formatHex(out)).isEqualTo(md5);
        assertThat(parser.highestSupportedVersion()).isEqualTo(0x0304);
        byte[] string = new byte[TlsClientHelloParser.ja3MaxLength(TlsClientHelloParser.DEFAULT_CAPACITY)];
        int length = parser.writeJa3(string);
        assertThat(new String(string, 0, length, US_ASCII)).isEqualTo(ja3);
        assertThat(parser.writeJa3(new byte[ja3.length()]))
                .as("an array too short for the longest")
                .isEqualTo(-1);
    }

    @Test
    void hasNoJa3BeforeTheHelloIsComplete() {
        byte[] hello = hello(b -> {});
        parser.feed(buf(hello), 0, 20);

        assertThat(parser.ja3String()).isNull();
        assertThat(parser.ja3Hash()).isNull();
        assertThat(parser.writeJa3(new byte[TlsClientHelloParser.ja3MaxLength(TlsClientHelloParser.DEFAULT_CAPACITY)]))
                .isEqualTo(-1);
    }

    @Test
    void detectsSslv2CompatibleClientHelloAsNotTls() {
        // SSL 2.0 record: length 0x802e (high bit: 2-byte header), CLIENT-HELLO(1), version 3.1, then specs lengths
        byte[] v2 = bytes(0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10);

        assertThat(feedAll(v2)).isEqualTo(TlsParseStatus.NOT_TLS);
        assertThat(parser.sslv2ClientHello()).isTrue();
    }

    @Test
    void rejectsHttpAsNotTls() {
        assertThat(feedAll("GET / HTTP/1.1\r\n".getBytes(US_ASCII))).isEqualTo(TlsParseStatus.NOT_TLS);
        assertThat(parser.sslv2ClientHello()).isFalse();
    }

    @Test
    void waitsForAFullRecordHeaderBeforeDeciding() {
        assertThat(feedAll(bytes(0x16, 0x03))).isEqualTo(TlsParseStatus.NEED_MORE);
        assertThat(feedAll(new byte[0])).isEqualTo(TlsParseStatus.NEED_MORE);
    }

    @Test
    void reportsTooLargeAsSoonAsTheHandshakeLengthExceedsTheBuffer() {
        byte[] start = concat(bytes(0x16, 0x03, 0x01, 0x40, 0x00), bytes(1), u24(20_000), new byte[100]);

        assertThat(feedAll(start)).isEqualTo(TlsParseStatus.TOO_LARGE);
        assertThat(feedAll(start)).isEqualTo(TlsParseStatus.TOO_LARGE);
    }

    @Test
    void parsesAPostQuantumSizedHelloInASmallerCustomBuffer() {
        TlsClientHelloParser small = new TlsClientHelloParser(4096);
        byte[] keyShare = extension(51, concat(u16(1220), u16(0x11EC), u16(1216), new byte[1216]));
        byte[] hello = hello(b -> b.extensions = concat(sniExtension("pq.example"), keyShare));

        assertThat(small.feed(buf(hello), 0, 700)).isEqualTo(TlsParseStatus.NEED_MORE);
        assertThat(small.feed(buf(hello), 700, hello.length - 700)).isEqualTo(TlsParseStatus.DONE);
        assertThat(small.sniAsString()).isEqualTo("pq.example");
    }

    @Test
    void parsesTheHelloEvenWhenEarlyDataFollowsInTheSameSegment() {
        byte[] segment = concat(
                hello(b -> {}), bytes(0x14, 0x03, 0x03, 0x00, 0x01, 0x01), bytes(0x17, 0x03, 0x03, 0x00, 0x02, 9, 9));

        assertThat(feedAll(segment)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("www.example.com");
    }

    @Test
    void ignoresInputAfterDoneUntilReset() {
        byte[] first = hello(b -> b.extensions = sniExtension("first.example"));
        byte[] second = hello(b -> b.extensions = sniExtension("second.example"));
        assertThat(feedAll(first)).isEqualTo(TlsParseStatus.DONE);

        assertThat(feedAll(second)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("first.example");

        parser.reset();
        assertThat(parser.status()).isEqualTo(TlsParseStatus.NEED_MORE);
        assertThat(feedAll(second)).isEqualTo(TlsParseStatus.DONE);
        assertThat(parser.sniAsString()).isEqualTo("second.example");
    }

    static Stream<Arguments> malformedHellos() {
        byte[] valid = new ClientHelloBuilder().handshake();
        byte[] firstHalf = Arrays.copyOfRange(valid, 0, 20);
        byte[] secondHalf = Arrays.copyOfRange(valid, 20, valid.length);
        return Stream.of(
                Arguments.of(
                        TlsMalformedReason.RECORD_VERSION_INVALID,
                        concat(
                                TlsMessages.records(22, 0x0303, firstHalf, 100),
                                TlsMessages.records(22, 0x0201, secondHalf, 100))),
                Arguments.of(
                        TlsMalformedReason.RECORD_TYPE_UNKNOWN,
                        concat(
                                TlsMessages.records(22, 0x0303, firstHalf, 100),
                                TlsMessages.records(0x19, 0x0303, secondHalf, 100))),
                Arguments.of(
                        TlsMalformedReason.RECORD_TYPE_UNEXPECTED,
                        concat(TlsMessages.records(22, 0x0303, firstHalf, 100), bytes(0x14, 3, 3, 0, 1, 1))),
                Arguments.of(TlsMalformedReason.RECORD_TYPE_UNEXPECTED, bytes(0x17, 3, 3, 0, 2, 1, 2)),
                Arguments.of(TlsMalformedReason.ALERT_RECEIVED, bytes(0x15, 3, 3, 0, 2, 2, 40)),
                Arguments.of(TlsMalformedReason.RECORD_EMPTY, bytes(0x16, 3, 1, 0, 0)),
                Arguments.of(TlsMalformedReason.RECORD_OVERFLOW, bytes(0x16, 3, 1, 0x40, 0x01)),
                Arguments.of(TlsMalformedReason.HANDSHAKE_TYPE_UNEXPECTED, hello(b -> b.handshakeType = 2)),
                Arguments.of(
                        TlsMalformedReason.MESSAGE_TRUNCATED, handshakeRecord(concat(bytes(1), u24(10), new byte[10]))),
                Arguments.of(
                        TlsMalformedReason.MESSAGE_TRUNCATED,
                        handshakeRecord(concat(bytes(1), u24(36), u16(0x0303), new byte[32], bytes(0, 0)))),
                Arguments.of(TlsMalformedReason.SESSION_ID_TOO_LONG, hello(b -> b.sessionId = new byte[33])),
                Arguments.of(
                        TlsMalformedReason.CIPHER_SUITES_LENGTH_INVALID,
                        hello(b -> b.cipherSuites = bytes(0x13, 1, 0x13))),
                Arguments.of(TlsMalformedReason.CIPHER_SUITES_LENGTH_INVALID, hello(b -> b.cipherSuites = new byte[0])),
                Arguments.of(
                        TlsMalformedReason.COMPRESSION_METHODS_EMPTY, hello(b -> b.compressionMethods = new byte[0])),
                Arguments.of(
                        TlsMalformedReason.EXTENSIONS_LENGTH_MISMATCH,
                        hello(b -> b.extensionsLengthOverride = b.extensions.length - 1)),
                Arguments.of(
                        TlsMalformedReason.EXTENSION_TRUNCATED,
                        hello(b -> b.extensions = concat(u16(5), u16(10), new byte[3]))),
                Arguments.of(TlsMalformedReason.EXTENSION_TRUNCATED, hello(b -> b.extensions = bytes(0, 5, 0))),
                Arguments.of(
                        TlsMalformedReason.EXTENSION_DUPLICATE,
                        hello(b -> b.extensions = concat(sniExtension("a.example"), sniExtension("b.example")))),
                Arguments.of(
                        TlsMalformedReason.SERVER_NAME_LIST_INVALID,
                        hello(b ->
                                b.extensions = extension(0, concat(u16(9), bytes(0), u16(3), bytes('a', 'b', 'c'))))),
                Arguments.of(
                        TlsMalformedReason.SERVER_NAME_LIST_INVALID,
                        hello(b -> b.extensions =
                                extension(0, concat(u16(7), bytes(0), u16(5), bytes('a', 'b', 'c', 'd'))))),
                Arguments.of(
                        TlsMalformedReason.SERVER_NAME_LIST_INVALID, hello(b -> b.extensions = extension(0, u16(0)))),
                Arguments.of(
                        TlsMalformedReason.SERVER_NAME_EMPTY,
                        hello(b -> b.extensions = extension(0, concat(u16(3), bytes(0), u16(0))))),
                Arguments.of(
                        TlsMalformedReason.SUPPORTED_VERSIONS_INVALID,
                        hello(b -> b.extensions = extension(43, concat(bytes(3), u16(0x0304), bytes(3))))),
                Arguments.of(
                        TlsMalformedReason.ALPN_INVALID,
                        hello(b -> b.extensions = extension(16, concat(u16(3), bytes(0), bytes('h', '2'))))),
                Arguments.of(
                        TlsMalformedReason.SUPPORTED_GROUPS_INVALID,
                        hello(b -> b.extensions = extension(10, concat(u16(3), u16(29), bytes(0))))),
                Arguments.of(
                        TlsMalformedReason.EC_POINT_FORMATS_INVALID,
                        hello(b -> b.extensions = extension(11, bytes(2, 0)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedHellos")
    void reportsTheBrokenInvariantOfAMalformedHello(TlsMalformedReason expected, byte[] input) {
        assertThat(feedAll(input)).isEqualTo(TlsParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(expected);
        PRODUCED.add(expected);
    }

    @AfterAll
    static void everyClientSideReasonIsProducedByATest() {
        Set<TlsMalformedReason> clientSide =
                EnumSet.range(TlsMalformedReason.RECORD_VERSION_INVALID, TlsMalformedReason.EC_POINT_FORMATS_INVALID);
        clientSide.remove(TlsMalformedReason.SERVER_NAME_DUPLICATE); // no longer produced: the first name is taken
        if (!PRODUCED.isEmpty()) { // skipped when a single test method was selected
            assertThat(PRODUCED).containsAll(clientSide);
        }
    }

    @Test
    void neverThrowsOnRandomBytesOrRandomSplits() throws Exception {
        Random random = new Random(20240611);
        byte[] real = TlsMessages.javaClientHello("fuzz.example", "TLSv1.3");
        TlsClientHelloParser small = new TlsClientHelloParser(512);
        for (int round = 0; round < 3000; round++) {
            byte[] input;
            if (round % 3 == 0) {
                input = new byte[random.nextInt(600)];
                random.nextBytes(input);
                if (input.length > 5 && random.nextBoolean()) {
                    input[0] = 0x16;
                    input[1] = 3;
                    input[5] = 1;
                }
            } else {
                input = real.clone();
                for (int flips = random.nextInt(4); flips >= 0; flips--) {
                    input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                }
            }
            for (TlsClientHelloParser p : new TlsClientHelloParser[] {parser, small}) {
                p.reset();
                int from = 0;
                while (from < input.length) {
                    int n = 1 + random.nextInt(Math.max(1, input.length - from));
                    TlsParseStatus status = p.feed(buf(input), from, n);
                    from += n;
                    if (status != TlsParseStatus.NEED_MORE) {
                        break;
                    }
                }
                if (p.status() == TlsParseStatus.DONE) {
                    p.ja3String();
                    p.highestSupportedVersion();
                    p.alpnOffers(new byte[] {'h', '2'});
                }
            }
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
