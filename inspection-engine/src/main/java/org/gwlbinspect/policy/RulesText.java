package org.gwlbinspect.policy;

import java.util.List;

/**
 * The Suricata rules of one stateful rule group, one rule per line, with the way back from a line of this text to
 * the place in the user's file it came from.
 *
 * <p>When {@code origins} is empty the text is what the user wrote ({@code RulesString} or a {@code .rules} file):
 * line {@code n} of the text is line {@code n} of the value at {@code jsonPath} (or of the file when {@code jsonPath}
 * is null). Otherwise the text was generated and line {@code n} came from {@code origins.get(n - 1)}.
 *
 * @param file the file the group was loaded from
 * @param jsonPath JSON path of the {@code RulesSource} member, or null for a plain file
 * @param text the rules, lines separated by {@code \n}
 * @param origins per generated line, where it came from; empty for user-written text
 */
public record RulesText(String file, String jsonPath, String text, List<LineOrigin> origins) {

    public RulesText {
        origins = List.copyOf(origins);
    }

    /** Whether the text was generated from JSON or a domain list (rather than written by the user). */
    public boolean generated() {
        return !origins.isEmpty();
    }

    /**
     * A problem at a 1-based line and column of {@link #text()}, pointing at the user's file. For generated text the
     * column means nothing to the user, so the generated rule is quoted in the message instead.
     */
    public PolicyProblem problemAt(int line, int column, long sid, String message) {
        if (origins.isEmpty() || line < 1 || line > origins.size())
            return new PolicyProblem(file, jsonPath, line, column, sid, message);
        LineOrigin origin = origins.get(line - 1);
        String rule = text.lines().skip(line - 1).findFirst().orElse("");
        return new PolicyProblem(
                file, origin.jsonPath(), origin.line(), 0, sid, message + " (in generated rule: " + rule + ")");
    }
}
