package org.gwlbinspect.codec;

/**
 * Outcome of decoding one GENEVE datagram from GWLB: {@link #OK} or the one invariant the bytes broke.
 *
 * <p>Every malformed input maps to exactly one constant; decoders never throw on the data path. Each constant carries a
 * stable lowercase {@link #label()} used as a Prometheus label value
 * ({@code appliance_dropped_packets_total{reason="geneve_options_overrun"}}). Labels are never renamed once chosen and
 * {@link #OK} stays first; new constants are appended at the end, so existing ordinals never move.
 */
public enum DecodeStatus {
    /** The datagram decoded and every length it announces fits in the bytes received. */
    OK("ok"),

    // ---- GENEVE (RFC 8926 §3) ----

    /** The UDP payload is shorter than the 8-byte GENEVE base header (RFC 8926 §3.4). */
    GENEVE_TRUNCATED("geneve_truncated"),
    /** Ver is not 0, the only version RFC 8926 §3.4 defines. */
    GENEVE_BAD_VERSION("geneve_bad_version"),
    /** The O bit is set: a control message, not a data packet (RFC 8926 §3.4); GWLB never sends one. */
    GENEVE_OAM_PACKET("geneve_oam_packet"),
    /** Protocol Type is neither 0x0800 (IPv4) nor 0x86DD (IPv6); GWLB encapsulates at L3, never Ethernet 0x6558. */
    GENEVE_BAD_PROTOCOL_TYPE("geneve_bad_protocol_type"),
    /** Opt Len announces more option bytes than the datagram holds. */
    GENEVE_OPTIONS_OVERRUN("geneve_options_overrun"),
    /** One option's Length runs past the end of the options area (RFC 8926 §3.5). */
    GENEVE_OPTION_OVERRUN("geneve_option_overrun"),
    /** An option this decoder does not understand has the critical bit set: RFC 8926 §3.5 requires a drop. */
    GENEVE_CRITICAL_OPTION("geneve_critical_option"),
    /** An AWS option (class 0x0108, type 1, 2 or 3) has a length other than 8, 8 or 4 bytes. */
    GENEVE_BAD_AWS_OPTION_LENGTH("geneve_bad_aws_option_length"),
    /** An AWS option (class 0x0108, type 1, 2 or 3) appears more than once. */
    GENEVE_DUPLICATE_AWS_OPTION("geneve_duplicate_aws_option"),
    /** The GWLB endpoint ID option (class 0x0108 type 1) is absent. */
    GENEVE_MISSING_ENDPOINT_ID("geneve_missing_endpoint_id"),
    /** The attachment ID option (class 0x0108 type 2) is absent. */
    GENEVE_MISSING_ATTACHMENT_ID("geneve_missing_attachment_id"),
    /** The flow cookie option (class 0x0108 type 3) is absent: replies could not be matched by GWLB. */
    GENEVE_MISSING_FLOW_COOKIE("geneve_missing_flow_cookie"),

    // ---- inner IP packet (RFC 791, RFC 8200) ----

    /** Nothing follows the GENEVE header. */
    INNER_EMPTY("inner_empty"),
    /** The inner packet's version nibble disagrees with the GENEVE Protocol Type. */
    INNER_VERSION_MISMATCH("inner_version_mismatch"),
    /** Fewer bytes than the IPv4 header needs: under 20, or under IHL × 4 (RFC 791 §3.1). */
    INNER_IPV4_TRUNCATED("inner_ipv4_truncated"),
    /** IHL is below 5 words, the size of the fixed IPv4 header (RFC 791 §3.1). */
    INNER_IPV4_BAD_IHL("inner_ipv4_bad_ihl"),
    /** Total Length is smaller than the header, or larger than the bytes received (RFC 791 §3.1). */
    INNER_IPV4_BAD_TOTAL_LENGTH("inner_ipv4_bad_total_length"),
    /** Fewer than the 40 bytes of the fixed IPv6 header (RFC 8200 §3). */
    INNER_IPV6_TRUNCATED("inner_ipv6_truncated"),
    /** 40 + Payload Length exceeds the bytes received (RFC 8200 §3). */
    INNER_IPV6_BAD_PAYLOAD_LENGTH("inner_ipv6_bad_payload_length"),
    /** An IPv6 extension header runs past the end of the packet (RFC 8200 §4). */
    INNER_IPV6_EXTENSION_TRUNCATED("inner_ipv6_extension_truncated"),
    /** More IPv6 extension headers than the decoder walks (a bound against chains built to burn CPU). */
    INNER_IPV6_EXTENSION_CHAIN_TOO_LONG("inner_ipv6_extension_chain_too_long"),
    /** The TCP, UDP or ICMP header does not fit in an unfragmented packet or a first fragment (RFC 8200 §4.5). */
    INNER_L4_TRUNCATED("inner_l4_truncated"),
    /** TCP Data Offset is below 5 words, the size of the fixed TCP header (RFC 9293 §3.1). */
    INNER_TCP_BAD_DATA_OFFSET("inner_tcp_bad_data_offset"),
    /** A Hop-by-Hop Options header that does not immediately follow the IPv6 header (RFC 8200 §4.1). */
    INNER_IPV6_HOP_BY_HOP_NOT_FIRST("inner_ipv6_hop_by_hop_not_first"),
    /** An IPv6 fragment with M set whose length is not a multiple of 8 octets (RFC 8200 §4.5). */
    INNER_IPV6_FRAGMENT_BAD_LENGTH("inner_ipv6_fragment_bad_length"),
    /** Fragment offset plus length would reassemble beyond 65 535 octets (RFC 791 §3.1, RFC 8200 §4.5). */
    INNER_FRAGMENT_TOO_LARGE("inner_fragment_too_large"),
    /** UDP Length is below 8 or beyond the IP payload of an unfragmented datagram (RFC 768). */
    INNER_UDP_BAD_LENGTH("inner_udp_bad_length"),
    /** A second IPv6 Fragment header in one packet (RFC 8200 §4.1: at most once), a known evasion trick. */
    INNER_IPV6_DUPLICATE_FRAGMENT_HEADER("inner_ipv6_duplicate_fragment_header");

    private final String label;

    DecodeStatus(String label) {
        this.label = label;
    }

    /** The stable lowercase name of this outcome, used as a metrics label value. */
    public String label() {
        return label;
    }

    /** Whether this is {@link #OK}. */
    public boolean isOk() {
        return this == OK;
    }
}
