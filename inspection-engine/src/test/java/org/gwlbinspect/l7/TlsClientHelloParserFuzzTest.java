package org.gwlbinspect.l7;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz test of the ClientHello parser as reassembly feeds it: the fuzzer's bytes cut into segments at points it
 * chooses ({@link FuzzedSegments}). Whatever the bytes and the cuts, the parser does not throw, a terminal status sticks,
 * and the split message parses exactly as the whole one: same status, reason and fields, so cutting a ClientHello
 * differently cannot change the SNI a rule sees. Under Surefire it replays {@code TlsClientHelloParserFuzzTestInputs/};
 * {@code JAZZER_FUZZ=1 ./mvnw -pl inspection-engine -am test -Dtest=TlsClientHelloParserFuzzTest} fuzzes (docs/security.md).
 */
class TlsClientHelloParserFuzzTest {
    private final TlsClientHelloParser whole = new TlsClientHelloParser();
    private final TlsClientHelloParser split = new TlsClientHelloParser();
    // A small buffer as well, so that inputs of a few hundred bytes reach the "buffer full" edges.
    private final TlsClientHelloParser smallWhole = new TlsClientHelloParser(256);
    private final TlsClientHelloParser smallSplit = new TlsClientHelloParser(256);

    @FuzzTest(maxDuration = "2m")
    void parsesAnyCutOfTheBytesAsTheWholeMessage(FuzzedDataProvider data) {
        FuzzedSegments input = FuzzedSegments.consume(data);
        check(input, whole, split);
        check(input, smallWhole, smallSplit);
    }

    private void check(FuzzedSegments input, TlsClientHelloParser whole, TlsClientHelloParser split) {
        whole.reset();
        split.reset();
        TlsParseStatus expected = whole.feed(input.whole(), FuzzedSegments.GUARD, input.message().length);
        TlsParseStatus status = TlsParseStatus.NEED_MORE;
        for (int i = 0; i < input.pieces(); i++) {
            TlsParseStatus next = split.feed(input.piece(i), FuzzedSegments.GUARD, input.pieceLength(i));
            if (status != TlsParseStatus.NEED_MORE)
                assertThat(next).as("a terminal status sticks").isEqualTo(status);
            status = next;
        }
        assertThat(status).isEqualTo(expected).isEqualTo(split.status());
        assertThat(split.malformedReason()).isEqualTo(whole.malformedReason());
        assertThat(split.sslv2ClientHello()).isEqualTo(whole.sslv2ClientHello());
        assertThat(split.malformedReason() == TlsMalformedReason.NONE).isEqualTo(status != TlsParseStatus.MALFORMED);
        if (status == TlsParseStatus.DONE) {
            assertThat(fields(split)).isEqualTo(fields(whole));
        } else {
            assertThat(split.ja3String()).isNull(); // fields are defined after DONE only
        }
    }

    /** The fields rules and logs read, after checking that every range lies inside the message. */
    private static String fields(TlsClientHelloParser p) {
        int end = p.messageEnd();
        assertThat(end).isBetween(4, p.buffer().length);
        if (p.hasSni()) {
            assertThat(p.sniLength()).isPositive();
            assertThat(p.sniOffset() + p.sniLength()).isLessThanOrEqualTo(end);
        }
        if (p.extensionsOffset() >= 0)
            assertThat(p.extensionsOffset() + p.extensionsLength()).isEqualTo(end);
        if (p.hasAlpn()) assertThat(p.alpnOffset() + p.alpnLength()).isLessThanOrEqualTo(end);
        if (p.hasEncryptedClientHello())
            assertThat(p.echOffset() + p.echLength()).isLessThanOrEqualTo(end);
        assertThat(p.compressionMethodsOffset() + p.compressionMethodsLength()).isLessThanOrEqualTo(end);
        byte[] digest = new byte[16];
        assertThat(p.ja3Md5(digest)).isTrue();
        StringBuilder s = new StringBuilder()
                .append("record=")
                .append(p.recordVersion())
                .append(" legacy=")
                .append(p.legacyVersion())
                .append(" highest=")
                .append(p.highestSupportedVersion())
                .append(" end=")
                .append(end)
                .append(" sni=")
                .append(p.sniAsString())
                .append(" extensions=")
                .append(p.extensionCount())
                .append(" alpnH2=")
                .append(p.alpnOffers(new byte[] {'h', '2'}))
                .append(" ech=")
                .append(p.hasEncryptedClientHello())
                .append(" groups=")
                .append(p.supportedGroupCount())
                .append(" ja3=")
                .append(p.ja3String());
        for (int i = 0; i < p.cipherSuiteCount(); i++)
            s.append(i == 0 ? " suites=" : ",").append(p.cipherSuite(i));
        return s.toString();
    }
}
