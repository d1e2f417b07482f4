package org.gwlbinspect.flow;

/** Why a flow left the {@link FlowTable}; becomes the reason field of a flow log record. */
public enum FlowEndReason {
    /** No packet for the protocol's idle timeout (gwlb.md §0 item 11); removed by {@link FlowTable#expireIdle}. */
    EXPIRED("expired"),
    /** The table was full or the new flow's probe window had no free slot; the least recently seen candidate went. */
    EVICTED("evicted");

    private final String label;

    FlowEndReason(String label) {
        this.label = label;
    }

    /** Stable lower-case name for metrics labels and logs; add values, never rename them. */
    public String label() {
        return label;
    }
}
