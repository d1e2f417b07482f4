package org.gwlbinspect.appliance.sim;

/**
 * Why the simulated GWLB node refused a datagram from the appliance, as real GWLB does silently (gwlb.md §2). Labels
 * are stable: they are the keys of the report's {@code dropped} object.
 */
public enum ReplyDropReason {
    /**
     * Sent to another UDP port of the node than 6081: GWLB takes GENEVE on 6081 only (gwlb.md §1.1), and replies go to
     * 6081 whatever the flow's source port (§0 item 4).
     */
    WRONG_DESTINATION_PORT("wrong_destination_port"),
    /** The outer source address is not the appliance's: GWLB takes GENEVE from its registered targets only. */
    WRONG_SOURCE_ADDRESS("wrong_source_address"),
    /** Not a GENEVE header GWLB could have sent (version, lengths, protocol type, AWS options). */
    MALFORMED_GENEVE("malformed_geneve"),
    /** Inner packet over 8500 bytes: GWLB's MTU, dropped without ICMP (gwlb.md §0 item 9). */
    TOO_LARGE("too_large"),
    /** The inner packet is not a decodable IPv4/IPv6 packet, so it names no flow. */
    INNER_UNDECODABLE("inner_undecodable"),
    /** The endpoint ID option names no endpoint of this GWLB. */
    UNKNOWN_ENDPOINT("unknown_endpoint"),
    /** No flow with this endpoint and 5-tuple was sent to the appliance: appliances cannot open flows (gwlb.md §2.2). */
    UNKNOWN_FLOW("unknown_flow"),
    /** The outer UDP source port is not the one GWLB used for the flow (ports are echoed, not swapped: §2.1). */
    WRONG_OUTER_PORT("wrong_outer_port"),
    /** The header carries a cookie the flow had before: the flow was given a new one since (gwlb.md §0 item 5). */
    STALE_COOKIE("stale_cookie"),
    /** The GENEVE header is not byte for byte the one sent for the flow (other IDs, flags, options). */
    HEADER_MISMATCH("header_mismatch"),
    /** The node could not write the accepted packet toward its destination (tun write failed). */
    FORWARD_FAILED("forward_failed");

    private final String label;

    ReplyDropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
