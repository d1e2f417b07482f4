package org.gwlbinspect.appliance.admin;

/** What {@link TaskAccess} decided for one request to an admin task, with the label it is counted under. */
public enum TaskAccessDecision {
    /** The peer is on loopback and loopback peers are trusted. */
    ALLOWED_LOOPBACK(true, 0, "allowed_loopback"),
    /** The request carried the configured bearer token. */
    ALLOWED_TOKEN(true, 0, "allowed_token"),
    /** 401: no bearer token, and one is configured. */
    MISSING_TOKEN(false, 401, "missing_token"),
    /** 401: a bearer token that is not the configured one (RFC 6750 §3.1 invalid_token). */
    INVALID_TOKEN(false, 401, "invalid_token"),
    /** 403: no token is configured, so only loopback peers may run tasks, and this one is not on loopback. */
    NOT_LOOPBACK(false, 403, "not_loopback");

    private final boolean allowed;
    private final int status;
    private final String label;

    TaskAccessDecision(boolean allowed, int status, String label) {
        this.allowed = allowed;
        this.status = status;
        this.label = label;
    }

    public boolean allowed() {
        return allowed;
    }

    /** HTTP status of the refusal; 0 when allowed. */
    public int status() {
        return status;
    }

    /** Stable Prometheus label value; add values, never rename them. */
    public String label() {
        return label;
    }
}
