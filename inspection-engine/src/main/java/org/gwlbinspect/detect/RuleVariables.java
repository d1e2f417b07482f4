package org.gwlbinspect.detect;

import java.util.List;
import java.util.Map;

/**
 * A rule group's variables after policy inheritance (policy.md §1.4): IP sets used as {@code $NAME}, port sets used as
 * {@code $NAME}, and IP set references used as {@code @NAME}. Each entry is a CIDR, {@code !CIDR}, {@code any}, a
 * nested {@code $VAR} or a bracketed group; several entries form one group. The caller resolves {@code EXTERNAL_NET}
 * (for example {@code ["!$HOME_NET"]} or {@code ["!10.0.0.0/8"]}).
 */
public record RuleVariables(
        Map<String, List<String>> ipSets,
        Map<String, List<String>> portSets,
        Map<String, List<String>> ipSetReferences) {

    public RuleVariables {
        ipSets = Map.copyOf(ipSets);
        portSets = Map.copyOf(portSets);
        ipSetReferences = Map.copyOf(ipSetReferences);
    }

    public RuleVariables(Map<String, List<String>> ipSets, Map<String, List<String>> portSets) {
        this(ipSets, portSets, Map.of());
    }

    /** No variables at all: every {@code $VAR} is undefined. */
    public static RuleVariables none() {
        return new RuleVariables(Map.of(), Map.of(), Map.of());
    }
}
