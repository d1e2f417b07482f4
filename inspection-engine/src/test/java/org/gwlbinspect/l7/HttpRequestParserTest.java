package org.gwlbinspect.l7;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.l7.TlsMessages.buf;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpRequestParserTest {

    private final HttpRequestParser parser = new HttpRequestParser();

    private HttpParseStatus feed(String text) {
        byte[] bytes = text.getBytes(ISO_8859_1);
        return parser.feed(buf(bytes), 0, bytes.length);
    }

    @Test
    void lowercasesHostAndRemovesPortWhileRawKeepsBoth() {
        assertThat(feed("GET /index.html HTTP/1.1\r\nHost: Example.COM:8080\r\nAccept: */*\r\n\r\n"))
                .isEqualTo(HttpParseStatus.DONE);

        assertThat(parser.methodAsString()).isEqualTo("GET");
        assertThat(parser.uriAsString()).isEqualTo("/index.html");
        assertThat(parser.protocolAsString()).isEqualTo("HTTP/1.1");
        assertThat(parser.hostAsString()).isEqualTo("example.com");
        assertThat(parser.hostEquals("example.com".getBytes(US_ASCII))).isTrue();
        assertThat(parser.hostRawAsString()).isEqualTo("Example.COM:8080");
        assertThat(parser.hostFromUri()).isFalse();
    }

    @Test
    void trimsWhitespaceAroundTheHostHeaderValue() {
        feed("GET / HTTP/1.1\r\nHost:   example.com \t\r\n\r\n");

        assertThat(parser.hostAsString()).isEqualTo("example.com");
        assertThat(parser.hostRawAsString()).isEqualTo("example.com");
    }

    @Test
    void trimsWhitespaceBeforeThePortToo() {
        feed("GET / HTTP/1.1\r\nHost: example.com :8080\r\n\r\n");

        assertThat(parser.hostAsString()).isEqualTo("example.com");
    }

    @Test
    void keepsTheTrailingDotOfAHostHeader() {
        feed("GET / HTTP/1.1\r\nHost: Example.com.\r\n\r\n");

        assertThat(parser.hostAsString()).isEqualTo("example.com.");
    }

    @Test
    void prefersTheAbsoluteUriHostAndDropsItsTrailingDots() {
        assertThat(feed("GET http://user:pw@WWW.Example.com..:80/a/b?x=1 HTTP/1.1\r\nHost: other.example\r\n\r\n"))
                .isEqualTo(HttpParseStatus.DONE);

        assertThat(parser.hostAsString()).isEqualTo("www.example.com");
        assertThat(parser.hostRawAsString()).isEqualTo("WWW.Example.com..");
        assertThat(parser.hostFromUri()).isTrue();
        assertThat(parser.normalizedUriAsString()).isEqualTo("/a/b?x=1");
        assertThat(parser.uriAsString()).isEqualTo("http://user:pw@WWW.Example.com..:80/a/b?x=1");
    }

    @Test
    void fallsBackToTheHostHeaderWhenTheAbsoluteUriHasNoHost() {
        feed("GET http:///path HTTP/1.1\r\nHost: b.example\r\n\r\n");

        assertThat(parser.hostAsString()).isEqualTo("b.example");
        assertThat(parser.hostFromUri()).isFalse();
    }

    @Test
    void takesTheConnectTargetAsHost() {
        feed("CONNECT Tunnel.Example:443 HTTP/1.1\r\nHost: tunnel.example:443\r\n\r\n");

        assertThat(parser.hostAsString()).isEqualTo("tunnel.example");
        assertThat(parser.hostFromUri()).isTrue();
        assertThat(parser.normalizedUriLength()).isZero();
    }

    @Test
    void keepsIpv6LiteralBracketsAndCase() {
        feed("GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n\r\n");

        assertThat(parser.hostAsString()).isEqualTo("[2001:DB8::1]");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
                "GET / HTTP/1.1\r\nHost:   \r\n\r\n",
                "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"
            })
    void hasNoHostWhenHeaderIsMissingEmptyOrInvalid(String request) {
        assertThat(feed(request)).isEqualTo(HttpParseStatus.DONE);

        assertThat(parser.hasHost()).isFalse();
        assertThat(parser.hostAsString()).isNull();
    }

    @Test
    void buildsHeaderNamesAsSuricataDoes() {
        feed("POST /form HTTP/1.1\r\nHost: a.example\r\nUser-Agent: curl/8.5.0\r\nAccept: a\r\naccept: b\r\n"
                + "Content-Length: 0\r\n\r\n");

        assertThat(parser.headerNamesAsString())
                .isEqualTo("\r\nHost\r\nUser-Agent\r\nAccept\r\nContent-Length\r\n\r\n");
        assertThat(parser.headerCount()).isEqualTo(5);
    }

    @Test
    void hasNoHeaderNamesBufferWithoutHeaders() {
        assertThat(feed("GET / HTTP/1.0\r\n\r\n")).isEqualTo(HttpParseStatus.DONE);

        assertThat(parser.headerNamesLength()).isZero();
        assertThat(parser.headerCount()).isZero();
    }

    @Test
    void exposesUserAgentAndRequestHeaderLines() {
        feed("GET / HTTP/1.1\r\nHost: a.example\r\nUser-Agent:   Mozilla/5.0 (X11)  \r\nuser-agent: second\r\n\r\n");

        assertThat(parser.userAgentAsString()).isEqualTo("Mozilla/5.0 (X11)");
        byte[] line = new byte[64];
        int n = parser.copyRequestHeader(1, line);
        assertThat(new String(line, 0, n, US_ASCII)).isEqualTo("User-Agent: Mozilla/5.0 (X11)");
        assertThat(parser.copyRequestHeader(1, new byte[10])).isEqualTo(-1);
        assertThat(parser.requestLineLength()).isEqualTo("GET / HTTP/1.1".length());
    }

    @Test
    void writesHttpHeaderWithoutCookieAndOneRequestHeaderPerNameWithRepeatsJoinedAsLibhtp() {
        assertThat(feed("GET / HTTP/1.1\r\nHost: a.example\r\nAccept: text/html\r\nCookie: s=1\r\n"
                        + "accept: */*\r\nContent-Length: 2\r\nContent-Length: 3\r\nX-Empty:\r\n\r\n"))
                .isEqualTo(HttpParseStatus.DONE);
        HttpHeaderBuffers out = new HttpHeaderBuffers(HttpRequestParser.DEFAULT_CAPACITY);

        assertThat(parser.writeHeaderBuffers(out)).isTrue();
        assertThat(out.headerAsString())
                .isEqualTo("Host: a.example\r\nAccept: text/html, */*\r\nContent-Length: 2\r\nX-Empty: \r\n");
        assertThat(out.instanceCount()).isEqualTo(5);
        assertThat(java.util.stream.IntStream.range(0, 5).mapToObj(out::instanceAsString))
                .containsExactly(
                        "Host: a.example", "Accept: text/html, */*", "Content-Length: 2", "X-Empty: ", "Cookie: s=1");
    }

    @Test
    void writesNoHeaderBuffersBeforeTheHeaderBlockIsComplete() {
        feed("GET / HTTP/1.1\r\nHost: a.example\r\n");
        HttpHeaderBuffers out = new HttpHeaderBuffers(HttpRequestParser.DEFAULT_CAPACITY);

        assertThat(parser.writeHeaderBuffers(out)).isFalse();
        assertThat(out.instanceCount()).isZero();
        feed("\r\n");
        assertThat(parser.writeHeaderBuffers(new HttpHeaderBuffers(64)))
                .as("sized for a smaller parser")
                .isFalse();
        assertThat(parser.writeHeaderBuffers(out)).isTrue();
    }

    @Test
    void reassemblesAHeaderSplitMidLineAcrossSegments() {
        assertThat(feed("GET / HTTP/1.1\r\nHo")).isEqualTo(HttpParseStatus.NEED_MORE);
        assertThat(feed("st: Exa")).isEqualTo(HttpParseStatus.NEED_MORE);
        assertThat(feed("mple.com\r\n\r")).isEqualTo(HttpParseStatus.NEED_MORE);
        assertThat(feed("\n")).isEqualTo(HttpParseStatus.DONE);

        assertThat(parser.hostAsString()).isEqualTo("example.com");
    }

    @Test
    void parsesARequestFedByteByByte() {
        byte[] request = "GET /x HTTP/1.1\r\nHost: bytes.example\r\nUser-Agent: t\r\n\r\n".getBytes(US_ASCII);

        for (int i = 0; i < request.length - 1; i++) {
            assertThat(parser.feed(buf(request), i, 1)).isEqualTo(HttpParseStatus.NEED_MORE);
        }
        assertThat(parser.feed(buf(request), request.length - 1, 1)).isEqualTo(HttpParseStatus.DONE);
        assertThat(parser.hostAsString()).isEqualTo("bytes.example");
    }

    @Test
    void parsesOnlyTheFirstPipelinedRequestAndSaysWhereTheNextStarts() {
        String first = "GET /1 HTTP/1.1\r\nHost: one.example\r\n\r\n";
        assertThat(feed(first + "GET /2 HTTP/1.1\r\nHost: two.example\r\n\r\n")).isEqualTo(HttpParseStatus.DONE);

        assertThat(parser.hostAsString()).isEqualTo("one.example");
        assertThat(parser.headerBlockLength()).isEqualTo(first.length());
        assertThat(feed("more")).isEqualTo(HttpParseStatus.DONE);

        parser.reset();
        assertThat(feed("GET /2 HTTP/1.1\r\nHost: two.example\r\n\r\n")).isEqualTo(HttpParseStatus.DONE);
        assertThat(parser.hostAsString()).isEqualTo("two.example");
    }

    @Test
    void acceptsBareLineFeedsAndLeadingEmptyLines() {
        assertThat(feed("\r\n\nGET / HTTP/1.1\nHost: lf.example\n\n")).isEqualTo(HttpParseStatus.DONE);

        assertThat(parser.hostAsString()).isEqualTo("lf.example");
        assertThat(parser.requestLineOffset()).isEqualTo(3);
        assertThat(parser.headerBlockLength()).isEqualTo(36);
    }

    @Test
    void continuesAFoldedHeaderValue() {
        feed("GET / HTTP/1.1\r\nHost: a.example\r\nX-Long: one\r\n  two\r\n\r\n");

        assertThat(parser.headerCount()).isEqualTo(2);
        String value = new String(parser.buffer(), parser.headerValueOffset(1), parser.headerValueLength(1), US_ASCII);
        assertThat(value).isEqualTo("one\r\n  two");
    }

    @Test
    void normalisesThePathButNotTheQuery() {
        feed("GET /a/./b/../c/%41%2e%zz/..?q=%41/../ HTTP/1.1\r\nHost: a.example\r\n\r\n");

        assertThat(parser.normalizedUriAsString()).isEqualTo("/a/c/?q=%41/../");
    }

    @ParameterizedTest
    @CsvSource({
        "/a/b/c/./../../g, /a/g",
        "mid/content=5/../6, mid/6",
        "/.., /",
        "/a/., /a/",
        "../x, x",
        "., ''",
        "/%2e%2E/etc/passwd, /etc/passwd"
    })
    void removesDotSegmentsAsRfc3986Does(String path, String expected) {
        feed("GET " + path + " HTTP/1.1\r\n\r\n");

        assertThat(parser.normalizedUriAsString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\u0016\u0003\u0001\u0002\u0000\u0001",
                "SSH-2.0-OpenSSH_9.6\r\n",
                "GET /\r\n",
                "GET / FTP/1.0\r\n\r\n",
                " GET / HTTP/1.1\r\n\r\n",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH"
            })
    void rejectsWhatIsNotAnHttpRequest(String input) {
        assertThat(feed(input)).isEqualTo(HttpParseStatus.NOT_HTTP);
    }

    @Test
    void rejectsANonTokenMethodBeforeTheLineIsComplete() {
        assertThat(feed("GE(")).isEqualTo(HttpParseStatus.NOT_HTTP);
    }

    @Test
    void waitsWhileTheMethodIsStillPlausible() {
        assertThat(feed("PROPFIND")).isEqualTo(HttpParseStatus.NEED_MORE);
        assertThat(feed(" /x HTTP/1.1\r\n")).isEqualTo(HttpParseStatus.NEED_MORE);
    }

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                Arguments.of(HttpMalformedReason.REQUEST_TARGET_EMPTY, "GET HTTP/1.1\r\n\r\n"),
                Arguments.of(HttpMalformedReason.REQUEST_TARGET_EMPTY, "GET   HTTP/1.1\r\n\r\n"),
                Arguments.of(HttpMalformedReason.HEADER_WITHOUT_COLON, "GET / HTTP/1.1\r\nHost example.com\r\n\r\n"),
                Arguments.of(HttpMalformedReason.HEADER_NAME_EMPTY, "GET / HTTP/1.1\r\n: x\r\n\r\n"),
                Arguments.of(HttpMalformedReason.HEADER_FOLDING_AT_START, "GET / HTTP/1.1\r\n Host: a.example\r\n\r\n"),
                Arguments.of(
                        HttpMalformedReason.HOST_FOLDED,
                        "GET / HTTP/1.1\r\nHost: allowed.example\r\n .evil.example\r\n\r\n"),
                Arguments.of(
                        HttpMalformedReason.HOST_DUPLICATE,
                        "GET / HTTP/1.1\r\nHost: allowed.example\r\nhost: evil.example\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void reportsTheBrokenInvariantOfAMalformedRequest(HttpMalformedReason expected, String request) {
        assertThat(feed(request)).isEqualTo(HttpParseStatus.MALFORMED);
        assertThat(parser.malformedReason()).isEqualTo(expected);
    }

    @Test
    void reportsTooLargeWhenTheHeaderBlockExceedsTheBuffer() {
        HttpRequestParser small = new HttpRequestParser(256);
        byte[] request = ("GET / HTTP/1.1\r\nCookie: " + "c".repeat(300) + "\r\n\r\n").getBytes(US_ASCII);

        assertThat(small.feed(buf(request), 0, request.length)).isEqualTo(HttpParseStatus.TOO_LARGE);
    }

    @Test
    void reportsTooLargeBeyondTheHeaderCountBound() {
        StringBuilder request = new StringBuilder("GET / HTTP/1.1\r\n");
        for (int i = 0; i <= HttpRequestParser.MAX_HEADERS; i++) {
            request.append("X-").append(i).append(": v\r\n");
        }

        assertThat(feed(request.append("\r\n").toString())).isEqualTo(HttpParseStatus.TOO_LARGE);
    }

    @Test
    void neverThrowsOnRandomBytesOrRandomSplits() {
        Random random = new Random(42);
        byte[] real = "GET http://a.example:80/p/../q?x HTTP/1.1\r\nHost: A.example:1\r\nUser-Agent: u\r\n X\r\n\r\n"
                .getBytes(US_ASCII);
        HttpRequestParser small = new HttpRequestParser(64);
        byte[] alphabet = " \r\n:/.%[]@?#HTTPGEThost1".getBytes(US_ASCII);
        for (int round = 0; round < 5000; round++) {
            byte[] input;
            if (round % 2 == 0) {
                input = new byte[random.nextInt(200)];
                for (int i = 0; i < input.length; i++) {
                    input[i] =
                            random.nextBoolean() ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt();
                }
            } else {
                input = real.clone();
                for (int flips = random.nextInt(5); flips >= 0; flips--) {
                    input[random.nextInt(input.length)] = alphabet[random.nextInt(alphabet.length)];
                }
            }
            for (HttpRequestParser p : new HttpRequestParser[] {parser, small}) {
                p.reset();
                int from = 0;
                while (from < input.length && p.status() == HttpParseStatus.NEED_MORE) {
                    int n = 1 + random.nextInt(input.length - from);
                    p.feed(buf(input), from, n);
                    from += n;
                }
                if (p.status() == HttpParseStatus.DONE) {
                    for (int i = 0; i < p.headerCount(); i++) {
                        p.copyRequestHeader(i, new byte[256]);
                    }
                    p.hostAsString();
                }
            }
        }
    }
}
