package org.gwlbinspect.policy;

/** Which protocol field a domain list inspects (policy.md §2.6); NFW's {@code TargetTypes} values. */
public enum DomainTargetType {
    /** The TLS ClientHello server name ({@code tls.sni}). */
    TLS_SNI,
    /** The HTTP host ({@code http.host}). */
    HTTP_HOST
}
