package org.gwlbinspect.policy;

import java.util.List;

/**
 * A stateless action list: exactly one standard action plus custom action names (policy.md §1.1, §1.2).
 *
 * @param standard the standard action
 * @param customActionNames custom actions to fire, in the order given; resolved against the policy's
 *     {@code StatelessCustomActions} for defaults and the group's {@code CustomActions} for rules
 */
public record StatelessActions(StatelessAction standard, List<String> customActionNames) {
    public StatelessActions {
        customActionNames = List.copyOf(customActionNames);
    }
}
