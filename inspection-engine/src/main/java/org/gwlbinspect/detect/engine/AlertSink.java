package org.gwlbinspect.detect.engine;

import org.gwlbinspect.detect.Action;

/**
 * Receives one call per logged match of a packet, after the packet's verdict is known (policy.md §4): every matching
 * drop/reject/alert rule without {@code noalert}, and pass rules with {@code alert}. Must not allocate on the hot path.
 */
@FunctionalInterface
public interface AlertSink {

    /** A sink that drops every alert. */
    AlertSink NONE = (ruleIndex, action, packetVerdict) -> {};

    /**
     * One logged match.
     *
     * @param ruleIndex the index in {@code CompiledPolicy.rules()}, or for a strict-order default alert action the
     *     negated sid NFW logs it under: {@link RuleEvaluator#DEFAULT_ALERT_STRICT} (-2), {@link
     *     RuleEvaluator#DEFAULT_ALERT_ESTABLISHED} (-4), {@link RuleEvaluator#DEFAULT_ALERT_ESTABLISHED_APP_LAYER} (-6),
     *     {@link RuleEvaluator#DEFAULT_ALERT_ESTABLISHED_APP_LAYER_TO_SERVER} (-8)
     * @param action the rule's action ({@link Action#ALERT} for default alert actions)
     * @param packetVerdict what happens to the packet ({@link Verdict#PASS} when nothing decided)
     */
    void alert(int ruleIndex, Action action, Verdict packetVerdict);
}
