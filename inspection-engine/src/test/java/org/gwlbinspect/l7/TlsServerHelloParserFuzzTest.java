package org.gwlbinspect.l7;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz test of the server-side parser (ServerHello, first certificate) fed the fuzzer's bytes cut at points it
 * chooses ({@link FuzzedSegments}): it never throws, a terminal status sticks, and any cut parses as the whole bytes.
 * Under Surefire it replays {@code TlsServerHelloParserFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes
 * (docs/security.md).
 */
class TlsServerHelloParserFuzzTest {
    private final TlsServerHelloParser whole = new TlsServerHelloParser();
    private final TlsServerHelloParser split = new TlsServerHelloParser();
    // A small buffer as well, so that inputs of a few hundred bytes reach the "buffer full" edges.
    private final TlsServerHelloParser smallWhole = new TlsServerHelloParser(512);
    private final TlsServerHelloParser smallSplit = new TlsServerHelloParser(512);

    @FuzzTest(maxDuration = "2m")
    void parsesAnyCutOfTheBytesAsTheWholeFlight(FuzzedDataProvider data) {
        FuzzedSegments input = FuzzedSegments.consume(data);
        check(input, whole, split);
        check(input, smallWhole, smallSplit);
    }

    private void check(FuzzedSegments input, TlsServerHelloParser whole, TlsServerHelloParser split) {
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
        assertThat(split.malformedReason() == TlsMalformedReason.NONE).isEqualTo(status != TlsParseStatus.MALFORMED);
        assertThat(fields(split)).isEqualTo(fields(whole));
    }

    private static String fields(TlsServerHelloParser p) {
        if (p.hasCertificate()) {
            assertThat(p.certificateOffset()).isNotNegative();
            assertThat(p.certificateOffset() + p.certificateLength()).isLessThanOrEqualTo(p.buffer().length);
            assertThat(p.serialOffset())
                    .isBetween(p.certificateOffset(), p.certificateOffset() + p.certificateLength());
            assertThat(p.serialOffset() + p.serialLength())
                    .isLessThanOrEqualTo(p.certificateOffset() + p.certificateLength());
        }
        assertThat(p.subjectLength()).isBetween(0, TlsServerHelloParser.NAME_CAPACITY);
        assertThat(p.issuerLength()).isBetween(0, TlsServerHelloParser.NAME_CAPACITY);
        if (p.status() != TlsParseStatus.DONE) return "status=" + p.status();
        return "record=" + p.recordVersion() + " version=" + p.negotiatedVersion() + " legacy=" + p.legacyVersion()
                + " selected=" + p.selectedVersion() + " suite=" + p.cipherSuite() + " encrypted="
                + p.certificateEncrypted() + " certificate=" + p.hasCertificate() + "@" + p.certificateOffset() + "+"
                + p.certificateLength() + " serial=" + p.serialOffset() + "+" + p.serialLength() + " subject="
                + p.subjectAsString() + " issuer=" + p.issuerAsString() + " ja3s=" + p.ja3sString();
    }
}
