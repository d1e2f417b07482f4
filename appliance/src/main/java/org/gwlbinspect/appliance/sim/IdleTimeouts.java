package org.gwlbinspect.appliance.sim;

import java.time.Duration;

/**
 * How long the simulated GWLB keeps an idle flow: GWLB's defaults are 350 s for TCP ({@code tcp.idle_timeout.seconds},
 * 60–6000) and 120 s for other protocols (gwlb.md §0 item 11). After that a reply of the flow is an unknown flow, and
 * its next packet from client or server starts a new flow with a new outer port and cookie.
 */
public record IdleTimeouts(Duration tcp, Duration other) {
    public static final IdleTimeouts GWLB_DEFAULTS = new IdleTimeouts(Duration.ofSeconds(350), Duration.ofSeconds(120));

    public IdleTimeouts {
        if (tcp.isNegative() || tcp.isZero() || other.isNegative() || other.isZero()) {
            throw new IllegalArgumentException("idle timeouts must be positive, got " + tcp + " and " + other);
        }
    }

    long nanosFor(int protocol) {
        return (protocol == 6 ? tcp : other).toNanos();
    }
}
