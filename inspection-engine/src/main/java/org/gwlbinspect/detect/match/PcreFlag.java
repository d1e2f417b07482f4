package org.gwlbinspect.detect.match;

import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code pcre:"/re/flags"} modifiers that change what a regex matches (policy.md §3.4), as Suricata takes them
 * from PCRE. Suricata's own modifiers (relative {@code R}, buffer selectors such as {@code U} or {@code B}) are the
 * rule parser's business and never reach the matcher.
 */
public enum PcreFlag {
    /** {@code i}: case-insensitive (ASCII letters, as PCRE without UTF mode). */
    CASELESS('i'),
    /** {@code s}: {@code .} also matches a newline. */
    DOTALL('s'),
    /** {@code m}: {@code ^} and {@code $} also match at embedded newlines. */
    MULTILINE('m'),
    /** {@code x}: whitespace and {@code #} comments in the pattern are ignored. */
    EXTENDED('x');

    private final char letter;

    PcreFlag(char letter) {
        this.letter = letter;
    }

    /** The modifier letter as written after the closing {@code /}. */
    public char letter() {
        return letter;
    }

    /**
     * The flags named by {@code letters} (for example {@code "smi"}).
     *
     * @throws IllegalArgumentException for a letter that is not one of {@code i s m x}
     */
    public static Set<PcreFlag> parse(String letters) {
        Set<PcreFlag> flags = EnumSet.noneOf(PcreFlag.class);
        for (int i = 0; i < letters.length(); i++) {
            char c = letters.charAt(i);
            PcreFlag found = null;
            for (PcreFlag flag : values()) if (flag.letter == c) found = flag;
            if (found == null)
                throw new IllegalArgumentException("unknown pcre modifier '" + c + "' (matcher takes i, s, m, x)");
            flags.add(found);
        }
        return flags;
    }
}
