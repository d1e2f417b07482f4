package org.gwlbinspect.detect;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.OptionalInt;

/**
 * A {@code content} keyword with its modifiers (policy.md §3.4). {@code depth}/{@code offset} are absolute;
 * {@code distance}/{@code within} are relative to the previous match in the same buffer; {@code startswith} is
 * depth = length at offset 0 and {@code endswith} anchors the match at the buffer end.
 */
public record ContentMatch(
        byte[] pattern,
        boolean negated,
        boolean nocase,
        OptionalInt depth,
        OptionalInt offset,
        OptionalInt distance,
        OptionalInt within,
        boolean startsWith,
        boolean endsWith,
        boolean fastPattern)
        implements BufferMatch {

    public ContentMatch {
        pattern = pattern.clone();
    }

    /** A copy of the decoded bytes ({@code |hex|} and escapes resolved). */
    @Override
    public byte[] pattern() {
        return pattern.clone();
    }

    public int length() {
        return pattern.length;
    }

    /** True when a distance or within ties this content to the previous match. */
    public boolean relative() {
        return distance.isPresent() || within.isPresent();
    }

    /** The pattern as Latin-1 text, for tests and logs. */
    public String patternText() {
        return new String(pattern, StandardCharsets.ISO_8859_1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentMatch c
                && Arrays.equals(pattern, c.pattern)
                && negated == c.negated
                && nocase == c.nocase
                && depth.equals(c.depth)
                && offset.equals(c.offset)
                && distance.equals(c.distance)
                && within.equals(c.within)
                && startsWith == c.startsWith
                && endsWith == c.endsWith
                && fastPattern == c.fastPattern;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pattern) * 31 + Boolean.hashCode(negated);
    }

    @Override
    public String toString() {
        return "ContentMatch[" + (negated ? "!" : "") + "|"
                + HexFormat.ofDelimiter(" ").formatHex(pattern) + "|"
                + (nocase ? " nocase" : "")
                + depth.stream().mapToObj(v -> " depth " + v).findFirst().orElse("")
                + offset.stream().mapToObj(v -> " offset " + v).findFirst().orElse("")
                + distance.stream().mapToObj(v -> " distance " + v).findFirst().orElse("")
                + within.stream().mapToObj(v -> " within " + v).findFirst().orElse("")
                + (startsWith ? " startswith" : "") + (endsWith ? " endswith" : "")
                + (fastPattern ? " fast_pattern" : "") + "]";
    }
}
