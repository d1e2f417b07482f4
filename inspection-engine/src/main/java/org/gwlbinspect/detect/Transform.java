package org.gwlbinspect.detect;

/** A transform applied to a sticky buffer before its contents are matched (policy.md §3.4). */
public enum Transform {
    /** Prepends {@code .}, so {@code endswith ".example.com"} matches the domain and its subdomains (§2.6). */
    DOTPREFIX("dotprefix"),
    TO_LOWERCASE("to_lowercase"),
    STRIP_WHITESPACE("strip_whitespace");

    private final String keyword;

    Transform(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }
}
