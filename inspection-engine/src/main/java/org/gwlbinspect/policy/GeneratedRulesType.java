package org.gwlbinspect.policy;

/** What a domain list does with matching domains (policy.md §2.6); NFW's {@code GeneratedRulesType}. */
public enum GeneratedRulesType {
    /** Pass listed domains; drop other traffic of the listed protocols (action order only). */
    ALLOWLIST("pass", "allowlisted"),
    /** Drop listed domains. */
    DENYLIST("drop", "denylisted"),
    /** Drop listed domains and reset the TCP connection. */
    REJECTLIST("reject", "rejectlisted"),
    /** Log listed domains; the verdict comes from other rules. */
    ALERTLIST("alert", "alertlisted");

    private final String ruleAction;
    private final String adjective;

    GeneratedRulesType(String ruleAction, String adjective) {
        this.ruleAction = ruleAction;
        this.adjective = adjective;
    }

    /** The Suricata action of the rules generated for the listed domains. */
    public String ruleAction() {
        return ruleAction;
    }

    /** The word used in the generated {@code msg}, e.g. {@code "matching TLS denylisted FQDNs"}. */
    public String adjective() {
        return adjective;
    }
}
