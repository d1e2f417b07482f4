package org.gwlbinspect.l7;

/**
 * Outcome of feeding bytes to {@link TlsClientHelloParser} or {@link TlsServerHelloParser}.
 *
 * <p>{@link #NEED_MORE} is the only non-terminal value: once a parser returns anything else it ignores further input
 * until {@code reset()}. When the status is {@link #MALFORMED} the parser's {@code malformedReason()} names the broken
 * invariant.
 */
public enum TlsParseStatus {
    /** The bytes so far are a valid prefix; feed the next in-order segment of this direction. */
    NEED_MORE,
    /** The message was parsed; its fields are available until {@code reset()}. */
    DONE,
    /** The first record header is not a TLS record carrying a handshake (see {@code sslv2ClientHello()}). */
    NOT_TLS,
    /** The bytes look like TLS but break one invariant, named by {@code malformedReason()}. */
    MALFORMED,
    /** The handshake message is larger than the parser's buffer: nothing was parsed. */
    TOO_LARGE
}
