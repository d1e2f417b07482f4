package org.gwlbinspect.policy;

/** Which of the mutually exclusive {@code RulesSource} members a stateful rule group used (policy.md §1.2). */
public enum RulesSourceKind {
    /** {@code RulesString}: Suricata rules written by the user. */
    RULES_STRING,
    /** {@code StatefulRules[]}: one rule per entry, rendered to Suricata text. */
    STATEFUL_RULES,
    /** {@code RulesSourceList}: a domain list, rendered to the rules NFW generates. */
    RULES_SOURCE_LIST
}
