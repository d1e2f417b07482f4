package org.gwlbinspect.flow;

/**
 * Told about every flow that ends, before its slot can be reused, so it may still read the flow through the table's
 * accessors ({@link FlowTable#readKey}, {@link FlowTable#packets}, {@link FlowTable#policyIndex}, ...).
 *
 * <p>Called on the housekeeping thread for {@link FlowEndReason#EXPIRED} and on a worker thread for
 * {@link FlowEndReason#EVICTED}: an implementation must not block or allocate per call (hand records to a
 * preallocated queue instead). An exception it throws is propagated after the slot has been released.
 */
@FunctionalInterface
public interface FlowEndListener {

    /** A listener that does nothing. */
    FlowEndListener NONE = (table, slot, reason, nowNanos) -> {};

    void onFlowEnd(FlowTable table, int slot, FlowEndReason reason, long nowNanos);
}
