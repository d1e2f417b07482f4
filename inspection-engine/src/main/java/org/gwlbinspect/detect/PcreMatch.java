package org.gwlbinspect.detect;

import java.util.Set;

/**
 * {@code pcre:[!]"/regex/flags"}: the regex as written (rule-level escapes kept, PCRE syntax) with its supported
 * flags; Suricata's per-buffer flags ({@code U}, {@code H}, ...) are rejected in favour of sticky buffers.
 */
public record PcreMatch(String regex, Set<Flag> flags, boolean negated) implements BufferMatch {

    /** The supported pcre flags. */
    public enum Flag {
        CASELESS('i'),
        DOTALL('s'),
        MULTILINE('m'),
        EXTENDED('x'),
        ANCHORED('A'),
        DOLLAR_ENDONLY('E'),
        UNGREEDY('G'),
        /** Suricata {@code R}: match from the end of the previous match in the buffer. */
        RELATIVE('R');

        private final char letter;

        Flag(char letter) {
            this.letter = letter;
        }

        public char letter() {
            return letter;
        }
    }

    public PcreMatch {
        flags = Set.copyOf(flags);
    }

    public boolean relative() {
        return flags.contains(Flag.RELATIVE);
    }
}
