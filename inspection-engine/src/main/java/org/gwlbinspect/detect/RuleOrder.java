package org.gwlbinspect.detect;

/**
 * The stateful rule order the group is evaluated in (policy.md §2.3, §2.4); the parser needs it because the
 * {@code priority} keyword is rejected in strict order.
 */
public enum RuleOrder {
    DEFAULT_ACTION_ORDER,
    STRICT_ORDER
}
