package org.gwlbinspect.l7;

/**
 * Why {@link DnsQueryParser} returned {@link DnsParseStatus#MALFORMED}, one invariant per constant with a stable
 * {@link #label()}. Constants are appended, never renamed; {@link #NONE} stays first.
 */
public enum DnsMalformedReason {
    /** Nothing is malformed. */
    NONE("none"),
    /** The message is shorter than the 12-byte header (RFC 1035 §4.1.1). */
    HEADER_TRUNCATED("dns_header_truncated"),
    /** QDCOUNT is 0: there is no question, so no {@code dns.query}. */
    NO_QUESTION("dns_no_question"),
    /** The first question's name, type or class runs past the end of the message. */
    QUESTION_TRUNCATED("dns_question_truncated"),
    /**
     * A label length octet of 64-191: its top bits are 01 or 10, which are not a label of at most 63 octets (RFC 1035
     * §3.1) but the obsolete extended label types (RFC 6891 §5).
     */
    LABEL_TOO_LONG("dns_label_too_long"),
    /** The name exceeds 255 octets in wire form, length octets and the final zero included (RFC 1035 §3.1). */
    NAME_TOO_LONG("dns_name_too_long"),
    /**
     * A compression pointer (RFC 1035 §4.1.4) that does not point strictly before every byte of the name read so far:
     * a forward pointer, a pointer to itself, or a loop. Real encoders only point back to names already written.
     */
    POINTER_NOT_BACKWARD("dns_pointer_not_backward"),
    /** A response carries more than one question: which one its answers belong to is ambiguous (RFC 9619). */
    MULTIPLE_QUESTIONS("dns_multiple_questions"),
    /** An answer record's name, fixed fields or RDATA runs past the end of the message (RFC 1035 §4.1.3). */
    ANSWER_TRUNCATED("dns_answer_truncated"),
    /** An A record whose RDATA is not 4 bytes, an AAAA not 16, or a CNAME whose name does not fill its RDATA. */
    BAD_RDATA_LENGTH("dns_bad_rdata_length");

    private final String label;

    DnsMalformedReason(String label) {
        this.label = label;
    }

    /** Stable lowercase name for metrics and logs. */
    public String label() {
        return label;
    }
}
