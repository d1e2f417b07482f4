package org.gwlbinspect.detect.engine;

/** What happens to a packet or a flow. {@link #NONE}: nothing decided yet. */
public enum Verdict {
    NONE,
    PASS,
    DROP,
    REJECT;

    private static final Verdict[] VALUES = values();

    static Verdict ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
