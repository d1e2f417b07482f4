package org.gwlbinspect.appliance.sim;

/** Why a packet captured from a client or server did not go to the appliance. Labels are stable report keys. */
public enum CaptureDropReason {
    /** Not a decodable IPv4/IPv6 packet, so it has no flow. */
    INNER_UNDECODABLE("inner_undecodable"),
    /** Over 8500 bytes, GWLB's MTU (gwlb.md §3). */
    TOO_LARGE("too_large"),
    /** The kernel refused the GENEVE datagram (the send's errno is printed in the summary). */
    SEND_FAILED("send_failed");

    private final String label;

    CaptureDropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
