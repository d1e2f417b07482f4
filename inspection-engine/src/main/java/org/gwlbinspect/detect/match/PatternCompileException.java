package org.gwlbinspect.detect.match;

/**
 * A pattern that neither Hyperscan (not even as a prefilter) nor {@code java.util.regex} can compile, or a pattern set
 * Hyperscan refuses as a whole. Thrown off the data path; the policy compiler maps it to a policy problem naming the
 * rule that owns {@link #patternId()}.
 */
public final class PatternCompileException extends Exception {
    private static final long serialVersionUID = 1L;

    /** {@link #patternId()} when the error concerns the whole set rather than one pattern. */
    public static final int NO_PATTERN = -1;

    private final int patternId;
    private final String reason;

    PatternCompileException(int patternId, String pattern, String reason) {
        super((patternId == NO_PATTERN ? "pattern set" : "pattern " + patternId + " " + pattern) + ": " + reason);
        this.patternId = patternId;
        this.reason = reason;
    }

    /** The id the caller gave the failing pattern, or {@link #NO_PATTERN}. */
    public int patternId() {
        return patternId;
    }

    /** Why it failed, with the compiler's own message (for example "Hyperscan: Unterminated character class"). */
    public String reason() {
        return reason;
    }
}
