package org.gwlbinspect.l7;

/**
 * Outcome of {@link DnsQueryParser}. {@link #NEED_MORE} (DNS over TCP only) is the only non-terminal value. There is
 * no "too large": a DNS message may be 64 KiB, but the first question always ends within its first 271 bytes (12-byte
 * header, a name of at most 255 bytes, type and class), so the parser never needs more than a fixed 512-byte buffer.
 */
public enum DnsParseStatus {
    /** The 2-byte length prefix or the start of the message has not fully arrived yet (TCP). */
    NEED_MORE,
    /** The header and the first question were read. */
    DONE,
    /** The header's opcode is unassigned or reserved (RFC 6895 §2.2), so these are not DNS messages we know. */
    NOT_DNS,
    /** The message breaks one invariant, named by {@code malformedReason()}. */
    MALFORMED
}
