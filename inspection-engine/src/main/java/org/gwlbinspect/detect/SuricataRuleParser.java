package org.gwlbinspect.detect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyProblem;
import org.gwlbinspect.policy.RuleOrder;
import org.gwlbinspect.policy.RuleVariables;

/**
 * Parses a rule group's Suricata 7 rules text (policy.md §3) into {@link Signature}s. One rule per line, {@code #}
 * comments, blank lines and backslash continuations; every keyword is modelled or rejected by name, and every problem
 * of every rule is reported with its line, column and sid before anything is returned.
 */
public final class SuricataRuleParser {
    private final RuleOrder order;
    private final HeaderGroupParser groups;

    /**
     * @param variables the group's variables after policy inheritance (policy.md §1.4)
     * @param order the group's rule order ({@code priority} is rejected in strict order)
     */
    public SuricataRuleParser(RuleVariables variables, RuleOrder order) {
        this.order = order;
        this.groups = new HeaderGroupParser(variables);
    }

    /**
     * Parses {@code rulesText}, or throws with all problems found.
     *
     * @param file the file the text came from, copied into each problem
     * @param jsonPath the JSON path of the text in that file (e.g. {@code $.RuleGroup.RulesSource.RulesString}), or
     *     null for a plain rules file
     */
    public List<Signature> parse(String rulesText, String file, String jsonPath) throws PolicyException {
        List<PolicyProblem> problems = new ArrayList<>();
        List<Signature> signatures = new ArrayList<>();
        Map<Long, Integer> sidLines = new HashMap<>();
        for (RuleText rule : RuleText.split(rulesText)) {
            SignatureBuilder builder = new SignatureBuilder(rule, groups, order);
            Signature signature = builder.build();
            problems.addAll(builder.problems(file, jsonPath));
            if (builder.sidKnown()) {
                Integer first = sidLines.putIfAbsent(builder.sid(), rule.line(rule.start()));
                if (first != null)
                    problems.add(new PolicyProblem(
                            file,
                            jsonPath,
                            rule.line(builder.sidIndex()),
                            rule.column(builder.sidIndex()),
                            builder.sid(),
                            "duplicate sid " + builder.sid() + " (first at line " + first + ")"));
            }
            if (signature != null) signatures.add(signature);
        }
        if (!problems.isEmpty()) throw new PolicyException(problems);
        return List.copyOf(signatures);
    }
}
