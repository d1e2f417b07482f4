package org.gwlbinspect.codec.ip;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.DecodeStatus;

/**
 * Flyweight over an IPv6 header (RFC 8200 §3) and its extension-header chain (RFC 8200 §4).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Source Address (128 bits)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Destination Address (128 bits)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Extension headers walked (RFC 8200 §4.3-§4.6, RFC 4302 §2.2), each starting with Next Header:
 *   Hop-by-Hop (0), Routing (43), Destination Options (60): length (Hdr Ext Len + 1) × 8
 *   Fragment (44): 8 bytes  | Next Header | Reserved | Fragment Offset |Res|M| Identification (32) |
 *   Authentication (51): length (Payload Len + 2) × 4
 * Anything else ends the chain and is the upper-layer protocol.
 * </pre>
 *
 * <p>The walk is bounded to {@link #MAX_EXTENSION_HEADERS} headers. In a non-first fragment it stops after the Fragment
 * header: what follows is fragment data, not headers.
 */
public final class Ipv6Header {
    /** The IP version this header carries. */
    public static final int VERSION = 6;

    static final int VERSION_CLASS_FLOW_OFFSET = 0;
    static final int PAYLOAD_LENGTH_OFFSET = VERSION_CLASS_FLOW_OFFSET + 4;
    static final int NEXT_HEADER_OFFSET = PAYLOAD_LENGTH_OFFSET + 2;
    static final int HOP_LIMIT_OFFSET = NEXT_HEADER_OFFSET + 1;
    static final int SOURCE_OFFSET = HOP_LIMIT_OFFSET + 1;
    static final int DESTINATION_OFFSET = SOURCE_OFFSET + 16;
    /** Length of the fixed IPv6 header. */
    public static final int HEADER_LENGTH = DESTINATION_OFFSET + 16;
    /** Largest value of the 16-bit Payload Length field (jumbograms, RFC 2675, are not supported behind GWLB). */
    public static final int MAX_PAYLOAD_LENGTH = 0xFFFF;

    /** Next Header value of the Hop-by-Hop Options header. */
    public static final int HOP_BY_HOP = 0;
    /** Next Header value of the Routing header. */
    public static final int ROUTING = 43;
    /** Next Header value of the Fragment header. */
    public static final int FRAGMENT = 44;
    /** Next Header value of the IPsec Authentication Header (RFC 4302). */
    public static final int AUTHENTICATION = 51;
    /** Next Header value of the Destination Options header. */
    public static final int DESTINATION_OPTIONS = 60;
    /** Next Header value meaning nothing follows (RFC 8200 §4.7). */
    public static final int NO_NEXT_HEADER = 59;

    /** At most this many extension headers are walked; a longer chain is a drop, not a loop. */
    public static final int MAX_EXTENSION_HEADERS = 8;

    static final int EXTENSION_NEXT_HEADER_OFFSET = 0;
    static final int EXTENSION_LENGTH_OFFSET = 1;
    /** Every extension header is a multiple of 8 bytes, so at least 8 (RFC 8200 §4). */
    static final int MIN_EXTENSION_LENGTH = 8;

    static final int FRAGMENT_OFFSET_FIELD_OFFSET = 2;
    static final int FRAGMENT_IDENTIFICATION_OFFSET = 4;
    static final int FRAGMENT_HEADER_LENGTH = FRAGMENT_IDENTIFICATION_OFFSET + 4;
    static final int FRAGMENT_MORE_FLAG = 0x0001;
    static final int FRAGMENT_OFFSET_SHIFT = 3;

    private ByteBuf buf;
    private int offset;
    private int payloadLength;
    private int protocol;
    private int upperLayerOffset;
    private int extensionHeaderCount;
    private boolean fragmentHeader;
    private int fragmentOffset;
    private boolean moreFragments;
    private long fragmentId;

    /**
     * Points at a complete IPv6 packet, checks Payload Length against the {@code available} bytes and walks the
     * extension chain within the packet. Bytes after 40 + Payload Length are padding, not part of the packet.
     */
    public DecodeStatus wrap(ByteBuf buf, int offset, int available) {
        DecodeStatus status = wrapFixed(buf, offset, available);
        if (status != DecodeStatus.OK) {
            return status;
        }
        if (HEADER_LENGTH + payloadLength > available) {
            return DecodeStatus.INNER_IPV6_BAD_PAYLOAD_LENGTH;
        }
        return walkExtensions(offset + HEADER_LENGTH + payloadLength, false);
    }

    /**
     * Points at the start of an IPv6 packet quoted in an ICMPv6 error (RFC 4443 §2.4 (c)): the quote is cut short by
     * design, so Payload Length is not checked and the chain is walked within the quoted bytes only.
     */
    public DecodeStatus wrapQuoted(ByteBuf buf, int offset, int available) {
        DecodeStatus status = wrapFixed(buf, offset, available);
        if (status != DecodeStatus.OK) {
            return status;
        }
        return walkExtensions(offset + Math.min(available, HEADER_LENGTH + payloadLength), true);
    }

    private DecodeStatus wrapFixed(ByteBuf buf, int offset, int available) {
        this.buf = buf;
        this.offset = offset;
        this.payloadLength = 0;
        this.protocol = 0;
        this.upperLayerOffset = offset + HEADER_LENGTH;
        this.extensionHeaderCount = 0;
        this.fragmentHeader = false;
        this.fragmentOffset = 0;
        this.moreFragments = false;
        this.fragmentId = 0;
        if (available < HEADER_LENGTH) {
            return DecodeStatus.INNER_IPV6_TRUNCATED;
        }
        if ((buf.getUnsignedByte(offset + VERSION_CLASS_FLOW_OFFSET) >>> 4) != VERSION) {
            return DecodeStatus.INNER_VERSION_MISMATCH;
        }
        payloadLength = buf.getUnsignedShort(offset + PAYLOAD_LENGTH_OFFSET);
        return DecodeStatus.OK;
    }

    private DecodeStatus walkExtensions(int end, boolean quoted) {
        int next = buf.getUnsignedByte(offset + NEXT_HEADER_OFFSET);
        int position = offset + HEADER_LENGTH;
        while (isExtensionHeader(next)) {
            if (next == HOP_BY_HOP && extensionHeaderCount != 0) {
                // RFC 8200 §4.1: Hop-by-Hop Options may only appear immediately after the IPv6 header.
                return DecodeStatus.INNER_IPV6_HOP_BY_HOP_NOT_FIRST;
            }
            if (extensionHeaderCount == MAX_EXTENSION_HEADERS) {
                return DecodeStatus.INNER_IPV6_EXTENSION_CHAIN_TOO_LONG;
            }
            if (end - position < MIN_EXTENSION_LENGTH) {
                return DecodeStatus.INNER_IPV6_EXTENSION_TRUNCATED;
            }
            int headerNext = buf.getUnsignedByte(position + EXTENSION_NEXT_HEADER_OFFSET);
            int length;
            if (next == FRAGMENT) {
                if (fragmentHeader) {
                    // A second Fragment header would let the first and the second disagree on what the packet is.
                    return DecodeStatus.INNER_IPV6_DUPLICATE_FRAGMENT_HEADER;
                }
                length = FRAGMENT_HEADER_LENGTH;
                int field = buf.getUnsignedShort(position + FRAGMENT_OFFSET_FIELD_OFFSET);
                fragmentHeader = true;
                fragmentOffset = (field >>> FRAGMENT_OFFSET_SHIFT) * 8; // the field counts 8-octet units
                moreFragments = (field & FRAGMENT_MORE_FLAG) != 0;
                fragmentId = buf.getUnsignedInt(position + FRAGMENT_IDENTIFICATION_OFFSET);
                int fragmentDataLength = end - (position + FRAGMENT_HEADER_LENGTH);
                if (!quoted) {
                    if (moreFragments && (fragmentDataLength & 7) != 0) {
                        // RFC 8200 §4.5: a fragment with M = 1 whose length is not a multiple of 8 must be discarded.
                        return DecodeStatus.INNER_IPV6_FRAGMENT_BAD_LENGTH;
                    }
                    if (payloadLength - FRAGMENT_HEADER_LENGTH + fragmentOffset > MAX_PAYLOAD_LENGTH) {
                        // RFC 8200 §4.5: a reassembled Payload Length beyond 65 535 octets must be discarded.
                        return DecodeStatus.INNER_FRAGMENT_TOO_LARGE;
                    }
                }
                if (fragmentOffset != 0) {
                    // A non-first fragment: the bytes after the Fragment header are data, not further headers.
                    extensionHeaderCount++;
                    protocol = headerNext;
                    upperLayerOffset = position + FRAGMENT_HEADER_LENGTH;
                    return DecodeStatus.OK;
                }
            } else if (next == AUTHENTICATION) {
                // RFC 4302 §2.2: AH Payload Len counts 32-bit words, minus 2.
                length = (buf.getUnsignedByte(position + EXTENSION_LENGTH_OFFSET) + 2) * 4;
            } else {
                // RFC 8200 §4.3, §4.4, §4.6: Hdr Ext Len counts 8-octet units, not including the first 8 octets.
                length = (buf.getUnsignedByte(position + EXTENSION_LENGTH_OFFSET) + 1) * 8;
            }
            if (length > end - position) {
                return DecodeStatus.INNER_IPV6_EXTENSION_TRUNCATED;
            }
            extensionHeaderCount++;
            position += length;
            next = headerNext;
        }
        protocol = next;
        upperLayerOffset = position;
        return DecodeStatus.OK;
    }

    /** Whether {@code nextHeader} names one of the extension headers this class walks. */
    public static boolean isExtensionHeader(int nextHeader) {
        return nextHeader == HOP_BY_HOP
                || nextHeader == ROUTING
                || nextHeader == FRAGMENT
                || nextHeader == AUTHENTICATION
                || nextHeader == DESTINATION_OPTIONS;
    }

    /** Where the header starts. */
    public int offset() {
        return offset;
    }

    /** Traffic Class, 8 bits. */
    public int trafficClass() {
        return (buf.getInt(offset + VERSION_CLASS_FLOW_OFFSET) >>> 20) & 0xFF;
    }

    /** Flow Label, 20 bits. */
    public int flowLabel() {
        return buf.getInt(offset + VERSION_CLASS_FLOW_OFFSET) & 0xFFFFF;
    }

    /** Payload Length: bytes after the fixed 40-byte header, extension headers included. */
    public int payloadLength() {
        return payloadLength;
    }

    /** 40 + Payload Length. */
    public int totalLength() {
        return HEADER_LENGTH + payloadLength;
    }

    /** Next Header of the fixed header (the first extension header or the upper-layer protocol). */
    public int nextHeader() {
        return buf.getUnsignedByte(offset + NEXT_HEADER_OFFSET);
    }

    /** Hop Limit. */
    public int hopLimit() {
        return buf.getUnsignedByte(offset + HOP_LIMIT_OFFSET);
    }

    /** High 64 bits of the source address. */
    public long sourceAddressHi() {
        return buf.getLong(offset + SOURCE_OFFSET);
    }

    /** Low 64 bits of the source address. */
    public long sourceAddressLo() {
        return buf.getLong(offset + SOURCE_OFFSET + 8);
    }

    /** High 64 bits of the destination address. */
    public long destinationAddressHi() {
        return buf.getLong(offset + DESTINATION_OFFSET);
    }

    /** Low 64 bits of the destination address. */
    public long destinationAddressLo() {
        return buf.getLong(offset + DESTINATION_OFFSET + 8);
    }

    /** The protocol that ends the extension chain: the upper-layer protocol (or 59, No Next Header, or ESP 50). */
    public int protocol() {
        return protocol;
    }

    /** Where the bytes after the last extension header start. */
    public int upperLayerOffset() {
        return upperLayerOffset;
    }

    /** Number of extension headers walked. */
    public int extensionHeaderCount() {
        return extensionHeaderCount;
    }

    /** Bytes of extension headers walked. */
    public int extensionHeadersLength() {
        return upperLayerOffset - offset - HEADER_LENGTH;
    }

    /** Whether a Fragment header was seen (an atomic fragment, offset 0 and M 0, has one but is not a fragment). */
    public boolean hasFragmentHeader() {
        return fragmentHeader;
    }

    /** Whether this packet is one fragment of a larger one: a non-zero offset or M set (RFC 6946 atomic: false). */
    public boolean isFragment() {
        return fragmentOffset != 0 || moreFragments;
    }

    /** Fragment Offset in bytes; 0 without a Fragment header. */
    public int fragmentOffset() {
        return fragmentOffset;
    }

    /** M flag of the Fragment header. */
    public boolean moreFragments() {
        return moreFragments;
    }

    /** Identification of the Fragment header, unsigned 32 bits; 0 without one. */
    public long fragmentId() {
        return fragmentId;
    }

    /**
     * Writes a fixed 40-byte header for a packet this appliance originates: Traffic Class 0, Flow Label 0, no extension
     * headers.
     *
     * @return {@link #HEADER_LENGTH}
     */
    public static int writeFixed(
            ByteBuf buf,
            int offset,
            int payloadLength,
            int nextHeader,
            int hopLimit,
            long sourceHi,
            long sourceLo,
            long destinationHi,
            long destinationLo) {
        buf.setInt(offset + VERSION_CLASS_FLOW_OFFSET, VERSION << 28);
        buf.setShort(offset + PAYLOAD_LENGTH_OFFSET, payloadLength);
        buf.setByte(offset + NEXT_HEADER_OFFSET, nextHeader);
        buf.setByte(offset + HOP_LIMIT_OFFSET, hopLimit);
        buf.setLong(offset + SOURCE_OFFSET, sourceHi);
        buf.setLong(offset + SOURCE_OFFSET + 8, sourceLo);
        buf.setLong(offset + DESTINATION_OFFSET, destinationHi);
        buf.setLong(offset + DESTINATION_OFFSET + 8, destinationLo);
        return HEADER_LENGTH;
    }
}
