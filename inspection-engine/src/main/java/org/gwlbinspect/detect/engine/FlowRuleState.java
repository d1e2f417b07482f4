package org.gwlbinspect.detect.engine;

/**
 * The rule state of one flow: its flowbits (one bit per flowbit name, numbered by the {@link RuleEvaluator} at
 * construction) and the flow verdict once a flow-scoped pass/drop/reject matched. Encodes into two longs ({@link
 * #flowbits()} and {@link #verdictWord()}) so a flow table can keep it in its own storage and {@link #load} it back.
 * A state belongs to one policy generation: flowbit numbers differ between evaluators.
 */
public final class FlowRuleState {
    private long flowbits;
    private Verdict verdict = Verdict.NONE;

    /** Resets to a new flow: no flowbits, no verdict. */
    public void clear() {
        flowbits = 0;
        verdict = Verdict.NONE;
    }

    /** Restores a state saved with {@link #flowbits()} and {@link #verdictWord()}. */
    public void load(long flowbits, long verdictWord) {
        this.flowbits = flowbits;
        this.verdict = Verdict.ofOrdinal((int) verdictWord);
    }

    public long flowbits() {
        return flowbits;
    }

    /** The flow verdict as a long for storage. */
    public long verdictWord() {
        return verdict.ordinal();
    }

    public Verdict verdict() {
        return verdict;
    }

    void flowbits(long bits) {
        this.flowbits = bits;
    }

    void verdict(Verdict verdict) {
        this.verdict = verdict;
    }
}
