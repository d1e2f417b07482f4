package org.gwlbinspect.appliance.learn;

/**
 * A name as the allow-list sees it.
 *
 * @param name the name lowercased (TLS SNI rules are {@code nocase}, {@code http.host} is lowercase: policy.md §0 item 5)
 * @param kind what it is
 * @param registrableDomain its registrable domain in ASCII ({@code example.co.uk}, {@code alice.github.io}) for {@link
 *     NameKind#REGISTRABLE}, else null
 */
public record ClassifiedName(String name, NameKind kind, String registrableDomain) {}
