package org.gwlbinspect.policy;

/**
 * One error found while loading a policy, precise enough to fix it: the file, where in it (a JSON path such as
 * {@code $.RuleGroups[2].RuleGroup.RulesSource.RulesString} and/or a 1-based line:column inside a rules text), the
 * rule's sid when known, and what was expected.
 *
 * @param file the file the problem is in (as given by the user)
 * @param jsonPath JSON path of the offending value, or null for plain rules files
 * @param line 1-based line inside the rules text or file, 0 when not applicable
 * @param column 1-based column, 0 when not applicable
 * @param sid the rule's sid, or 0 when unknown or not a rule
 * @param message what is wrong and what was expected
 */
public record PolicyProblem(String file, String jsonPath, int line, int column, long sid, String message) {

    /** {@code file: $.path: line 3:17: sid 42: message}, leaving out the parts that are not known. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(file == null ? "<policy>" : file);
        if (jsonPath != null) out.append(": ").append(jsonPath);
        if (line > 0) out.append(": line ").append(line).append(column > 0 ? ":" + column : "");
        if (sid > 0) out.append(": sid ").append(sid);
        return out.append(": ").append(message).toString();
    }
}
