package org.gwlbinspect.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Generates the Suricata rules NFW generates for a domain list ({@code RulesSourceList}, policy.md §2.6), text for
 * text.
 *
 * <p>Rules come per target type in the order the types are given; within a type, one rule per target in list order,
 * then (allowlist in action order only) the type's catch-all drop rule. Sids count from 1 in that order. A target
 * with a leading dot matches the domain and its subdomains ({@code dotprefix} + {@code endswith}); any other target
 * matches exactly ({@code startswith} + {@code endswith}). TLS rules are {@code nocase} because {@code tls.sni} is raw;
 * HTTP rules are not, because {@code http.host} is already lowercased. {@code priority:1} only appears in action
 * order, where the keyword is allowed. NFW documents allowlists and denylists; reject and alert lists follow the same
 * shape with their own action and wording (an inference, as is the order with both target types).
 */
public final class DomainListRules {

    /**
     * One generated rule.
     *
     * @param text the rule, one line
     * @param targetIndex index in the targets of the domain this rule matches, or -1 for an allowlist's drop rule
     */
    public record GeneratedRule(String text, int targetIndex) {}

    private static final String HEADER = " $HOME_NET any -> $EXTERNAL_NET any (";
    private static final String TAIL = "flow:to_server, established; sid:";

    private DomainListRules() {}

    /** The rules for a domain list, in sid order (sid = position + 1). */
    public static List<GeneratedRule> generate(
            List<String> targets, List<DomainTargetType> targetTypes, GeneratedRulesType type, RuleOrder order) {
        String priority = order == RuleOrder.DEFAULT_ACTION_ORDER ? "priority:1; " : "";
        List<GeneratedRule> out = new ArrayList<>();
        for (DomainTargetType targetType : targetTypes) {
            String protocol = targetType == DomainTargetType.TLS_SNI ? "TLS" : "HTTP";
            String matched = "msg:\"matching " + protocol + " " + type.adjective() + " FQDNs\"; ";
            for (int i = 0; i < targets.size(); i++) {
                String target = targets.get(i);
                StringBuilder rule = new StringBuilder(type.ruleAction());
                if (targetType == DomainTargetType.TLS_SNI) {
                    rule.append(" tls").append(HEADER).append("ssl_state:client_hello; tls.sni; ");
                    rule.append(domainMatch(target, "nocase; "));
                } else {
                    rule.append(" http").append(HEADER).append("http.host; ");
                    rule.append(domainMatch(target, ""));
                }
                rule.append(matched).append(priority);
                out.add(new GeneratedRule(finish(rule, out.size() + 1), i));
            }
            if (type == GeneratedRulesType.ALLOWLIST && order == RuleOrder.DEFAULT_ACTION_ORDER) {
                String notMatched = "msg:\"not matching any " + protocol + " allowlisted FQDNs\"; ";
                StringBuilder rule = new StringBuilder("drop");
                if (targetType == DomainTargetType.TLS_SNI) {
                    rule.append(" tls").append(HEADER).append(notMatched).append(priority);
                    rule.append("ssl_state:client_hello; ");
                } else {
                    // The HTTP catch-all needs a buffer that exists for every request: the header names.
                    rule.append(" http").append(HEADER).append("http.header_names; content:\"|0d 0a|\"; startswith; ");
                    rule.append(notMatched).append(priority);
                }
                out.add(new GeneratedRule(finish(rule, out.size() + 1), -1));
            }
        }
        return out;
    }

    /** Capacity units of a domain list (policy.md §5): one per generated rule, counting the allowlist drop rules. */
    public static int capacity(int targets, int targetTypes, GeneratedRulesType type) {
        return targets * targetTypes + (type == GeneratedRulesType.ALLOWLIST ? targetTypes : 0);
    }

    private static String domainMatch(String target, String nocase) {
        if (target.startsWith(".")) return "dotprefix; content:\"" + target + "\"; " + nocase + "endswith; ";
        return "content:\"" + target + "\"; startswith; " + nocase + "endswith; ";
    }

    private static String finish(StringBuilder rule, int sid) {
        return rule.append(TAIL).append(sid).append("; rev:1;)").toString();
    }
}
