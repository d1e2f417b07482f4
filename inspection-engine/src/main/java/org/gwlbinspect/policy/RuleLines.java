package org.gwlbinspect.policy;

import java.util.regex.Pattern;

/** Facts about a Suricata rules text that loading needs before the detect stage parses it. */
final class RuleLines {
    private RuleLines() {}

    /**
     * The number of rules: non-blank lines that are not {@code #} comments, a line ending in {@code \} continuing on
     * the next (Suricata's multi-line rules). Each rule is one capacity unit (policy.md §5).
     */
    static int countRules(String text) {
        int rules = 0;
        boolean continued = false;
        for (String line : text.split("\n", -1)) {
            String trimmed = line.strip();
            boolean startsRule = !continued && !trimmed.isEmpty() && !trimmed.startsWith("#");
            if (startsRule) rules++;
            continued = (startsRule || continued) && trimmed.endsWith("\\");
        }
        return rules;
    }

    /** Whether the text uses {@code @name} as an IP set reference (not as a prefix of a longer name). */
    static boolean usesReference(String text, String name) {
        return Pattern.compile("@" + Pattern.quote(name) + "(?![A-Za-z0-9_])")
                .matcher(text)
                .find();
    }
}
