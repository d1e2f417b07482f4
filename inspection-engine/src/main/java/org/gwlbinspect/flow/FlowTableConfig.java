package org.gwlbinspect.flow;

import java.time.Duration;
import java.util.Objects;

/**
 * Sizing and idle timeouts of the {@link FlowTable} and the {@link FragmentTracker} (gwlb.md §0 item 11, §3).
 *
 * @param capacity most flows tracked at once; the table sizes its slot index from it and evicts beyond it
 * @param tcpIdleTimeout idle time after which a TCP flow ends; must be at least GWLB's listener timeout (350 s default)
 * @param otherIdleTimeout idle time after which a non-TCP flow ends; GWLB uses 120 s
 * @param fragmentTimeout how long a first fragment's mapping lets later fragments find their flow
 */
public record FlowTableConfig(
        int capacity, Duration tcpIdleTimeout, Duration otherIdleTimeout, Duration fragmentTimeout) {

    /** Largest capacity: the table keeps all flows in one {@code long[]} of 24 longs per flow (3 GiB at this size). */
    public static final int MAX_CAPACITY = 1 << 24;

    // Upper bound so that timeouts fit comfortably in nanoseconds; GWLB's own TCP maximum is 6000 s.
    private static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    public FlowTableConfig {
        if (capacity < 1 || capacity > MAX_CAPACITY)
            throw new IllegalArgumentException(
                    "flows.capacity must be between 1 and " + MAX_CAPACITY + ", got " + capacity);
        checkTimeout("flows.tcpIdleTimeout", tcpIdleTimeout);
        checkTimeout("flows.otherIdleTimeout", otherIdleTimeout);
        checkTimeout("flows.fragmentTimeout", fragmentTimeout);
    }

    /** GWLB's defaults: 1 M flows, TCP 350 s, other protocols 120 s, fragments 30 s (as Linux {@code ipfrag_time}). */
    public static FlowTableConfig defaults() {
        return new FlowTableConfig(1 << 20, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
    }

    private static void checkTimeout(String key, Duration value) {
        Objects.requireNonNull(value, () -> key + " must be set");
        if (value.isNegative() || value.isZero())
            throw new IllegalArgumentException(key + " must be positive, got " + value);
        if (value.compareTo(MAX_TIMEOUT) > 0)
            throw new IllegalArgumentException(key + " must be at most " + MAX_TIMEOUT + ", got " + value);
    }
}
