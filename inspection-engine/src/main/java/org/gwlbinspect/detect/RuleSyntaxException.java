package org.gwlbinspect.detect;

/** A problem inside one rule, thrown while parsing a header element or option and turned into a PolicyProblem. */
final class RuleSyntaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Index in the logical rule text the problem points at, or -1 for "the current option". */
    final int index;

    RuleSyntaxException(String message) {
        this(message, -1);
    }

    RuleSyntaxException(String message, int index) {
        super(message, null, false, false);
        this.index = index;
    }
}
