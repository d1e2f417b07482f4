package org.gwlbinspect.codec.l4;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.DecodeStatus;

/**
 * Flyweight over the first 8 bytes of an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443 §2.1) message.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Rest of header (identifier/sequence, MTU, unused)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Error messages: as much of the invoking packet as fits       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class IcmpHeader {
    /** IANA protocol number of ICMP for IPv4. */
    public static final int PROTOCOL_V4 = 1;
    /** IANA Next Header value of ICMPv6. */
    public static final int PROTOCOL_V6 = 58;

    // ICMPv4 types (RFC 792); 3, 4, 5, 11 and 12 are errors that quote the invoking packet.
    public static final int V4_DESTINATION_UNREACHABLE = 3;
    public static final int V4_SOURCE_QUENCH = 4;
    public static final int V4_REDIRECT = 5;
    public static final int V4_TIME_EXCEEDED = 11;
    public static final int V4_PARAMETER_PROBLEM = 12;
    public static final int V4_ECHO_REPLY = 0;
    public static final int V4_ECHO_REQUEST = 8;

    /** ICMPv6 types below this are errors (RFC 4443 §2.1). */
    public static final int V6_FIRST_INFORMATIONAL_TYPE = 128;

    // ICMPv6 types (RFC 4443 §3, §4).
    public static final int V6_DESTINATION_UNREACHABLE = 1;
    public static final int V6_PACKET_TOO_BIG = 2;
    public static final int V6_TIME_EXCEEDED = 3;
    public static final int V6_PARAMETER_PROBLEM = 4;
    public static final int V6_ECHO_REQUEST = 128;
    public static final int V6_ECHO_REPLY = 129;

    static final int TYPE_OFFSET = 0;
    static final int CODE_OFFSET = TYPE_OFFSET + 1;
    static final int CHECKSUM_OFFSET = CODE_OFFSET + 1;
    static final int REST_OFFSET = CHECKSUM_OFFSET + 2;
    /** Length of the ICMP header; an error's quoted packet starts here. */
    public static final int HEADER_LENGTH = REST_OFFSET + 4;

    private ByteBuf buf;
    private int offset;
    private int available;
    private boolean v6;

    /**
     * Points at an ICMP message and checks that its 8-byte header fits.
     *
     * @param v6 whether this is ICMPv6 (type numbering differs from ICMPv4)
     */
    public DecodeStatus wrap(ByteBuf buf, int offset, int available, boolean v6) {
        this.buf = buf;
        this.offset = offset;
        this.available = available;
        this.v6 = v6;
        if (available < HEADER_LENGTH) {
            return DecodeStatus.INNER_L4_TRUNCATED;
        }
        return DecodeStatus.OK;
    }

    /** Whether this is ICMPv6. */
    public boolean isV6() {
        return v6;
    }

    public int type() {
        return buf.getUnsignedByte(offset + TYPE_OFFSET);
    }

    public int code() {
        return buf.getUnsignedByte(offset + CODE_OFFSET);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** The 32 bits after the checksum (echo identifier and sequence, Packet Too Big MTU, or unused). */
    public long restOfHeader() {
        return buf.getUnsignedInt(offset + REST_OFFSET);
    }

    /** Echo identifier: the high 16 bits of {@link #restOfHeader()}. */
    public int identifier() {
        return buf.getUnsignedShort(offset + REST_OFFSET);
    }

    /** Echo sequence number: the low 16 bits of {@link #restOfHeader()}. */
    public int sequenceNumber() {
        return buf.getUnsignedShort(offset + REST_OFFSET + 2);
    }

    /** Whether this is an error message that quotes the packet which caused it. */
    public boolean isError() {
        return isErrorType(type(), v6);
    }

    /** Whether {@code type} is an error type for ICMPv6 ({@code v6}) or ICMPv4. */
    public static boolean isErrorType(int type, boolean v6) {
        if (v6) {
            return type < V6_FIRST_INFORMATIONAL_TYPE; // RFC 4443 §2.1: the high bit of Type separates errors
        }
        return type == V4_DESTINATION_UNREACHABLE
                || type == V4_SOURCE_QUENCH
                || type == V4_REDIRECT
                || type == V4_TIME_EXCEEDED
                || type == V4_PARAMETER_PROBLEM;
    }

    /** Where an error's quoted packet starts. */
    public int quotedOffset() {
        return offset + HEADER_LENGTH;
    }

    /** Bytes of the quoted packet present (everything after the 8-byte header). */
    public int quotedLength() {
        return available - HEADER_LENGTH;
    }
}
