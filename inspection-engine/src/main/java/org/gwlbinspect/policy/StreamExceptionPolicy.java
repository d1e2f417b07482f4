package org.gwlbinspect.policy;

/** What the stateful engine does with TCP traffic it has no valid state for (policy.md §2.8). */
public enum StreamExceptionPolicy {
    /** Fail closed: drop the rest of the connection. NFW's default. */
    DROP,
    /** Keep evaluating rules without prior context. */
    CONTINUE,
    /** Drop and send a TCP RST to the client so it reconnects. */
    REJECT
}
