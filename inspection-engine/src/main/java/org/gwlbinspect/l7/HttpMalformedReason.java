package org.gwlbinspect.l7;

/**
 * Why {@link HttpRequestParser} returned {@link HttpParseStatus#MALFORMED}, one invariant per constant with a stable
 * {@link #label()}. Constants are appended, never renamed; {@link #NONE} stays first.
 */
public enum HttpMalformedReason {
    /** Nothing is malformed. */
    NONE("none"),
    /** The request line has no request-target between method and version (RFC 9112 §3). */
    REQUEST_TARGET_EMPTY("http_request_target_empty"),
    /** A header line has no colon (RFC 9112 §5). */
    HEADER_WITHOUT_COLON("http_header_without_colon"),
    /** A header line starts with its colon: the field name is empty (RFC 9110 §5.1: token, at least one char). */
    HEADER_NAME_EMPTY("http_header_name_empty"),
    /** The first header line starts with whitespace: a continuation with nothing to continue (RFC 9112 §5.2). */
    HEADER_FOLDING_AT_START("http_header_folding_at_start"),
    /**
     * The Host header is continued on a folded line (RFC 9112 §5.2, obs-fold). Refused rather than guessed: how a server
     * joins the pieces decides which host it serves, so either guess could be an allowlist bypass.
     */
    HOST_FOLDED("http_host_folded"),
    /** More than one Host header (RFC 9112 §3.2: a server MUST answer 400); which one wins is server-specific. */
    HOST_DUPLICATE("http_host_duplicate");

    private final String label;

    HttpMalformedReason(String label) {
        this.label = label;
    }

    /** Stable lowercase name for metrics and logs. */
    public String label() {
        return label;
    }
}
