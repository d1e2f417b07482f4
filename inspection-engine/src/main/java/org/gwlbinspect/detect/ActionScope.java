package org.gwlbinspect.detect;

/** What a matching pass/drop/reject applies to (policy.md §0 item 1, §3.3). */
public enum ActionScope {
    /** The whole flow: later packets of the flow get the same action without inspection. */
    FLOW,
    /** Only the matching packet. */
    PACKET
}
