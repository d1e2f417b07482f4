package org.gwlbinspect.appliance.learn;

/** The EVE field a name came from, and the domain list target type that matches it (policy.md §2.6). */
public enum NameSource {
    /** {@code tls.sni}: matched by {@code TLS_SNI} targets. */
    TLS_SNI("tls"),
    /** {@code http.hostname}: matched by {@code HTTP_HOST} targets. */
    HTTP_HOST("http");

    private final String label;

    NameSource(String label) {
        this.label = label;
    }

    /** {@code tls} or {@code http}, as the report prints it. */
    public String label() {
        return label;
    }
}
