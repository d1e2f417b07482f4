package org.gwlbinspect.appliance.learn;

/** What a name seen in an EVE record is, for an NFW domain list (policy.md §2.6, §5). */
public enum NameKind {
    /** Under a public suffix: it has a registrable domain and goes on the list. */
    REGISTRABLE(null),
    /** Itself a public suffix (a site on {@code github.io} itself): listed by its exact name only, never with a dot. */
    PUBLIC_SUFFIX(null),
    /** An IPv4 or IPv6 literal: domain lists never match addresses (policy.md §5). */
    IP_LITERAL("an IP address: domain lists match names only; allow it with an IP rule"),
    /** Not a host name (empty, bad characters or label lengths). */
    INVALID("not a valid host name"),
    /** Raw non-ASCII bytes: clients send internationalised names as xn-- labels, and NFW matches the bytes as sent. */
    NON_ASCII("not ASCII: clients send internationalised names as xn-- labels"),
    /** Ends with a dot: NFW compares the SNI or Host as sent, so no domain list entry matches it (policy.md §5). */
    TRAILING_DOT("ends with a dot: no NFW domain list entry matches it as sent"),
    /** Its top-level domain is not on the public suffix list (.internal, .test, a single label). */
    NO_PUBLIC_SUFFIX("under no public suffix (--include-unlisted groups it under its last two labels)");

    private final String reason;

    NameKind(String reason) {
        this.reason = reason;
    }

    /** Why a name of this kind is not put on the list; null for the kinds that are. */
    public String reason() {
        return reason;
    }

    /** Whether names of this kind go on the list. */
    public boolean listable() {
        return reason == null;
    }
}
