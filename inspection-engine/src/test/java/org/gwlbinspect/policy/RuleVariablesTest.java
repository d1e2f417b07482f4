package org.gwlbinspect.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleVariablesTest {
    private static final List<String> POLICY_HOME_NET = List.of("10.0.0.0/8", "fd00::/8");

    @Test
    void externalNetIsTheNegationOfThePolicyHomeNet() {
        RuleVariables variables = RuleVariables.resolve(POLICY_HOME_NET, Map.of(), Map.of(), Map.of());

        assertThat(variables.ipSets())
                .containsEntry("HOME_NET", POLICY_HOME_NET)
                .containsEntry("EXTERNAL_NET", List.of("![10.0.0.0/8,fd00::/8]"));
    }

    @Test
    void groupHomeNetDoesNotChangeExternalNet() {
        RuleVariables variables = RuleVariables.resolve(
                POLICY_HOME_NET, Map.of("HOME_NET", List.of("172.31.0.0/16")), Map.of(), Map.of());

        assertThat(variables.ipSets())
                .containsEntry("HOME_NET", List.of("172.31.0.0/16"))
                .containsEntry("EXTERNAL_NET", List.of("![10.0.0.0/8,fd00::/8]"));
    }

    @Test
    void groupExternalNetWins() {
        RuleVariables variables = RuleVariables.resolve(
                List.of("10.0.0.0/8"), Map.of("EXTERNAL_NET", List.of("0.0.0.0/0")), Map.of(), Map.of());

        assertThat(variables.ipSets())
                .containsEntry("HOME_NET", List.of("10.0.0.0/8"))
                .containsEntry("EXTERNAL_NET", List.of("0.0.0.0/0"));
    }

    @Test
    void singleHomeNetNegatesWithoutBrackets() {
        assertThat(RuleVariables.negation(List.of("10.0.0.0/8"))).isEqualTo("!10.0.0.0/8");
    }

    @Test
    void keepsGroupPortSetsAndResolvedReferences() {
        RuleVariables variables = RuleVariables.resolve(
                POLICY_HOME_NET,
                Map.of(),
                Map.of("HTTP_PORTS", List.of("80", "8080")),
                Map.of("PARTNERS", List.of("198.51.100.0/24")));

        assertThat(variables.portSets()).containsExactly(Map.entry("HTTP_PORTS", List.of("80", "8080")));
        assertThat(variables.ipSetReferences()).containsEntry("PARTNERS", List.of("198.51.100.0/24"));
    }
}
