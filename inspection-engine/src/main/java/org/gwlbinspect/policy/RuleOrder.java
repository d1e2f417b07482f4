package org.gwlbinspect.policy;

/** How the stateful engine orders rules (policy.md §2.3, §2.4); NFW's {@code StatefulEngineOptions.RuleOrder}. */
public enum RuleOrder {
    /** Pass, then drop, reject, alert; then the {@code priority} keyword. Group priority is ignored. */
    DEFAULT_ACTION_ORDER,
    /** Groups by reference priority, rules as written; {@code StatefulDefaultActions} apply when none decided. */
    STRICT_ORDER
}
