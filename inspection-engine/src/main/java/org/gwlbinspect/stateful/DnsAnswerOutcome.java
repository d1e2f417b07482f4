package org.gwlbinspect.stateful;

/** What destination binding did with a DNS response it saw (docs/destination-binding.md), with a stable label. */
public enum DnsAnswerOutcome {
    /** It answered a query the flow's client sent: its addresses were bound to its names. */
    ACCEPTED("accepted"),
    /** No outstanding query of the flow's client has its ID, type and name: ignored (spoofed, late or duplicate). */
    UNMATCHED("unmatched"),
    /** It came from a server outside {@code destinationBinding.resolvers}: ignored. */
    UNTRUSTED_RESOLVER("untrusted_resolver"),
    /** It could not be read (counted by reason too): ignored. */
    MALFORMED("malformed");

    private final String label;

    DnsAnswerOutcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
