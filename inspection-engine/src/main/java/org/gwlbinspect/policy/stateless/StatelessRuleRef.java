package org.gwlbinspect.policy.stateless;

/**
 * Which rule a match index of {@link StatelessEngine} stands for.
 *
 * @param groupName the rule group's name
 * @param groupArn the rule group's ARN
 * @param rulePriority the rule's priority in its group
 */
public record StatelessRuleRef(String groupName, String groupArn, int rulePriority) {}
