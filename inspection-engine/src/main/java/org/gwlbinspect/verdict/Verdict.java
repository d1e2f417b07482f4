package org.gwlbinspect.verdict;

/** What happens to one packet after inspection. */
public enum Verdict {
    /** Return the packet to GWLB unchanged. */
    PASS,
    /** Do not return it (dropping is not sending, gwlb.md §0 item 8). */
    DROP,
    /** Do not return it, and answer TCP flows with RSTs carrying the flow's GENEVE header (issue #4). */
    REJECT
}
