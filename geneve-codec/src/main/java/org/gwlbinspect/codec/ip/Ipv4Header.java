package org.gwlbinspect.codec.ip;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.DecodeStatus;

/**
 * Flyweight over an IPv4 header (RFC 791 §3.1). Options are skipped by IHL, not interpreted.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Flags: bit 0 reserved, bit 1 DF, bit 2 MF. Fragment Offset counts 8-byte units.
 * </pre>
 */
public final class Ipv4Header {
    /** The IP version this header carries. */
    public static final int VERSION = 4;

    static final int VERSION_IHL_OFFSET = 0;
    static final int TOS_OFFSET = VERSION_IHL_OFFSET + 1;
    static final int TOTAL_LENGTH_OFFSET = TOS_OFFSET + 1;
    static final int IDENTIFICATION_OFFSET = TOTAL_LENGTH_OFFSET + 2;
    static final int FLAGS_FRAGMENT_OFFSET = IDENTIFICATION_OFFSET + 2;
    static final int TTL_OFFSET = FLAGS_FRAGMENT_OFFSET + 2;
    static final int PROTOCOL_OFFSET = TTL_OFFSET + 1;
    static final int CHECKSUM_OFFSET = PROTOCOL_OFFSET + 1;
    static final int SOURCE_OFFSET = CHECKSUM_OFFSET + 2;
    static final int DESTINATION_OFFSET = SOURCE_OFFSET + 4;
    /** Length of the header without options, the smallest legal IHL × 4. */
    public static final int MIN_HEADER_LENGTH = DESTINATION_OFFSET + 4;
    /** Largest value of the 16-bit Total Length field: no datagram, reassembled or not, is longer. */
    public static final int MAX_TOTAL_LENGTH = 0xFFFF;

    static final int DONT_FRAGMENT_FLAG = 0x4000;
    static final int MORE_FRAGMENTS_FLAG = 0x2000;
    static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private ByteBuf buf;
    private int offset;
    private int headerLength;
    private int totalLength;
    private int flagsFragment;
    // Read by wrap with the fields above, in three reads instead of one per field: each ByteBuf read of a direct buffer
    // pays Netty's and the NIO buffer's bounds, reference-count and memory-session checks (more of them without
    // Unsafe, Java 25's default), and every packet's flow lookup needs these four (and the flow log the TTL).
    private int identification;
    private int ttl;
    private int protocol;
    private long sourceAddress;
    private long destinationAddress;

    /**
     * Points at a complete IPv4 packet and checks IHL and Total Length against the {@code available} bytes. Bytes after
     * Total Length (link-layer padding) are allowed and are not part of the packet.
     */
    public DecodeStatus wrap(ByteBuf buf, int offset, int available) {
        DecodeStatus status = wrapQuoted(buf, offset, available);
        if (status != DecodeStatus.OK) {
            return status;
        }
        if (totalLength < headerLength || totalLength > available) {
            return DecodeStatus.INNER_IPV4_BAD_TOTAL_LENGTH;
        }
        return DecodeStatus.OK;
    }

    /**
     * Points at the start of an IPv4 packet quoted in an ICMP error (RFC 792, RFC 1812 §4.3.2.3): the quote is cut short
     * by design, so only the header itself must fit and Total Length is read, not checked.
     */
    public DecodeStatus wrapQuoted(ByteBuf buf, int offset, int available) {
        this.buf = buf;
        this.offset = offset;
        this.headerLength = 0;
        this.totalLength = 0;
        this.identification = 0;
        this.ttl = 0;
        this.protocol = 0;
        this.sourceAddress = 0;
        this.destinationAddress = 0;
        if (available < MIN_HEADER_LENGTH) {
            return DecodeStatus.INNER_IPV4_TRUNCATED;
        }
        long first = buf.getLong(offset + VERSION_IHL_OFFSET); // version, IHL, TOS, length, ID, flags, offset
        int versionIhl = (int) (first >>> 56) & 0xFF;
        if ((versionIhl >>> 4) != VERSION) {
            return DecodeStatus.INNER_VERSION_MISMATCH;
        }
        int length = (versionIhl & 0x0F) * 4; // IHL counts 32-bit words (RFC 791 §3.1)
        if (length < MIN_HEADER_LENGTH) {
            return DecodeStatus.INNER_IPV4_BAD_IHL;
        }
        if (length > available) {
            return DecodeStatus.INNER_IPV4_TRUNCATED;
        }
        headerLength = length;
        totalLength = (int) (first >>> 32) & 0xFFFF;
        identification = (int) (first >>> 16) & 0xFFFF;
        flagsFragment = (int) first & 0xFFFF;
        long second = buf.getLong(offset + TTL_OFFSET); // TTL, protocol, checksum, source
        ttl = (int) (second >>> 56) & 0xFF;
        protocol = (int) (second >>> 48) & 0xFF;
        sourceAddress = second & 0xFFFF_FFFFL;
        destinationAddress = buf.getUnsignedInt(offset + DESTINATION_OFFSET);
        return DecodeStatus.OK;
    }

    /** Where the header starts. */
    public int offset() {
        return offset;
    }

    /** IHL × 4: the header with its options. */
    public int headerLength() {
        return headerLength;
    }

    /** Bytes of options (IHL × 4 − 20). */
    public int optionsLength() {
        return headerLength - MIN_HEADER_LENGTH;
    }

    /** The former Type of Service byte: DSCP and ECN. */
    public int typeOfService() {
        return buf.getUnsignedByte(offset + TOS_OFFSET);
    }

    /** Total Length: header and data, in bytes. */
    public int totalLength() {
        return totalLength;
    }

    /** Identification, 16 bits. */
    public int identification() {
        return identification;
    }

    /** DF flag. */
    public boolean dontFragment() {
        return (flagsFragment & DONT_FRAGMENT_FLAG) != 0;
    }

    /** MF flag. */
    public boolean moreFragments() {
        return (flagsFragment & MORE_FRAGMENTS_FLAG) != 0;
    }

    /** Fragment Offset converted to bytes (the field counts 8-byte units). */
    public int fragmentOffset() {
        return (flagsFragment & FRAGMENT_OFFSET_MASK) * 8;
    }

    /** Whether this packet is a fragment: a non-zero offset or MF set. */
    public boolean isFragment() {
        return (flagsFragment & (MORE_FRAGMENTS_FLAG | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /** Time to Live. */
    public int ttl() {
        return ttl;
    }

    /** Protocol: the upper-layer protocol number (IANA). */
    public int protocol() {
        return protocol;
    }

    /** Header Checksum as sent (not verified: the appliance forwards, it does not terminate). */
    public int headerChecksum() {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /** Source address as an unsigned 32-bit value. */
    public long sourceAddress() {
        return sourceAddress;
    }

    /** Destination address as an unsigned 32-bit value. */
    public long destinationAddress() {
        return destinationAddress;
    }

    /** Where the data after the header (and options) starts. */
    public int payloadOffset() {
        return offset + headerLength;
    }

    /**
     * Writes a 20-byte header for a datagram this appliance originates: TOS 0, Identification 0, DF set, no options,
     * and the header checksum. ID 0 with DF is what Linux writes for its own resets ({@code nf_reject_iphdr_put}):
     * RFC 6864 §4.1 lets an atomic datagram carry any ID, since it is never reassembled.
     *
     * @param source IPv4 address as an unsigned 32-bit value, as {@link #sourceAddress()} returns it
     * @param destination same encoding
     * @return {@link #MIN_HEADER_LENGTH}
     */
    public static int writeAtomic(
            ByteBuf buf, int offset, int payloadLength, int protocol, int ttl, long source, long destination) {
        buf.setByte(offset + VERSION_IHL_OFFSET, (VERSION << 4) | (MIN_HEADER_LENGTH / 4));
        buf.setByte(offset + TOS_OFFSET, 0);
        buf.setShort(offset + TOTAL_LENGTH_OFFSET, MIN_HEADER_LENGTH + payloadLength);
        buf.setShort(offset + IDENTIFICATION_OFFSET, 0);
        buf.setShort(offset + FLAGS_FRAGMENT_OFFSET, DONT_FRAGMENT_FLAG);
        buf.setByte(offset + TTL_OFFSET, ttl);
        buf.setByte(offset + PROTOCOL_OFFSET, protocol);
        buf.setShort(offset + CHECKSUM_OFFSET, 0);
        buf.setInt(offset + SOURCE_OFFSET, (int) source);
        buf.setInt(offset + DESTINATION_OFFSET, (int) destination);
        buf.setShort(offset + CHECKSUM_OFFSET, Checksums.checksum(Checksums.add(0, buf, offset, MIN_HEADER_LENGTH)));
        return MIN_HEADER_LENGTH;
    }

    /** Total Length − header length (valid after {@link #wrap}, not {@link #wrapQuoted}). */
    public int payloadLength() {
        return totalLength - headerLength;
    }
}
