package org.gwlbinspect.detect;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyProblem;
import org.gwlbinspect.policy.RuleOrder;
import org.gwlbinspect.policy.RuleVariables;

/** Shared fixtures: the variables of policy.md §1.3/§1.4 and parse helpers. */
final class Rules {
    static final String FILE = "group.json";
    static final String PATH = "$.RuleGroup.RulesSource.RulesString";

    static final RuleVariables VARIABLES = new RuleVariables(
            Map.of(
                    "HOME_NET", List.of("10.0.0.0/8", "192.168.0.0/16"),
                    "EXTERNAL_NET", List.of("!$HOME_NET"),
                    "HTTP_SERVERS", List.of("10.0.2.0/24", "10.0.1.19"),
                    "DNS_SERVERS", List.of("[10.0.0.2, 2001:db8::53]")),
            Map.of("HTTP_PORTS", List.of("80", "8080"), "HIGH_PORTS", List.of("1024:")),
            Map.of("CORP_PREFIXES", List.of("172.16.0.0/12")));

    private Rules() {}

    static List<Signature> parse(String text, RuleOrder order) throws PolicyException {
        return new SuricataRuleParser(VARIABLES, order).parse(text, FILE, PATH);
    }

    static List<Signature> parse(String text) throws PolicyException {
        return parse(text, RuleOrder.DEFAULT_ACTION_ORDER);
    }

    static Signature one(String rule) throws PolicyException {
        List<Signature> parsed = parse(rule);
        if (parsed.size() != 1) throw new AssertionError("expected one rule, got " + parsed.size());
        return parsed.get(0);
    }

    static List<PolicyProblem> problems(String text, RuleOrder order) {
        try {
            parse(text, order);
        } catch (PolicyException e) {
            return e.problems();
        }
        throw new AssertionError("expected problems in: " + text);
    }

    static List<PolicyProblem> problems(String text) {
        return problems(text, RuleOrder.DEFAULT_ACTION_ORDER);
    }

    static PolicyProblem problem(int line, int column, long sid, String message) {
        return new PolicyProblem(FILE, PATH, line, column, sid, message);
    }

    static void assertRejected(String text) {
        assertThatThrownBy(() -> parse(text)).isInstanceOf(PolicyException.class);
    }
}
