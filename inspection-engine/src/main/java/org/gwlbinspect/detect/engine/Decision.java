package org.gwlbinspect.detect.engine;

/**
 * The result of {@link RuleEvaluator#evaluate}: a verdict and whether it covers the whole flow (the evaluator has then
 * stored it in the {@link FlowRuleState}) or only this packet (policy.md §0 item 1, §3.3).
 */
public enum Decision {
    /** No rule and no default action decided: the packet passes (action order has no default drop, §2.3). */
    NO_DECISION(Verdict.NONE, false),
    PASS_PACKET(Verdict.PASS, false),
    PASS_FLOW(Verdict.PASS, true),
    DROP_PACKET(Verdict.DROP, false),
    DROP_FLOW(Verdict.DROP, true),
    REJECT_PACKET(Verdict.REJECT, false),
    REJECT_FLOW(Verdict.REJECT, true);

    private final Verdict verdict;
    private final boolean flowScoped;

    Decision(Verdict verdict, boolean flowScoped) {
        this.verdict = verdict;
        this.flowScoped = flowScoped;
    }

    /** The verdict, {@link Verdict#NONE} for {@link #NO_DECISION}. */
    public Verdict verdict() {
        return verdict;
    }

    /** True when the verdict applies to every later packet of the flow. */
    public boolean flowScoped() {
        return flowScoped;
    }

    /** The verdict the packet gets: {@link Verdict#PASS} when nothing decided. */
    public Verdict packetVerdict() {
        return verdict == Verdict.NONE ? Verdict.PASS : verdict;
    }

    static Decision of(Verdict verdict, boolean flowScoped) {
        return switch (verdict) {
            case NONE -> NO_DECISION;
            case PASS -> flowScoped ? PASS_FLOW : PASS_PACKET;
            case DROP -> flowScoped ? DROP_FLOW : DROP_PACKET;
            case REJECT -> flowScoped ? REJECT_FLOW : REJECT_PACKET;
        };
    }
}
