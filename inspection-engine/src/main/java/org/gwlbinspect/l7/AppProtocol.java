package org.gwlbinspect.l7;

/**
 * What {@link AppProtocolDetector} decided from the first bytes of one direction: an application protocol, {@link
 * #UNKNOWN}, or {@link #NEED_MORE} when too few bytes arrived to tell. {@link #label()} is the EVE {@code app_proto}
 * value.
 */
public enum AppProtocol {
    /** Too few bytes to decide: call again with more of the same direction. */
    NEED_MORE("unknown"),
    TLS("tls"),
    HTTP("http"),
    DNS("dns"),
    SSH("ssh"),
    /** None of the known protocols: app-layer rules for them do not apply. */
    UNKNOWN("unknown");

    private final String label;

    AppProtocol(String label) {
        this.label = label;
    }

    /** EVE {@code app_proto} spelling. */
    public String label() {
        return label;
    }
}
