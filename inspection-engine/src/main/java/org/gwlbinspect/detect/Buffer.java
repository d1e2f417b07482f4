package org.gwlbinspect.detect;

/**
 * What a content/pcre inspects: the packet/stream payload, or a sticky buffer selected before it (policy.md §3.5).
 * Only these buffers are modelled; the parser rejects the others by name.
 */
public enum Buffer {
    /** No sticky buffer: the packet payload or reassembled stream. */
    PAYLOAD("payload", null, Side.EITHER, false),
    TLS_SNI("tls.sni", RuleProtocol.TLS, Side.TO_SERVER, false),
    TLS_CERT_SUBJECT("tls.cert_subject", RuleProtocol.TLS, Side.TO_CLIENT, false),
    TLS_CERT_ISSUER("tls.cert_issuer", RuleProtocol.TLS, Side.TO_CLIENT, false),
    JA3_HASH("ja3.hash", RuleProtocol.TLS, Side.TO_SERVER, false),
    JA3_STRING("ja3.string", RuleProtocol.TLS, Side.TO_SERVER, false),
    /** Lowercased, port removed (policy.md §0 item 5). */
    HTTP_HOST("http.host", RuleProtocol.HTTP, Side.TO_SERVER, true),
    HTTP_HOST_RAW("http.host.raw", RuleProtocol.HTTP, Side.TO_SERVER, false),
    HTTP_URI("http.uri", RuleProtocol.HTTP, Side.TO_SERVER, false),
    HTTP_URI_RAW("http.uri.raw", RuleProtocol.HTTP, Side.TO_SERVER, false),
    HTTP_METHOD("http.method", RuleProtocol.HTTP, Side.TO_SERVER, false),
    HTTP_USER_AGENT("http.user_agent", RuleProtocol.HTTP, Side.TO_SERVER, false),
    HTTP_HEADER("http.header", RuleProtocol.HTTP, Side.TO_SERVER, false),
    HTTP_HEADER_NAMES("http.header_names", RuleProtocol.HTTP, Side.TO_SERVER, false),
    /** A multi-buffer: one instance per request header, {@code name: value}. */
    HTTP_REQUEST_HEADER("http.request_header", RuleProtocol.HTTP, Side.TO_SERVER, false),
    DNS_QUERY("dns.query", RuleProtocol.DNS, Side.TO_SERVER, false);

    /** The direction in which the buffer exists. */
    public enum Side {
        EITHER,
        TO_SERVER,
        TO_CLIENT
    }

    private final String keyword;
    private final RuleProtocol protocol;
    private final Side side;
    private final boolean lowercased;

    Buffer(String keyword, RuleProtocol protocol, Side side, boolean lowercased) {
        this.keyword = keyword;
        this.protocol = protocol;
        this.side = side;
        this.lowercased = lowercased;
    }

    /** The sticky-buffer keyword ({@code "payload"} for {@link #PAYLOAD}, which has none). */
    public String keyword() {
        return keyword;
    }

    /** The app protocol the buffer belongs to, null for {@link #PAYLOAD}. */
    public RuleProtocol protocol() {
        return protocol;
    }

    public Side side() {
        return side;
    }

    /** True when the engine lowercases the buffer, so {@code nocase} and uppercase patterns are rule errors. */
    public boolean lowercased() {
        return lowercased;
    }

    public boolean isSticky() {
        return this != PAYLOAD;
    }
}
