package org.gwlbinspect.detect;

/** The header's direction operator (policy.md §3.1). */
public enum Direction {
    /** {@code ->}: source to destination only. */
    FORWARD,
    /** {@code <>}: either way. */
    BOTH
}
