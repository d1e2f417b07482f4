package org.gwlbinspect.codec.geneve;

import io.netty.buffer.ByteBuf;

/**
 * Writes GENEVE headers in GWLB's layout (RFC 8926 §3.4, §3.5) at a buffer's writer index.
 *
 * <p>For tests and the appliance's GWLB simulator: it may grow the target buffer, so it is not for the data path,
 * which returns the received header verbatim instead of writing a new one.
 */
public final class GeneveHeaders {
    /** Shared empty option list: the 5-argument form is called per packet by senders, so it must not allocate. */
    private static final byte[] NO_EXTRA_OPTIONS = new byte[0];

    private GeneveHeaders() {}

    /**
     * Writes the 40-byte header GWLB sends: base header with VNI 0 and no flags, then the endpoint ID, attachment ID and
     * flow cookie options in that order.
     *
     * @return bytes written ({@link GeneveHeader#GWLB_HEADER_LENGTH})
     */
    public static int writeGwlb(ByteBuf out, int protocolType, long endpointId, long attachmentId, long flowCookie) {
        return writeGwlb(out, protocolType, endpointId, attachmentId, flowCookie, NO_EXTRA_OPTIONS);
    }

    /**
     * Writes a GWLB header followed by {@code extraOptions}, already encoded option TLVs (each with its 4-byte header),
     * after the three AWS options.
     *
     * @return bytes written
     * @throws IllegalArgumentException if the options would not fit in Opt Len or are not whole 4-byte words
     */
    public static int writeGwlb(
            ByteBuf out, int protocolType, long endpointId, long attachmentId, long flowCookie, byte[] extraOptions) {
        int written =
                writeBase(out, GeneveHeader.AWS_OPTIONS_LENGTH + extraOptions.length, false, false, protocolType, 0);
        written += writeEndpointIdOption(out, endpointId);
        written += writeAttachmentIdOption(out, attachmentId);
        written += writeFlowCookieOption(out, flowCookie);
        out.writeBytes(extraOptions);
        return written + extraOptions.length;
    }

    /**
     * Writes the 8-byte base header; the caller writes {@code optionsLength} bytes of options after it.
     *
     * @return bytes written ({@link GeneveHeader#BASE_LENGTH})
     * @throws IllegalArgumentException if {@code optionsLength} is not a multiple of 4 in [0, 252], or the VNI or
     *     Protocol Type do not fit their fields
     */
    public static int writeBase(
            ByteBuf out, int optionsLength, boolean oam, boolean critical, int protocolType, int vni) {
        // Opt Len is 6 bits of 4-byte words (RFC 8926 §3.4): at most 63 words.
        if (optionsLength < 0 || optionsLength > 63 * 4 || (optionsLength & 3) != 0) {
            throw new IllegalArgumentException(
                    "options length must be a multiple of 4 in [0, 252], got " + optionsLength);
        }
        if ((protocolType & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("protocol type must fit 16 bits, got " + protocolType);
        }
        if ((vni & ~0xFFFFFF) != 0) {
            throw new IllegalArgumentException("VNI must fit 24 bits, got " + vni);
        }
        out.writeByte((GeneveHeader.VERSION << GeneveHeader.VERSION_SHIFT) | (optionsLength / 4));
        out.writeByte((oam ? GeneveHeader.OAM_FLAG : 0) | (critical ? GeneveHeader.CRITICAL_FLAG : 0));
        out.writeShort(protocolType);
        out.writeMedium(vni);
        out.writeByte(0); // Reserved: zero on transmission (RFC 8926 §3.4)
        return GeneveHeader.BASE_LENGTH;
    }

    /**
     * Writes one option TLV: its 4-byte header and {@code data}.
     *
     * @return bytes written
     * @throws IllegalArgumentException if the data is not whole 4-byte words, is longer than 124 bytes, or the class or
     *     type do not fit their fields
     */
    public static int writeOption(ByteBuf out, int optionClass, int type, byte[] data) {
        // Length is 5 bits of 4-byte words (RFC 8926 §3.5): at most 31 words.
        if (data.length > 31 * 4 || (data.length & 3) != 0) {
            throw new IllegalArgumentException(
                    "option data must be a multiple of 4 up to 124 bytes, got " + data.length);
        }
        writeOptionHeader(out, optionClass, type, data.length);
        out.writeBytes(data);
        return GeneveHeader.OPTION_HEADER_LENGTH + data.length;
    }

    /** Writes option 0x0108/1, the GWLB endpoint ID. @return bytes written (12) */
    public static int writeEndpointIdOption(ByteBuf out, long endpointId) {
        writeOptionHeader(
                out,
                GeneveHeader.AWS_OPTION_CLASS,
                GeneveHeader.AWS_TYPE_ENDPOINT_ID,
                GeneveHeader.ENDPOINT_ID_DATA_LENGTH);
        out.writeLong(endpointId);
        return GeneveHeader.OPTION_HEADER_LENGTH + GeneveHeader.ENDPOINT_ID_DATA_LENGTH;
    }

    /** Writes option 0x0108/2, the attachment ID. @return bytes written (12) */
    public static int writeAttachmentIdOption(ByteBuf out, long attachmentId) {
        writeOptionHeader(
                out,
                GeneveHeader.AWS_OPTION_CLASS,
                GeneveHeader.AWS_TYPE_ATTACHMENT_ID,
                GeneveHeader.ATTACHMENT_ID_DATA_LENGTH);
        out.writeLong(attachmentId);
        return GeneveHeader.OPTION_HEADER_LENGTH + GeneveHeader.ATTACHMENT_ID_DATA_LENGTH;
    }

    /**
     * Writes option 0x0108/3, the flow cookie (low 32 bits of {@code flowCookie}).
     *
     * @return bytes written (8)
     */
    public static int writeFlowCookieOption(ByteBuf out, long flowCookie) {
        writeOptionHeader(
                out,
                GeneveHeader.AWS_OPTION_CLASS,
                GeneveHeader.AWS_TYPE_FLOW_COOKIE,
                GeneveHeader.FLOW_COOKIE_DATA_LENGTH);
        out.writeInt((int) flowCookie);
        return GeneveHeader.OPTION_HEADER_LENGTH + GeneveHeader.FLOW_COOKIE_DATA_LENGTH;
    }

    private static void writeOptionHeader(ByteBuf out, int optionClass, int type, int dataLength) {
        if ((optionClass & ~0xFFFF) != 0 || (type & ~0xFF) != 0) {
            throw new IllegalArgumentException("option class must fit 16 bits and type 8 bits");
        }
        out.writeShort(optionClass);
        out.writeByte(type);
        out.writeByte(dataLength / 4); // R R R bits zero; Length in 4-byte words
    }
}
