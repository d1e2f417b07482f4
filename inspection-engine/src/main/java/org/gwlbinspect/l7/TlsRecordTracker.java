package org.gwlbinspect.l7;

import io.netty.buffer.ByteBuf;

/**
 * Follows the TLS record layer of one direction of a TCP stream by its record headers alone, from the stream's first
 * byte, to tell when the connection's encrypted part starts: the first complete application_data record (Suricata 7
 * {@code app-layer-ssl.c}, {@code SSLv3Decode}; docs/encrypted-tls.md).
 *
 * <pre>
 * TLSPlaintext / TLSCiphertext header (RFC 8446 §5.1, RFC 5246 §6.2)
 * +--------+--------+--------+--------+--------+---------------------------+
 * |  type  | major  | minor  |     length      | length bytes of fragment  |
 * +--------+--------+--------+--------+--------+---------------------------+
 * </pre>
 *
 * <p>Every header is checked: type change_cipher_spec, alert, handshake, application_data or heartbeat (20–24),
 * version 3.0–3.4, length at most 2^14 + 2048 (the TLSCiphertext limit), 0 only for application data (RFC 5246
 * §6.2.1 allows empty application-data fragments; they do not count as encrypted data). Record bodies are skipped
 * unread. A header that breaks one of these, or a byte not seen in order (a gap), makes the walk {@link #broken()} for
 * good: the stream no longer looks like TLS, so it never counts as encrypted and its payload stays inspected.
 *
 * <p>One instance per stream direction, reset when the direction's state goes back to its pool; allocation-free.
 */
public final class TlsRecordTracker {
    static final int HEADER_LENGTH = 5;
    /** RFC 5246 §6.2.3: the length of a TLSCiphertext fragment MUST NOT exceed 2^14 + 2048. */
    static final int MAX_RECORD_LENGTH = (1 << 14) + 2048;

    static final int CHANGE_CIPHER_SPEC = 20;
    static final int APPLICATION_DATA = 23;
    static final int HEARTBEAT = 24;

    /** Stream offset of the next byte expected. */
    private long nextOffset;
    /** Header bytes of the current record collected so far (0 while a body is being skipped or none started). */
    private int headerFill;

    private int type;
    private int version;
    private int recordLength;
    /** Body bytes of the current record still to skip. */
    private int bodyRemaining;
    /** A non-empty application_data record was completed since {@link #takeApplicationData()} last returned. */
    private boolean applicationData;

    private long records;
    /**
     * Written by the worker that walks this direction, read by the one that walks the other: a flow stops payload
     * inspection only while neither direction's walk is broken.
     */
    private volatile TlsMalformedReason reason = TlsMalformedReason.NONE;

    public TlsRecordTracker() {
        reset();
    }

    public void reset() {
        nextOffset = 0;
        headerFill = 0;
        type = 0;
        version = 0;
        recordLength = 0;
        bodyRemaining = 0;
        applicationData = false;
        records = 0;
        reason = TlsMalformedReason.NONE;
    }

    /**
     * Walks the next in-order bytes of the direction, {@code streamOffset} being the stream position of the first
     * (absolute indexes; the buffer's indexes are not moved). Bytes that do not continue where the walk stopped break
     * it ({@link TlsMalformedReason#RECORD_STREAM_GAP}).
     */
    public void feed(ByteBuf buf, int offset, int length, long streamOffset) {
        if (broken() || length <= 0) return;
        if (streamOffset != nextOffset) {
            reason = TlsMalformedReason.RECORD_STREAM_GAP;
            return;
        }
        nextOffset += length;
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (bodyRemaining > 0) {
                int n = Math.min(bodyRemaining, end - pos);
                bodyRemaining -= n;
                pos += n;
                if (bodyRemaining == 0) recordDone();
                continue;
            }
            int b = buf.getUnsignedByte(pos++);
            switch (headerFill++) {
                case 0 -> type = b;
                case 1 -> version = b << 8;
                case 2 -> version |= b;
                case 3 -> recordLength = b << 8;
                default -> {
                    recordLength |= b;
                    headerFill = 0;
                    if (!headerValid()) return;
                    records++;
                    bodyRemaining = recordLength;
                    if (bodyRemaining == 0) recordDone();
                }
            }
        }
    }

    private boolean headerValid() {
        if (type < CHANGE_CIPHER_SPEC || type > HEARTBEAT) {
            reason = TlsMalformedReason.RECORD_TYPE_UNKNOWN;
        } else if ((version >>> 8) != 3 || (version & 0xFF) > 4) {
            reason = TlsMalformedReason.RECORD_VERSION_INVALID;
        } else if (recordLength > MAX_RECORD_LENGTH) {
            reason = TlsMalformedReason.RECORD_CIPHERTEXT_OVERFLOW;
        } else if (recordLength == 0 && type != APPLICATION_DATA) {
            reason = TlsMalformedReason.RECORD_EMPTY; // RFC 8446 §5.1: no zero-length handshake, alert or CCS
        }
        return !broken();
    }

    private void recordDone() {
        if (type == APPLICATION_DATA && recordLength > 0) applicationData = true;
    }

    /**
     * Whether a non-empty application_data record was completed since the last call (and the walk is not broken);
     * clears the mark.
     */
    public boolean takeApplicationData() {
        boolean seen = applicationData && !broken();
        applicationData = false;
        return seen;
    }

    /** The stream stopped looking like TLS records: {@link #reason()} says why. */
    public boolean broken() {
        return reason != TlsMalformedReason.NONE;
    }

    /** Why the walk is {@link #broken()}, {@link TlsMalformedReason#NONE} while it is not. */
    public TlsMalformedReason reason() {
        return reason;
    }

    /** Record headers accepted so far. */
    public long records() {
        return records;
    }
}
