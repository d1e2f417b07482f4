package org.gwlbinspect.l7;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where a request's body ends, by its framing (RFC 9112 §6.3, §7.1), fed whole or byte by byte. */
class HttpBodySkipperTest {
    private static final String NEXT = "GET /next HTTP/1.1\r\n";

    /** Parses {@code headers}, then skips {@code rest} in pieces of {@code piece} bytes; returns the bytes skipped. */
    private static int skipped(String headers, String rest, int piece, HttpBodySkipper skipper) {
        HttpRequestParser http = new HttpRequestParser();
        byte[] h = headers.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(http.feed(Unpooled.wrappedBuffer(h), 0, h.length)).isEqualTo(HttpParseStatus.DONE);
        skipper.start(http);
        byte[] r = rest.getBytes(StandardCharsets.ISO_8859_1);
        int total = 0;
        for (int at = 0; at < r.length; at += piece) {
            int n = Math.min(piece, r.length - at);
            int k = skipper.skip(r, at, n);
            total += k;
            if (k < n) break;
        }
        return total;
    }

    /** As {@link #skipped}, each piece first offered unread, as a keep-alive connection's parser set does. */
    private static int skippedUnreadFirst(String headers, String rest, int piece, HttpBodySkipper skipper) {
        HttpRequestParser http = new HttpRequestParser();
        byte[] h = headers.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(http.feed(Unpooled.wrappedBuffer(h), 0, h.length)).isEqualTo(HttpParseStatus.DONE);
        skipper.start(http);
        byte[] r = rest.getBytes(StandardCharsets.ISO_8859_1);
        int total = 0;
        for (int at = 0; at < r.length; ) {
            int n = Math.min(piece, r.length - at);
            int k = skipper.skipUnread(n);
            if (k == 0) k = skipper.skip(r, at, n);
            if (k == 0) break;
            total += k;
            at += k;
        }
        return total;
    }

    @ParameterizedTest(name = "pieces of {0}")
    @ValueSource(ints = {1, 3, 7, 1000})
    void bodyBytesSkippedUnreadEndTheBodyWhereReadingThemDoes(int piece) {
        String length = "a=1&GET / HTTP/1.1\r\n";
        String lengthHeaders = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + length.length() + "\r\n\r\n";
        HttpBodySkipper s = new HttpBodySkipper();
        assertThat(skippedUnreadFirst(lengthHeaders, length + NEXT, piece, s)).isEqualTo(length.length());
        assertThat(s.done()).isTrue();

        String chunked = "4;name=v\r\nwiki\r\nA\r\n0123456789\r\n0\r\nExpires: never\r\n\r\n";
        String chunkedHeaders = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        HttpBodySkipper c = new HttpBodySkipper();
        assertThat(skippedUnreadFirst(chunkedHeaders, chunked + NEXT, piece, c)).isEqualTo(chunked.length());
        assertThat(c.done()).isTrue();
    }

    @ParameterizedTest(name = "pieces of {0}")
    @ValueSource(ints = {1, 3, 1000})
    void aContentLengthBodyEndsAfterThatManyBytes(int piece) {
        HttpBodySkipper s = new HttpBodySkipper();
        String body = "a=1&GET / HTTP/1.1\r\n";
        String headers = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n";
        assertThat(skipped(headers, body + NEXT, piece, s)).isEqualTo(body.length());
        assertThat(s.done()).isTrue();
    }

    @ParameterizedTest(name = "pieces of {0}")
    @ValueSource(ints = {1, 2, 1000})
    void aChunkedBodyEndsAfterItsLastChunkAndTrailers(int piece) {
        HttpBodySkipper s = new HttpBodySkipper();
        String body = "4;name=v\r\nwiki\r\nA\r\n0123456789\r\n0\r\nExpires: never\r\n\r\n";
        String headers = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, Chunked\r\nContent-Length: 3\r\n\r\n";
        assertThat(skipped(headers, body + NEXT, piece, s)).isEqualTo(body.length());
        assertThat(s.done()).isTrue();
    }

    @ParameterizedTest(name = "framing {index}")
    @ValueSource(
            strings = {
                "Content-Length: 1x",
                "Content-Length: 3\r\nContent-Length: 4",
                "Content-Length: -1",
                "Transfer-Encoding: gzip"
            })
    void aFramingItCannotFollowFails(String header) {
        HttpBodySkipper s = new HttpBodySkipper();
        assertThat(skipped("POST / HTTP/1.1\r\n" + header + "\r\n\r\n", "abc" + NEXT, 1000, s))
                .isZero();
        assertThat(s.failed()).isTrue();
    }

    @ParameterizedTest(name = "malformed chunk {index}")
    @ValueSource(strings = {"zz\r\n", "\r\n", "1234567890abcdef0\r\n", "4\r\nwikiXX"})
    void aMalformedChunkFails(String body) {
        HttpBodySkipper s = new HttpBodySkipper();
        skipped("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", body, 1, s);
        assertThat(s.failed()).isTrue();
    }

    @ParameterizedTest(name = "request {index}")
    @ValueSource(strings = {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"})
    void aRequestWithoutBodyIsFollowedByTheNextRequestAtOnce(String headers) {
        HttpBodySkipper s = new HttpBodySkipper();
        assertThat(skipped(headers, NEXT, 1, s)).isZero();
        assertThat(s.done()).isTrue();
    }
}
