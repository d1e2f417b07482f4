package org.gwlbinspect.l7;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.buffer.ByteBufs;

/**
 * Strips TLS record headers and appends the payload of handshake records to one contiguous buffer, so a handshake
 * message fragmented over several records, several TCP segments or both reads as one byte range.
 *
 * <pre>
 * TLSPlaintext (RFC 8446 §5.1, RFC 5246 §6.2.1)
 *  0        1        2        3        4
 * +--------+--------+--------+--------+--------+------------------+
 * |  type  | major  | minor  |     length      | fragment ...     |
 * +--------+--------+--------+--------+--------+------------------+
 * </pre>
 *
 * <p>{@link #feed} stops at the first header of a non-handshake record ({@link #OTHER_RECORD}), when the handshake
 * buffer is full ({@link #BUFFER_FULL}) or at an invalid header; the owning parser then decides what that means for
 * the message it awaits. Nothing is allocated after construction.
 */
final class TlsRecordReader {
    static final int RECORD_HEADER_LENGTH = 5;
    /** RFC 8446 §5.1: the length of a TLSPlaintext fragment MUST NOT exceed 2^14 bytes. */
    static final int MAX_PLAINTEXT_LENGTH = 1 << 14;

    static final int CONTENT_CHANGE_CIPHER_SPEC = 20;
    static final int CONTENT_ALERT = 21;
    static final int CONTENT_HANDSHAKE = 22;
    static final int CONTENT_APPLICATION_DATA = 23;

    /** Every byte offered was consumed. */
    static final int CONSUMED = 0;
    /** The handshake buffer is full; bytes were left unconsumed. */
    static final int BUFFER_FULL = 1;
    /** A complete header of a change_cipher_spec, alert or application_data record: see {@link #otherRecordType()}. */
    static final int OTHER_RECORD = 2;
    /** The very first record header is not a TLS record header. */
    static final int NOT_TLS = 3;
    /** A record header breaks an invariant: see {@link #reason()}. */
    static final int BAD_RECORD = 4;

    private final byte[] handshake;
    private int handshakeLength;
    private final byte[] header = new byte[RECORD_HEADER_LENGTH];
    private int headerLength;
    private int recordRemaining;
    private int records;
    private int firstRecordVersion;
    private int otherRecordType;
    private TlsMalformedReason reason = TlsMalformedReason.NONE;

    TlsRecordReader(int capacityBytes) {
        this.handshake = new byte[capacityBytes];
    }

    void reset() {
        handshakeLength = 0;
        headerLength = 0;
        recordRemaining = 0;
        records = 0;
        firstRecordVersion = 0;
        otherRecordType = 0;
        reason = TlsMalformedReason.NONE;
    }

    /**
     * Consumes {@code length} bytes at {@code offset} of {@code buf} (absolute indexes; the reader index is not moved)
     * and returns one of {@link #CONSUMED}, {@link #BUFFER_FULL}, {@link #OTHER_RECORD}, {@link #NOT_TLS}, {@link
     * #BAD_RECORD}. After any value but {@link #CONSUMED} the reader must not be fed again.
     */
    int feed(ByteBuf buf, int offset, int length) {
        int pos = offset;
        int end = offset + length;
        while (pos < end) {
            if (recordRemaining == 0) {
                int n = Math.min(RECORD_HEADER_LENGTH - headerLength, end - pos);
                ByteBufs.copy(buf, pos, header, headerLength, n);
                headerLength += n;
                pos += n;
                if (headerLength < RECORD_HEADER_LENGTH) {
                    return CONSUMED;
                }
                headerLength = 0;
                int outcome = acceptHeader();
                if (outcome != CONSUMED) {
                    return outcome;
                }
            } else {
                int room = handshake.length - handshakeLength;
                if (room == 0) {
                    return BUFFER_FULL;
                }
                int n = Math.min(Math.min(recordRemaining, end - pos), room);
                ByteBufs.copy(buf, pos, handshake, handshakeLength, n);
                handshakeLength += n;
                recordRemaining -= n;
                pos += n;
            }
        }
        return CONSUMED;
    }

    private int acceptHeader() {
        int type = header[0] & 0xFF;
        int major = header[1] & 0xFF;
        int minor = header[2] & 0xFF;
        int recordLength = ((header[3] & 0xFF) << 8) | (header[4] & 0xFF);
        boolean knownType = type >= CONTENT_CHANGE_CIPHER_SPEC && type <= CONTENT_APPLICATION_DATA;
        boolean tlsVersion = major == 3 && minor <= 4;
        if (records == 0 && (!knownType || !tlsVersion)) {
            return NOT_TLS;
        }
        if (!tlsVersion) {
            reason = TlsMalformedReason.RECORD_VERSION_INVALID;
            return BAD_RECORD;
        }
        if (!knownType) {
            reason = TlsMalformedReason.RECORD_TYPE_UNKNOWN;
            return BAD_RECORD;
        }
        if (records == 0) {
            firstRecordVersion = (major << 8) | minor;
        }
        records++;
        if (type != CONTENT_HANDSHAKE) {
            otherRecordType = type;
            return OTHER_RECORD;
        }
        if (recordLength == 0) {
            reason = TlsMalformedReason.RECORD_EMPTY;
            return BAD_RECORD;
        }
        if (recordLength > MAX_PLAINTEXT_LENGTH) {
            reason = TlsMalformedReason.RECORD_OVERFLOW;
            return BAD_RECORD;
        }
        recordRemaining = recordLength;
        return CONSUMED;
    }

    /** Handshake bytes (record headers removed); valid from 0 to {@link #handshakeLength()}. */
    byte[] handshake() {
        return handshake;
    }

    int handshakeLength() {
        return handshakeLength;
    }

    int capacity() {
        return handshake.length;
    }

    /** The five header bytes last collected; after {@link #NOT_TLS} these are the first five bytes of the stream. */
    byte headerByte(int index) {
        return header[index];
    }

    /** ProtocolVersion of the first record header, e.g. 0x0301 (RFC 8446 §5.1: often 0x0301 for compatibility). */
    int firstRecordVersion() {
        return firstRecordVersion;
    }

    int otherRecordType() {
        return otherRecordType;
    }

    TlsMalformedReason reason() {
        return reason;
    }
}
