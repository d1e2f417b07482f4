package org.gwlbinspect.l7;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz test of the HTTP request parser fed the fuzzer's bytes cut at points it chooses ({@link
 * FuzzedSegments}): it never throws, a terminal status sticks, any cut parses as the whole request, and {@code
 * http.host} keeps its contract (policy.md §0 item 5: lowercased, no port). Under Surefire it replays {@code
 * HttpRequestParserFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/security.md).
 */
class HttpRequestParserFuzzTest {
    private final HttpRequestParser whole = new HttpRequestParser();
    private final HttpRequestParser split = new HttpRequestParser();
    // A small buffer as well, so that inputs of a few hundred bytes reach the "buffer full" edges.
    private final HttpRequestParser smallWhole = new HttpRequestParser(128);
    private final HttpRequestParser smallSplit = new HttpRequestParser(128);
    private final byte[] header = new byte[2 * HttpRequestParser.DEFAULT_CAPACITY];

    @FuzzTest(maxDuration = "2m")
    void parsesAnyCutOfTheBytesAsTheWholeRequest(FuzzedDataProvider data) {
        FuzzedSegments input = FuzzedSegments.consume(data);
        check(input, whole, split);
        check(input, smallWhole, smallSplit);
    }

    private void check(FuzzedSegments input, HttpRequestParser whole, HttpRequestParser split) {
        whole.reset();
        split.reset();
        HttpParseStatus expected = whole.feed(input.whole(), FuzzedSegments.GUARD, input.message().length);
        HttpParseStatus status = HttpParseStatus.NEED_MORE;
        for (int i = 0; i < input.pieces(); i++) {
            HttpParseStatus next = split.feed(input.piece(i), FuzzedSegments.GUARD, input.pieceLength(i));
            if (status != HttpParseStatus.NEED_MORE)
                assertThat(next).as("a terminal status sticks").isEqualTo(status);
            status = next;
        }
        assertThat(status).isEqualTo(expected).isEqualTo(split.status());
        assertThat(split.malformedReason()).isEqualTo(whole.malformedReason());
        assertThat(split.malformedReason() == HttpMalformedReason.NONE).isEqualTo(status != HttpParseStatus.MALFORMED);
        if (status == HttpParseStatus.DONE) assertThat(fields(split)).isEqualTo(fields(whole));
    }

    /** The buffers rules and logs read, after checking their ranges and the http.host contract. */
    private String fields(HttpRequestParser p) {
        int block = p.headerBlockLength();
        assertThat(block).isBetween(1, p.buffer().length);
        assertThat(p.methodOffset() + p.methodLength()).isLessThanOrEqualTo(block);
        assertThat(p.uriLength()).isPositive();
        assertThat(p.uriOffset() + p.uriLength()).isLessThanOrEqualTo(block);
        assertThat(p.protocolOffset() + p.protocolLength()).isLessThanOrEqualTo(block);
        assertThat(p.requestLineOffset() + p.requestLineLength()).isLessThanOrEqualTo(block);
        assertThat(p.normalizedUriLength()).isBetween(0, p.normalizedUri().length);
        if (p.hostRawOffset() >= 0)
            assertThat(p.hostRawOffset() + p.hostRawLength()).isLessThanOrEqualTo(block);
        if (p.hasHost()) {
            // A request-target host loses its trailing dots (libhtp), so "http://../" gives an empty http.host.
            if (!p.hostFromUri()) assertThat(p.hostLength()).isPositive();
            if (p.host()[0] != '[') {
                for (int i = 0; i < p.hostLength(); i++) {
                    byte c = p.host()[i];
                    assertThat(c).as("http.host is lowercased and has no port").isNotEqualTo((byte) ':');
                    assertThat(c >= 'A' && c <= 'Z')
                            .as("http.host is lowercased")
                            .isFalse();
                }
            }
        }
        if (p.headerNamesLength() > 0) {
            assertThat(p.headerCount()).isPositive();
            assertThat(p.headerNamesAsString()).startsWith("\r\n").endsWith("\r\n\r\n");
        }
        StringBuilder s = new StringBuilder()
                .append("block=")
                .append(block)
                .append(" method=")
                .append(p.methodAsString())
                .append(" uri=")
                .append(p.uriAsString())
                .append(" normalized=")
                .append(p.normalizedUriAsString())
                .append(" protocol=")
                .append(p.protocolAsString())
                .append(" host=")
                .append(p.hostAsString())
                .append(" fromUri=")
                .append(p.hostFromUri())
                .append(" raw=")
                .append(p.hostRawAsString())
                .append(" agent=")
                .append(p.userAgentAsString())
                .append(" names=")
                .append(p.headerNamesAsString());
        for (int i = 0; i < p.headerCount(); i++) {
            assertThat(p.headerValueOffset(i) + p.headerValueLength(i)).isLessThanOrEqualTo(block);
            int n = p.copyRequestHeader(i, header);
            s.append(" [")
                    .append(new String(header, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1))
                    .append(']');
        }
        return s.toString();
    }
}
