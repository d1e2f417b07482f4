package org.gwlbinspect.policy;

import java.util.List;

/** A policy that cannot be loaded, with every problem found (not just the first). */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<PolicyProblem> problems;

    public PolicyException(List<PolicyProblem> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public List<PolicyProblem> problems() {
        return problems;
    }

    private static String summary(List<PolicyProblem> problems) {
        if (problems.isEmpty()) return "invalid policy";
        StringBuilder out = new StringBuilder(problems.size() + " problem(s) in the policy:");
        for (PolicyProblem problem : problems) out.append("\n  ").append(problem);
        return out.toString();
    }
}
