package org.gwlbinspect.appliance.sim;

import java.time.Duration;

/**
 * When the simulated GWLB gives a flow a new flow cookie. Real GWLB assigns a new cookie when a 5-tuple is reused for a
 * new flow, and drops replies that still carry the old one (gwlb.md §0 item 5); rotating mid-flow makes that happen on
 * demand, so an appliance that copies the header of the flow's latest packet is exercised.
 *
 * @param everyPackets rotate after this many packets of the flow toward the appliance; 0 = never
 * @param every rotate when the flow's cookie is this old at its next packet; zero = never
 */
public record CookieRotation(long everyPackets, Duration every) {
    public static final CookieRotation NEVER = new CookieRotation(0, Duration.ZERO);

    public CookieRotation {
        if (everyPackets < 0) throw new IllegalArgumentException("cookie rotation packets must be >= 0");
        if (every.isNegative()) throw new IllegalArgumentException("cookie rotation interval must be >= 0");
    }

    boolean isDue(long packetsWithCookie, long cookieAgeNanos) {
        return (everyPackets > 0 && packetsWithCookie >= everyPackets)
                || (!every.isZero() && cookieAgeNanos >= every.toNanos());
    }
}
