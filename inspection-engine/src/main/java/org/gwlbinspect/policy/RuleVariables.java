package org.gwlbinspect.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The variables one stateful rule group's rules see, resolved as policy.md §1.4 says: {@code HOME_NET} and {@code
 * EXTERNAL_NET} from the policy unless the group defines them, then the group's own sets.
 *
 * <p>Each value is a list of Suricata address (or port) expressions whose union is the variable, i.e. what
 * {@code [a,b,...]} means in a rule. The policy-level {@code EXTERNAL_NET} is the single expression
 * {@code !<policy HOME_NET>} (e.g. {@code ![10.0.0.0/8,fc00::/7]}), already expanded so that a group overriding
 * {@code HOME_NET} does not change it.
 *
 * @param ipSets {@code $NAME} address variables, including {@code HOME_NET} and {@code EXTERNAL_NET}
 * @param portSets {@code $NAME} port variables
 * @param ipSetReferences {@code @NAME} IP set references resolved to CIDRs (only those that could be resolved)
 */
public record RuleVariables(
        Map<String, List<String>> ipSets,
        Map<String, List<String>> portSets,
        Map<String, List<String>> ipSetReferences) {

    public RuleVariables {
        ipSets = copy(ipSets);
        portSets = copy(portSets);
        ipSetReferences = copy(ipSetReferences);
    }

    public RuleVariables(Map<String, List<String>> ipSets, Map<String, List<String>> portSets) {
        this(ipSets, portSets, Map.of());
    }

    /** No variables at all: every {@code $VAR} is undefined. */
    public static RuleVariables none() {
        return new RuleVariables(Map.of(), Map.of(), Map.of());
    }

    /**
     * Resolves a group's variables (policy.md §1.4): {@code HOME_NET} is the policy's and {@code EXTERNAL_NET} is
     * {@code !} the policy's {@code HOME_NET}, each unless the group's IP sets define it; the group's own sets win.
     *
     * @param policyHomeNet the policy's {@code HOME_NET} CIDRs (its own or the configured default)
     * @param groupIpSets the group's {@code RuleVariables.IPSets}
     * @param groupPortSets the group's {@code RuleVariables.PortSets}
     * @param resolvedReferences the group's {@code IPSetReferences} that could be resolved, name to CIDRs
     */
    public static RuleVariables resolve(
            List<String> policyHomeNet,
            Map<String, List<String>> groupIpSets,
            Map<String, List<String>> groupPortSets,
            Map<String, List<String>> resolvedReferences) {
        Map<String, List<String>> ipSets = new LinkedHashMap<>();
        ipSets.put("HOME_NET", policyHomeNet);
        ipSets.put("EXTERNAL_NET", List.of(negation(policyHomeNet)));
        ipSets.putAll(groupIpSets);
        return new RuleVariables(ipSets, groupPortSets, resolvedReferences);
    }

    /** {@code !a} or {@code ![a,b]}: everything outside the given addresses, as a Suricata address expression. */
    static String negation(List<String> addresses) {
        return addresses.size() == 1 ? "!" + addresses.get(0) : "![" + String.join(",", addresses) + "]";
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> in) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        in.forEach((name, values) -> out.put(name, List.copyOf(values)));
        return Collections.unmodifiableMap(out);
    }
}
