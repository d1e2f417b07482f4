package org.gwlbinspect.codec.l4;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.DecodeStatus;

/**
 * Flyweight over a TCP header (RFC 9293 §3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           [Options]                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class TcpHeader {
    /** IANA protocol number of TCP. */
    public static final int PROTOCOL = 6;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    static final int SOURCE_PORT_OFFSET = 0;
    static final int DESTINATION_PORT_OFFSET = SOURCE_PORT_OFFSET + 2;
    static final int SEQUENCE_OFFSET = DESTINATION_PORT_OFFSET + 2;
    static final int ACKNOWLEDGMENT_OFFSET = SEQUENCE_OFFSET + 4;
    static final int DATA_OFFSET_OFFSET = ACKNOWLEDGMENT_OFFSET + 4;
    static final int FLAGS_OFFSET = DATA_OFFSET_OFFSET + 1;
    static final int WINDOW_OFFSET = FLAGS_OFFSET + 1;
    static final int CHECKSUM_OFFSET = WINDOW_OFFSET + 2;
    static final int URGENT_POINTER_OFFSET = CHECKSUM_OFFSET + 2;
    /** Length of the header without options, the smallest legal Data Offset × 4. */
    public static final int MIN_HEADER_LENGTH = URGENT_POINTER_OFFSET + 2;

    private ByteBuf buf;
    private int offset;
    private int headerLength;
    // Read by wrap in two reads instead of one per field: each ByteBuf read of a direct buffer pays Netty's and the
    // NIO buffer's bounds, reference-count and memory-session checks (more of them without Unsafe, Java 25's
    // default), and every packet's flow lookup needs the ports.
    private int sourcePort;
    private int destinationPort;
    private int flags;

    /**
     * Points at a TCP header and checks that it fits, options included, in {@code available} bytes.
     *
     * @return OK, {@link DecodeStatus#INNER_L4_TRUNCATED} or {@link DecodeStatus#INNER_TCP_BAD_DATA_OFFSET}
     */
    public DecodeStatus wrap(ByteBuf buf, int offset, int available) {
        this.buf = buf;
        this.offset = offset;
        this.headerLength = 0;
        this.sourcePort = 0;
        this.destinationPort = 0;
        this.flags = 0;
        if (available < MIN_HEADER_LENGTH) {
            return DecodeStatus.INNER_L4_TRUNCATED;
        }
        int dataOffsetFlags = buf.getUnsignedShort(offset + DATA_OFFSET_OFFSET);
        int length = (dataOffsetFlags >>> 12) * 4; // Data Offset counts 32-bit words
        if (length < MIN_HEADER_LENGTH) {
            return DecodeStatus.INNER_TCP_BAD_DATA_OFFSET;
        }
        if (length > available) {
            // The options run past the segment: the header does not fit (RFC 8200 §4.5 for a first fragment).
            return DecodeStatus.INNER_L4_TRUNCATED;
        }
        headerLength = length;
        flags = dataOffsetFlags & 0xFF;
        int ports = buf.getInt(offset + SOURCE_PORT_OFFSET);
        sourcePort = ports >>> 16;
        destinationPort = ports & 0xFFFF;
        return DecodeStatus.OK;
    }

    public int sourcePort() {
        return sourcePort;
    }

    public int destinationPort() {
        return destinationPort;
    }

    /** Sequence Number, unsigned 32 bits. */
    public long sequenceNumber() {
        return buf.getUnsignedInt(offset + SEQUENCE_OFFSET);
    }

    /** Acknowledgment Number, unsigned 32 bits. */
    public long acknowledgmentNumber() {
        return buf.getUnsignedInt(offset + ACKNOWLEDGMENT_OFFSET);
    }

    /** Data Offset in 32-bit words. */
    public int dataOffsetWords() {
        return headerLength / 4;
    }

    /** Data Offset × 4: header with options, in bytes. */
    public int headerLength() {
        return headerLength;
    }

    /** Bytes of options. */
    public int optionsLength() {
        return headerLength - MIN_HEADER_LENGTH;
    }

    /** The eight control bits CWR ECE URG ACK PSH RST SYN FIN (see the constants). */
    public int flags() {
        return flags;
    }

    public boolean syn() {
        return (flags() & SYN) != 0;
    }

    public boolean ack() {
        return (flags() & ACK) != 0;
    }

    public boolean fin() {
        return (flags() & FIN) != 0;
    }

    public boolean rst() {
        return (flags() & RST) != 0;
    }

    public int window() {
        return buf.getUnsignedShort(offset + WINDOW_OFFSET);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    public int urgentPointer() {
        return buf.getUnsignedShort(offset + URGENT_POINTER_OFFSET);
    }

    /** Where the segment data after the header starts. */
    public int payloadOffset() {
        return offset + headerLength;
    }

    /**
     * Writes a 20-byte header without options for a segment this appliance originates. Checksum and Urgent Pointer are
     * 0: the checksum covers the pseudo-header, which the caller knows and this class does not; set it with {@link
     * #setChecksum}.
     *
     * @return {@link #MIN_HEADER_LENGTH}
     */
    public static int writeWithoutOptions(
            ByteBuf buf,
            int offset,
            int sourcePort,
            int destinationPort,
            long sequenceNumber,
            long acknowledgmentNumber,
            int flags,
            int window) {
        buf.setShort(offset + SOURCE_PORT_OFFSET, sourcePort);
        buf.setShort(offset + DESTINATION_PORT_OFFSET, destinationPort);
        buf.setInt(offset + SEQUENCE_OFFSET, (int) sequenceNumber);
        buf.setInt(offset + ACKNOWLEDGMENT_OFFSET, (int) acknowledgmentNumber);
        buf.setByte(offset + DATA_OFFSET_OFFSET, (MIN_HEADER_LENGTH / 4) << 4); // Data Offset counts 32-bit words
        buf.setByte(offset + FLAGS_OFFSET, flags);
        buf.setShort(offset + WINDOW_OFFSET, window);
        buf.setShort(offset + CHECKSUM_OFFSET, 0);
        buf.setShort(offset + URGENT_POINTER_OFFSET, 0);
        return MIN_HEADER_LENGTH;
    }

    /** Sets the Checksum of the header at {@code offset}. */
    public static void setChecksum(ByteBuf buf, int offset, int checksum) {
        buf.setShort(offset + CHECKSUM_OFFSET, checksum);
    }
}
