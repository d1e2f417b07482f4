package org.gwlbinspect.flow;

/** What {@link FlowTable#recordInbound} did with one inbound packet. */
public enum RecordResult {
    /** Counters, last-seen time, outer route and GENEVE header were all updated. */
    HEADER_STORED,
    /**
     * Counters and last-seen time were updated; another worker was copying a header of the same flow at that instant,
     * so this one was skipped. Both packets are equally recent, so either header carries a valid cookie.
     */
    HEADER_SKIPPED,
    /**
     * Counters and last-seen time were updated, but the header is longer than {@link FlowTable#HEADER_MAX_BYTES} and was
     * not stored (counted in {@link FlowTable#headersTooLong()}). The previously stored header is cleared, since its
     * cookie may be stale (gwlb.md §0 item 5): replies for this flow cannot be encapsulated until a short header
     * arrives.
     */
    HEADER_TOO_LONG,
    /** The flow ended (expired or evicted) after the lookup; nothing was recorded. Look the key up again. */
    FLOW_ENDED
}
