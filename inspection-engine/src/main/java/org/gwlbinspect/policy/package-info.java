/**
 * Policy stage, loading: AWS Network Firewall policies read unchanged (policy.md §1) into an immutable {@link
 * org.gwlbinspect.policy.FirewallPolicy}.
 *
 * <p>Contract: {@link org.gwlbinspect.policy.PolicyBundleLoader} takes a policy bundle (describe-firewall-policy plus
 * describe-rule-group outputs), a {@code .rules} file or a domain list file, checks it and reports every problem with
 * its file, JSON path and position in one {@link org.gwlbinspect.policy.PolicyException}. Stateless groups come out
 * as rules for {@code policy.stateless}; stateful groups as Suricata text ({@link org.gwlbinspect.policy.RulesText},
 * domain lists and {@code StatefulRules} already rendered as NFW renders them) with their resolved {@link
 * org.gwlbinspect.policy.RuleVariables}, for the detect stage to parse. Nothing here runs on the data path.
 */
package org.gwlbinspect.policy;
