package org.gwlbinspect.stateful;

import org.gwlbinspect.verdict.DropReason;

/**
 * What the stateful stage did with one packet, each with a stable Prometheus label (add values, never rename). Every
 * packet the stage sees is counted under exactly one outcome.
 */
public enum StatefulOutcome {
    /** The flow already had a pass verdict: not inspected (fast path). */
    FLOW_PASSED("fast_path_pass"),
    /** The flow already had a drop or reject verdict: dropped without inspection (fast path). */
    FLOW_DROPPED("fast_path_drop"),
    /** Evaluated; a pass rule matched. */
    RULE_PASS("pass"),
    /** Evaluated; no rule and no default action decided: passes (policy.md §2.3). */
    NO_DECISION("no_decision"),
    /** Evaluated; a drop rule or a default drop action dropped it. */
    DROP("drop"),
    /** Evaluated; a reject rule matched (RSTs for TCP, a drop otherwise). */
    REJECT("reject"),
    /** Reassembly found bytes that were not or could not be inspected (overlap conflict, gap, limits): dropped. */
    STREAM_UNSAFE_DROP("stream_unsafe_drop"),
    /** Stream exception policy DROP (midstream flow, reassembly memory exhausted): the flow is dropped. */
    STREAM_EXCEPTION_DROP("stream_exception_drop"),
    /** Stream exception policy REJECT: the flow is reset. */
    STREAM_EXCEPTION_REJECT("stream_exception_reject"),
    /** A non-first fragment of a flow without a verdict: passed with its first fragment's fate decided already. */
    FRAGMENT("fragment"),
    /**
     * A pass rule matched the flow's SNI or HTTP host, but its client was not told that name resolves to the flow's
     * destination, and destination binding enforces it: the flow is dropped (docs/destination-binding.md).
     */
    DESTINATION_BINDING_DROP("destination_binding_drop");

    private final String label;

    StatefulOutcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The data path's drop reason for a packet this outcome did not pass. */
    public DropReason dropReason() {
        return this == DESTINATION_BINDING_DROP ? DropReason.DESTINATION_BINDING : DropReason.POLICY_DROP;
    }
}
