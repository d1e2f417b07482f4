package org.gwlbinspect.detect;

/** The {@code flow} keyword (policy.md §2.5, §3.4); {@link #NONE} when the rule has no {@code flow}. */
public record FlowCondition(FlowDirection direction, FlowState state, StreamRequirement stream) {

    /** No flow keyword: any direction, any state. */
    public static final FlowCondition NONE = new FlowCondition(FlowDirection.ANY, FlowState.ANY, StreamRequirement.ANY);

    /** {@code to_server}/{@code from_client} or {@code to_client}/{@code from_server}. */
    public enum FlowDirection {
        ANY,
        TO_SERVER,
        TO_CLIENT
    }

    /** {@code established}, {@code not_established}, {@code stateless}. */
    public enum FlowState {
        ANY,
        ESTABLISHED,
        NOT_ESTABLISHED,
        STATELESS
    }

    /** {@code only_stream} or {@code no_stream}. */
    public enum StreamRequirement {
        ANY,
        ONLY_STREAM,
        NO_STREAM
    }

    public boolean isNone() {
        return equals(NONE);
    }
}
