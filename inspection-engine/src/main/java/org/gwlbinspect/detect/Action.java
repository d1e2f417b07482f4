package org.gwlbinspect.detect;

/** A rule's action (policy.md §3.1): NFW accepts only these four. */
public enum Action {
    PASS("pass"),
    DROP("drop"),
    REJECT("reject"),
    ALERT("alert");

    private final String keyword;

    Action(String keyword) {
        this.keyword = keyword;
    }

    /** The action as written in a rule. */
    public String keyword() {
        return keyword;
    }
}
