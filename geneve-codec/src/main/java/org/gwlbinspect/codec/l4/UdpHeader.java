package org.gwlbinspect.codec.l4;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.DecodeStatus;

/**
 * Flyweight over a UDP header (RFC 768).
 *
 * <pre>
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 * </pre>
 */
public final class UdpHeader {
    /** IANA protocol number of UDP. */
    public static final int PROTOCOL = 17;

    static final int SOURCE_PORT_OFFSET = 0;
    static final int DESTINATION_PORT_OFFSET = SOURCE_PORT_OFFSET + 2;
    static final int LENGTH_OFFSET = DESTINATION_PORT_OFFSET + 2;
    static final int CHECKSUM_OFFSET = LENGTH_OFFSET + 2;
    /** Length of the UDP header. */
    public static final int HEADER_LENGTH = CHECKSUM_OFFSET + 2;

    private ByteBuf buf;
    private int offset;

    /**
     * Points at a UDP header and checks that its 8 bytes fit. The Length field is checked by the caller, which knows
     * whether the datagram is whole or a first fragment.
     */
    public DecodeStatus wrap(ByteBuf buf, int offset, int available) {
        this.buf = buf;
        this.offset = offset;
        if (available < HEADER_LENGTH) {
            return DecodeStatus.INNER_L4_TRUNCATED;
        }
        return DecodeStatus.OK;
    }

    public int sourcePort() {
        return buf.getUnsignedShort(offset + SOURCE_PORT_OFFSET);
    }

    public int destinationPort() {
        return buf.getUnsignedShort(offset + DESTINATION_PORT_OFFSET);
    }

    /** Length: header and data, in bytes. */
    public int length() {
        return buf.getUnsignedShort(offset + LENGTH_OFFSET);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** Where the datagram data starts. */
    public int payloadOffset() {
        return offset + HEADER_LENGTH;
    }
}
