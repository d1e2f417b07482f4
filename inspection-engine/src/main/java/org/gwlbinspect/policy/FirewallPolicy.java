package org.gwlbinspect.policy;

import java.util.List;

/**
 * A loaded, validated NFW firewall policy with its rule groups resolved (policy.md §1, §2): what the stateless engine
 * compiles and, for the stateful part, what the detect stage parses. Immutable.
 *
 * @param file the file it was loaded from
 * @param name {@code FirewallPolicyName}, or the file name for a shorthand file
 * @param arn {@code FirewallPolicyArn}, or null when not known
 * @param statelessGroups stateless groups in ascending policy priority
 * @param statelessDefaultActions for non-fragmented packets no stateless rule matched
 * @param statelessFragmentDefaultActions for UDP fragments no stateless rule matched
 * @param statelessCustomActions the policy's custom actions, which the default actions may name
 * @param engineOptions stateful engine options, defaults filled in
 * @param statefulDefaultActions strict-order default actions (empty in action order)
 * @param statefulGroups stateful groups: ascending priority in strict order, reference order otherwise
 * @param homeNet the policy's {@code HOME_NET} (its own or the configured default)
 */
public record FirewallPolicy(
        String file,
        String name,
        String arn,
        List<StatelessRuleGroup> statelessGroups,
        StatelessActions statelessDefaultActions,
        StatelessActions statelessFragmentDefaultActions,
        List<CustomAction> statelessCustomActions,
        StatefulEngineOptions engineOptions,
        List<StatefulDefaultAction> statefulDefaultActions,
        List<StatefulRuleGroup> statefulGroups,
        List<String> homeNet) {

    public FirewallPolicy {
        statelessGroups = List.copyOf(statelessGroups);
        statelessCustomActions = List.copyOf(statelessCustomActions);
        statefulDefaultActions = List.copyOf(statefulDefaultActions);
        statefulGroups = List.copyOf(statefulGroups);
        homeNet = List.copyOf(homeNet);
    }

    /**
     * Capacity units the policy reserves (policy.md §5): the sum of each group's declared capacity, or of what its
     * rules need when no capacity was declared (shorthand files).
     */
    public int capacity() {
        int total = 0;
        for (StatelessRuleGroup group : statelessGroups)
            total += group.declaredCapacity() > 0 ? group.declaredCapacity() : group.requiredCapacity();
        for (StatefulRuleGroup group : statefulGroups)
            total += group.declaredCapacity() > 0 ? group.declaredCapacity() : group.requiredCapacity();
        return total;
    }
}
