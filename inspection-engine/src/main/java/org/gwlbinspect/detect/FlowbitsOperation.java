package org.gwlbinspect.detect;

import java.util.List;

/**
 * One {@code flowbits} keyword other than {@code noalert} (which sets {@link Signature#noalert()}). {@code isset} and
 * {@code isnotset} may name several bits joined by {@code |} (any of them).
 */
public record FlowbitsOperation(Operation operation, List<String> names) {

    public enum Operation {
        SET,
        ISSET,
        ISNOTSET,
        UNSET,
        TOGGLE
    }

    public FlowbitsOperation {
        names = List.copyOf(names);
    }

    /** True for {@code isset}/{@code isnotset}: a condition rather than an effect. */
    public boolean isCondition() {
        return operation == Operation.ISSET || operation == Operation.ISNOTSET;
    }
}
