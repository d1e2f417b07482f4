package org.gwlbinspect.policy;

/**
 * A stateful rule group as the policy uses it (policy.md §1.2, §2.3, §2.4), with its rules as Suricata text for the
 * detect stage to parse and the variables those rules see.
 *
 * @param name {@code RuleGroupName} (the file name without extension for a shorthand file)
 * @param arn {@code RuleGroupArn}, or null for a shorthand file
 * @param priority the policy reference's {@code Priority}, 0 when not given (it only matters in strict order)
 * @param declaredCapacity {@code Capacity} from the describe output, 0 when not given
 * @param requiredCapacity capacity units the rules need (policy.md §5)
 * @param sourceKind which {@code RulesSource} member the rules came from
 * @param dropToAlert whether the reference sets {@code Override.Action = DROP_TO_ALERT}
 * @param rules the Suricata rules
 * @param variables the resolved variables of this group
 */
public record StatefulRuleGroup(
        String name,
        String arn,
        int priority,
        int declaredCapacity,
        int requiredCapacity,
        RulesSourceKind sourceKind,
        boolean dropToAlert,
        RulesText rules,
        RuleVariables variables) {}
