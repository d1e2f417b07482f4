package org.gwlbinspect.codec.geneve;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.DecodeStatus;

/**
 * Flyweight over the GENEVE header GWLB puts in front of every inner packet (RFC 8926 §3.4 and §3.5).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Virtual Network Identifier (VNI)       |    Reserved   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * ~                    Variable-Length Options                    ~
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Each option (RFC 8926 §3.5):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Option Class         |      Type     |R|R|R| Length  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ~                  Variable-Length Option Data                  ~
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * GWLB sends three options of class 0x0108 (usually in this order, which is not a contract):
 *   type 0x01, Length 2: GWLB endpoint ID (64 bits)
 *   type 0x02, Length 2: attachment ID (64 bits)
 *   type 0x03, Length 1: flow cookie (32 bits)
 * </pre>
 *
 * <p>{@link #wrap} walks the options generically, checks every length against the datagram, and requires exactly one of
 * each AWS option. Unknown options without the critical bit are accepted and stay in the header, which the appliance
 * returns to GWLB verbatim. Accessors are valid only after {@code wrap} returned {@link DecodeStatus#OK}.
 */
public final class GeneveHeader {
    /** UDP port GWLB sends GENEVE to and expects it back on (RFC 8926 §3.3, IANA). */
    public static final int PORT = 6081;
    /** Protocol Type of an inner IPv4 packet (an EtherType). */
    public static final int PROTOCOL_IPV4 = 0x0800;
    /** Protocol Type of an inner IPv6 packet (an EtherType). */
    public static final int PROTOCOL_IPV6 = 0x86DD;
    /** Option Class AWS registered with IANA for GWLB. */
    public static final int AWS_OPTION_CLASS = 0x0108;
    /** AWS option type carrying the GWLB endpoint (VPC endpoint) ID. */
    public static final int AWS_TYPE_ENDPOINT_ID = 0x01;
    /** AWS option type carrying the attachment ID. */
    public static final int AWS_TYPE_ATTACHMENT_ID = 0x02;
    /** AWS option type carrying the flow cookie. */
    public static final int AWS_TYPE_FLOW_COOKIE = 0x03;

    /** The only GENEVE version (RFC 8926 §3.4). */
    public static final int VERSION = 0;

    static final int VERSION_OPT_LEN_OFFSET = 0;
    static final int FLAGS_OFFSET = VERSION_OPT_LEN_OFFSET + 1;
    static final int PROTOCOL_TYPE_OFFSET = FLAGS_OFFSET + 1;
    static final int VNI_OFFSET = PROTOCOL_TYPE_OFFSET + 2;
    static final int RESERVED_OFFSET = VNI_OFFSET + 3;
    /** Length of the fixed part of the header, before the options. */
    public static final int BASE_LENGTH = RESERVED_OFFSET + 1;

    static final int OAM_FLAG = 0x80;
    static final int CRITICAL_FLAG = 0x40;
    static final int OPT_LEN_MASK = 0x3F;
    static final int VERSION_SHIFT = 6;

    static final int OPTION_CLASS_OFFSET = 0;
    static final int OPTION_TYPE_OFFSET = OPTION_CLASS_OFFSET + 2;
    static final int OPTION_LENGTH_OFFSET = OPTION_TYPE_OFFSET + 1;
    /** Length of an option's own header, before its data (RFC 8926 §3.5). */
    public static final int OPTION_HEADER_LENGTH = OPTION_LENGTH_OFFSET + 1;
    /** The high bit of an option Type marks it critical (RFC 8926 §3.5). */
    public static final int OPTION_CRITICAL_TYPE_BIT = 0x80;

    static final int OPTION_LENGTH_MASK = 0x1F;

    /** Data length of the endpoint ID option. */
    public static final int ENDPOINT_ID_DATA_LENGTH = 8;
    /** Data length of the attachment ID option. */
    public static final int ATTACHMENT_ID_DATA_LENGTH = 8;
    /** Data length of the flow cookie option. */
    public static final int FLOW_COOKIE_DATA_LENGTH = 4;
    /** Bytes of the three AWS options together (3 option headers + 8 + 8 + 4). */
    public static final int AWS_OPTIONS_LENGTH =
            3 * OPTION_HEADER_LENGTH + ENDPOINT_ID_DATA_LENGTH + ATTACHMENT_ID_DATA_LENGTH + FLOW_COOKIE_DATA_LENGTH;
    /** Length of the header GWLB sends: the base header and the three AWS options, 40 bytes. */
    public static final int GWLB_HEADER_LENGTH = BASE_LENGTH + AWS_OPTIONS_LENGTH;

    private ByteBuf buf;
    private int offset;
    private int version;
    private int headerLength;
    private int flags;
    private int protocolType;
    private int vni;
    private long endpointId;
    private long attachmentId;
    private long flowCookie;
    private boolean unknownOptions;

    /**
     * Points this flyweight at the GENEVE header starting at {@code offset} and checks it.
     *
     * @param buf the datagram; read with absolute getters, its indices are not moved
     * @param offset where the UDP payload starts
     * @param available bytes of UDP payload from {@code offset}; a range outside {@code buf} counts as truncated
     * @return {@link DecodeStatus#OK} or the first broken invariant
     */
    public DecodeStatus wrap(ByteBuf buf, int offset, int available) {
        this.buf = buf;
        this.offset = offset;
        this.headerLength = 0;
        this.endpointId = 0;
        this.attachmentId = 0;
        this.flowCookie = 0;
        this.unknownOptions = false;
        if (available < BASE_LENGTH || offset < 0 || offset > buf.capacity() - available) {
            return DecodeStatus.GENEVE_TRUNCATED;
        }
        // The 8-byte base header in one read: each ByteBuf read of a direct buffer pays Netty's and the NIO buffer's
        // bounds, reference-count and memory-session checks (more of them without Unsafe, Java 25's default), so per
        // field they added up.
        long base = buf.getLong(offset);
        int first = (int) (base >>> 56) & 0xFF; // Ver, Opt Len
        version = first >>> VERSION_SHIFT;
        if (version != VERSION) {
            // RFC 8926 §3.4: a packet with an unknown version must be dropped.
            return DecodeStatus.GENEVE_BAD_VERSION;
        }
        flags = (int) (base >>> 48) & 0xFF;
        if ((flags & OAM_FLAG) != 0) {
            // RFC 8926 §3.4: O marks a control message that must not be forwarded as data.
            return DecodeStatus.GENEVE_OAM_PACKET;
        }
        protocolType = (int) (base >>> 32) & 0xFFFF;
        if (protocolType != PROTOCOL_IPV4 && protocolType != PROTOCOL_IPV6) {
            return DecodeStatus.GENEVE_BAD_PROTOCOL_TYPE;
        }
        vni = (int) (base >>> 8) & 0xFF_FFFF;
        int length = BASE_LENGTH + (first & OPT_LEN_MASK) * 4; // Opt Len counts 4-byte words
        if (length > available) {
            return DecodeStatus.GENEVE_OPTIONS_OVERRUN;
        }
        headerLength = length;
        return walkOptions(offset + BASE_LENGTH, offset + length);
    }

    /**
     * RFC 8926 §3.5 TLV walk over [{@code position}, {@code end}). Opt Len and every option Length count 4-byte words, so
     * the bytes left are always a multiple of 4 and an option header (4 bytes) always fits when any bytes are left.
     */
    private DecodeStatus walkOptions(int position, int end) {
        boolean seenEndpoint = false;
        boolean seenAttachment = false;
        boolean seenCookie = false;
        while (position < end) {
            int option = buf.getInt(position); // Option Class, Type, R|Length: one read (see wrap)
            int optionClass = option >>> 16;
            int type = (option >>> 8) & 0xFF;
            int dataLength = (option & OPTION_LENGTH_MASK) * 4;
            int data = position + OPTION_HEADER_LENGTH;
            if (dataLength > end - data) {
                return DecodeStatus.GENEVE_OPTION_OVERRUN;
            }
            // The critical bit is part of Type (RFC 8926 §3.5), so 0x81 is not the endpoint ID option: it is unknown.
            if (optionClass == AWS_OPTION_CLASS && type == AWS_TYPE_ENDPOINT_ID) {
                if (dataLength != ENDPOINT_ID_DATA_LENGTH) return DecodeStatus.GENEVE_BAD_AWS_OPTION_LENGTH;
                if (seenEndpoint) return DecodeStatus.GENEVE_DUPLICATE_AWS_OPTION;
                seenEndpoint = true;
                endpointId = buf.getLong(data);
            } else if (optionClass == AWS_OPTION_CLASS && type == AWS_TYPE_ATTACHMENT_ID) {
                if (dataLength != ATTACHMENT_ID_DATA_LENGTH) return DecodeStatus.GENEVE_BAD_AWS_OPTION_LENGTH;
                if (seenAttachment) return DecodeStatus.GENEVE_DUPLICATE_AWS_OPTION;
                seenAttachment = true;
                attachmentId = buf.getLong(data);
            } else if (optionClass == AWS_OPTION_CLASS && type == AWS_TYPE_FLOW_COOKIE) {
                if (dataLength != FLOW_COOKIE_DATA_LENGTH) return DecodeStatus.GENEVE_BAD_AWS_OPTION_LENGTH;
                if (seenCookie) return DecodeStatus.GENEVE_DUPLICATE_AWS_OPTION;
                seenCookie = true;
                flowCookie = buf.getUnsignedInt(data);
            } else if ((type & OPTION_CRITICAL_TYPE_BIT) != 0) {
                // RFC 8926 §3.5: an option the receiver does not understand with the critical bit set means drop.
                return DecodeStatus.GENEVE_CRITICAL_OPTION;
            } else {
                // RFC 8926 §3.5: unknown non-critical options are ignored; they stay in the header returned to GWLB.
                unknownOptions = true;
            }
            position = data + dataLength;
        }
        if (!seenEndpoint) return DecodeStatus.GENEVE_MISSING_ENDPOINT_ID;
        if (!seenAttachment) return DecodeStatus.GENEVE_MISSING_ATTACHMENT_ID;
        if (!seenCookie) return DecodeStatus.GENEVE_MISSING_FLOW_COOKIE;
        return DecodeStatus.OK;
    }

    /** The buffer last wrapped. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Where the header starts in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    /** Ver (always 0 after OK). */
    public int version() {
        return version;
    }

    /** Bytes of options after the 8-byte base header (Opt Len × 4). */
    public int optionsLength() {
        return headerLength - BASE_LENGTH;
    }

    /** Bytes of the whole header, base and options: the bytes to copy verbatim into a reply. */
    public int headerLength() {
        return headerLength;
    }

    /** O bit: a control message (never true after OK). */
    public boolean oam() {
        return (flags & OAM_FLAG) != 0;
    }

    /** C bit: the sender says critical options are present (RFC 8926 §3.4); informational here. */
    public boolean critical() {
        return (flags & CRITICAL_FLAG) != 0;
    }

    /** Protocol Type: {@link #PROTOCOL_IPV4} or {@link #PROTOCOL_IPV6} after OK. */
    public int protocolType() {
        return protocolType;
    }

    /** VNI, 24 bits; GWLB sends 0 but it is carried, not checked. */
    public int vni() {
        return vni;
    }

    /** GWLB endpoint (VPC endpoint) ID from option 0x0108/1. */
    public long endpointId() {
        return endpointId;
    }

    /** Attachment ID from option 0x0108/2. */
    public long attachmentId() {
        return attachmentId;
    }

    /** Flow cookie from option 0x0108/3, as an unsigned 32-bit value. */
    public long flowCookie() {
        return flowCookie;
    }

    /** Whether the header carries options other than the three AWS ones (all of them non-critical after OK). */
    public boolean hasUnknownOptions() {
        return unknownOptions;
    }

    /** Where the inner packet starts in {@link #buffer()}: {@code offset() + headerLength()}. */
    public int innerOffset() {
        return offset + headerLength;
    }
}
