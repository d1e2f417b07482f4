package org.gwlbinspect.l7;

/**
 * Outcome of feeding bytes to {@link HttpRequestParser}. {@link #NEED_MORE} is the only non-terminal value; after any
 * other the parser ignores input until {@code reset()}.
 */
public enum HttpParseStatus {
    /** A valid prefix of a request header block; feed the next in-order segment. */
    NEED_MORE,
    /** Request line and headers are complete (the empty line was seen); fields are available until reset. */
    DONE,
    /** The bytes do not start an HTTP/1.x request: bad method token, or no {@code HTTP/} version on the line. */
    NOT_HTTP,
    /** An HTTP request that breaks one invariant, named by {@code malformedReason()}. */
    MALFORMED,
    /** The header block exceeds the buffer, or has more than {@link HttpRequestParser#MAX_HEADERS} headers. */
    TOO_LARGE
}
