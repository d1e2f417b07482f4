package org.gwlbinspect.detect;

import java.util.ArrayList;
import java.util.List;

/**
 * One logical rule cut from a rules text: physical lines joined where a line ends with a backslash, with the 1-based
 * line and column of every character kept so problems point into the original text.
 */
record RuleText(String text, int[] lines, int[] columns) {

    /** Splits a rules text into logical rules, skipping blank lines and {@code #} comments. */
    static List<RuleText> split(String rulesText) {
        List<RuleText> out = new ArrayList<>();
        String[] physical = rulesText.split("\n", -1);
        StringBuilder text = new StringBuilder();
        List<int[]> positions = new ArrayList<>();
        for (int n = 0; n < physical.length; n++) {
            String line = physical[n];
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (text.isEmpty()) {
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
            }
            boolean continued = line.endsWith("\\");
            int length = continued ? line.length() - 1 : line.length();
            for (int i = 0; i < length; i++) {
                text.append(line.charAt(i));
                positions.add(new int[] {n + 1, i + 1});
            }
            if (continued && n + 1 < physical.length) continue;
            if (!text.toString().isBlank()) out.add(of(text.toString(), positions, n + 1, length + 1));
            text.setLength(0);
            positions.clear();
        }
        return out;
    }

    private static RuleText of(String text, List<int[]> positions, int lastLine, int endColumn) {
        int[] lines = new int[positions.size() + 1];
        int[] columns = new int[positions.size() + 1];
        for (int i = 0; i < positions.size(); i++) {
            lines[i] = positions.get(i)[0];
            columns[i] = positions.get(i)[1];
        }
        lines[positions.size()] = lastLine; // one past the end: where "missing ..." problems point
        columns[positions.size()] = endColumn;
        return new RuleText(text, lines, columns);
    }

    int line(int index) {
        return lines[clamp(index)];
    }

    int column(int index) {
        return columns[clamp(index)];
    }

    /** Index of the first non-blank character. */
    int start() {
        int i = 0;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
        return i;
    }

    private int clamp(int index) {
        return Math.max(0, Math.min(index, lines.length - 1));
    }
}
