package org.gwlbinspect.appliance.egress;

/**
 * What {@link RejectReplies#queueResets} did with one rejected packet. Each constant carries a stable lowercase
 * {@link #label()} for metrics; labels are never renamed, new constants are appended.
 */
public enum ResetOutcome {
    /** Both resets were built and queued on the sender. */
    QUEUED("queued"),
    /**
     * Nothing was done: the reset buffer or the sender's batch has no room for two more datagrams. Flush the sender,
     * call {@link RejectReplies#reclaimAfterFlush()}, and call again. Not a failure.
     */
    FLUSH_FIRST("flush_first"),
    /** The packet is not TCP: NFW rejects only TCP; anything else is just dropped (policy.md §2.7). */
    NOT_TCP("not_tcp"),
    /** A fragment after the first: no TCP header to answer. */
    NON_FIRST_FRAGMENT("non_first_fragment"),
    /** The packet is itself a reset, which is never answered. */
    OFFENDING_RESET("offending_reset"),
    /** The flow ended (expired or evicted) and its slot no longer holds it: no header to reply with. */
    STALE_SLOT("stale_slot"),
    /**
     * The flow's header or route kept changing while being read (another worker storing a newer packet's header); the
     * reject is not retried, the flow's next packet will be rejected again if the rule still matches.
     */
    HEADER_BUSY("header_busy"),
    /** The flow has no stored header (GWLB's was longer than the table keeps): nothing GWLB would accept. */
    NO_HEADER("no_header"),
    /**
     * The stored header does not decode, or its Protocol Type is not the packet's IP version: sending the reset would
     * make GWLB misread the inner packet. Cannot happen while flows are keyed by IP version (gwlb.md §0 item 6).
     */
    PROTOCOL_MISMATCH("protocol_mismatch");

    private final String label;

    ResetOutcome(String label) {
        this.label = label;
    }

    /** The stable lowercase name of this outcome, used as a metrics label value. */
    public String label() {
        return label;
    }

    /** Whether the reject went unanswered for good: anything but {@link #QUEUED} and {@link #FLUSH_FIRST}. */
    public boolean isFailure() {
        return this != QUEUED && this != FLUSH_FIRST;
    }
}
