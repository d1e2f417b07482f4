package org.gwlbinspect.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A stateless rule group as the policy uses it (policy.md §1.2, §2.2).
 *
 * @param name {@code RuleGroupName}
 * @param arn {@code RuleGroupArn}
 * @param priority the policy reference's {@code Priority}, lowest evaluated first
 * @param declaredCapacity {@code Capacity} from the describe output, 0 when not given
 * @param rules the rules; kept sorted by ascending priority
 * @param customActions the group's {@code CustomActions}, which its rules may name
 */
public record StatelessRuleGroup(
        String name,
        String arn,
        int priority,
        int declaredCapacity,
        List<StatelessRule> rules,
        List<CustomAction> customActions) {

    public StatelessRuleGroup {
        List<StatelessRule> sorted = new ArrayList<>(rules);
        sorted.sort(Comparator.comparingInt(StatelessRule::priority));
        rules = List.copyOf(sorted);
        customActions = List.copyOf(customActions);
    }

    /** Capacity units the rules need (policy.md §5): the sum over the rules. */
    public int requiredCapacity() {
        int total = 0;
        for (StatelessRule rule : rules) total += rule.capacity();
        return total;
    }
}
