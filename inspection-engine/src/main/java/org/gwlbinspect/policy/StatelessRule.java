package org.gwlbinspect.policy;

/**
 * One stateless rule (policy.md §1.2).
 *
 * @param priority unique in its group, lowest evaluated first
 * @param match what the packet must match
 * @param actions what happens when it does
 */
public record StatelessRule(int priority, StatelessMatch match, StatelessActions actions) {

    /** Capacity units this rule takes (policy.md §5). */
    public int capacity() {
        return match.capacity();
    }
}
