package org.gwlbinspect.policy.stateless;

/**
 * What one slot of the custom action counts array counts (policy.md §1.1): matches of a custom action, which NFW
 * publishes as a metric with dimension {@code CustomAction=dimensionValue}.
 *
 * @param groupName the rule group that defines the action, or null for the policy's {@code StatelessCustomActions}
 * @param actionName the {@code ActionName}
 * @param dimensionValue the metric dimension value
 */
public record CustomActionCounter(String groupName, String actionName, String dimensionValue) {}
