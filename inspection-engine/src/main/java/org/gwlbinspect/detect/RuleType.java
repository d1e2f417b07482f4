package org.gwlbinspect.detect;

/**
 * Suricata 7's signature type (policy.md §3.3, {@code signature_properties}); it decides when a rule is evaluated and
 * whether its action covers the flow or the packet.
 */
public enum RuleType {
    /** Addresses/ports only (plus flowbits and meta keywords): first packet in each direction. */
    IP_ONLY(ActionScope.FLOW),
    /** Like {@link #IP_ONLY} but with a negated address: evaluated on every packet. */
    LIKE_IP_ONLY(ActionScope.FLOW),
    /** {@code app-layer-protocol} only: once per direction after protocol detection. */
    PD_ONLY(ActionScope.FLOW),
    /** Any packet keyword ({@code flow:}, {@code dsize}, {@code tcp.flags}, {@code ttl}, {@code ip_proto}...). */
    PACKET(ActionScope.PACKET),
    /** Payload content with {@code flow:only_stream}: the reassembled stream only. */
    STREAM(ActionScope.PACKET),
    /** Payload content without a sticky buffer: the stream, or the packet when there is no stream. */
    PACKET_STREAM(ActionScope.PACKET),
    /** App protocol in the header and/or sticky buffers or TLS state keywords: per transaction. */
    APP_LAYER(ActionScope.FLOW);

    private final ActionScope scope;

    RuleType(ActionScope scope) {
        this.scope = scope;
    }

    /**
     * The scope of a match that was not made in the reassembled stream. Stream and packet-stream rules act on the
     * flow only when they match in the stream: see {@link #scope(boolean)}.
     */
    public ActionScope scope() {
        return scope;
    }

    /** The scope of a match; {@code matchedInStream} says whether the payload matched in the reassembled stream. */
    public ActionScope scope(boolean matchedInStream) {
        if (matchedInStream && (this == STREAM || this == PACKET_STREAM)) return ActionScope.FLOW;
        return scope;
    }
}
