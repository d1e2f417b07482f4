package org.gwlbinspect.appliance.replay;

/**
 * Finds the IP packet in a captured frame, as libpcap numbers link types ({@code pcap_datalink}, the DLT values; the
 * LINKTYPE values of the file format where they differ). A flyweight: {@link #decode} re-points it for every frame.
 *
 * <p>The packet ends where its IP header says it does (Ethernet pads short frames to 60 bytes; GWLB would send the IP
 * packet only), unless the frame is shorter, in which case the IP decoder reports the truncation.
 */
public final class LinkFrame {
    /** {@code DLT_NULL}: BSD loopback, a 4-byte address family in the capturing host's byte order. */
    public static final int DLT_NULL = 0;
    /** {@code DLT_EN10MB}: Ethernet; also what tcpdump writes for Linux {@code lo}. */
    public static final int DLT_EN10MB = 1;
    /** {@code DLT_RAW} as Linux libpcap reports it: the frame is an IPv4 or IPv6 packet. */
    public static final int DLT_RAW = 12;
    /** {@code DLT_RAW} as OpenBSD libpcap reports it. */
    public static final int DLT_RAW_OPENBSD = 14;
    /** {@code LINKTYPE_RAW}, the file-format value of raw IP. */
    public static final int LINKTYPE_RAW = 101;
    /** {@code DLT_LOOP}: OpenBSD loopback, the 4-byte address family in network byte order. */
    public static final int DLT_LOOP = 108;
    /** {@code DLT_LINUX_SLL}: Linux cooked capture v1 ({@code tcpdump -i any} before libpcap 1.10). */
    public static final int DLT_LINUX_SLL = 113;
    /** {@code DLT_IPV4}: raw IPv4. */
    public static final int DLT_IPV4 = 228;
    /** {@code DLT_IPV6}: raw IPv6. */
    public static final int DLT_IPV6 = 229;
    /** {@code DLT_LINUX_SLL2}: Linux cooked capture v2 ({@code tcpdump -i any} with libpcap 1.10). */
    public static final int DLT_LINUX_SLL2 = 276;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int ETHERTYPE_QINQ_OLD = 0x9100;
    private static final int ETHERNET_HEADER_LENGTH = 14;
    private static final int VLAN_TAG_LENGTH = 4;
    private static final int MAX_VLAN_TAGS = 4;
    private static final int SLL_HEADER_LENGTH = 16;
    private static final int SLL_PROTOCOL_OFFSET = 14;
    private static final int SLL2_HEADER_LENGTH = 20;
    private static final int SLL2_PROTOCOL_OFFSET = 0;
    private static final int NULL_HEADER_LENGTH = 4;
    private static final int AF_INET = 2;
    // AF_INET6 differs by system: Linux 10, the BSDs 24, FreeBSD 28, macOS 30.
    private static final int[] AF_INET6 = {10, 24, 28, 30};
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;

    /** Why a frame carries no IP packet to replay; the label is the verdict file's {@code reason}. */
    public enum Status {
        OK("ok"),
        /** The capture's link type is none of those above. */
        UNSUPPORTED_LINK_TYPE("unsupported_link_type"),
        /** The frame ends inside its link-layer header. */
        LINK_HEADER_TRUNCATED("link_header_truncated"),
        /** The frame carries something else (ARP, LLDP, ...), or an IP version other than 4 or 6. */
        NOT_IP("not_ip");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private int ipOffset;
    private int ipLength;
    private int ipVersion;

    /** Finds the IP packet in {@code frame[0, length)} of a capture with link type {@code linkType}. */
    public Status decode(int linkType, byte[] frame, int length) {
        int offset;
        int etherType;
        switch (linkType) {
            case DLT_EN10MB -> {
                if (length < ETHERNET_HEADER_LENGTH) return Status.LINK_HEADER_TRUNCATED;
                offset = ETHERNET_HEADER_LENGTH;
                etherType = u16(frame, 12);
                for (int tags = 0; isVlan(etherType); tags++) {
                    if (tags == MAX_VLAN_TAGS) return Status.NOT_IP;
                    if (length < offset + VLAN_TAG_LENGTH) return Status.LINK_HEADER_TRUNCATED;
                    etherType = u16(frame, offset + 2);
                    offset += VLAN_TAG_LENGTH;
                }
            }
            case DLT_LINUX_SLL -> {
                if (length < SLL_HEADER_LENGTH) return Status.LINK_HEADER_TRUNCATED;
                offset = SLL_HEADER_LENGTH;
                etherType = u16(frame, SLL_PROTOCOL_OFFSET);
            }
            case DLT_LINUX_SLL2 -> {
                if (length < SLL2_HEADER_LENGTH) return Status.LINK_HEADER_TRUNCATED;
                offset = SLL2_HEADER_LENGTH;
                etherType = u16(frame, SLL2_PROTOCOL_OFFSET);
            }
            case DLT_NULL, DLT_LOOP -> {
                if (length < NULL_HEADER_LENGTH) return Status.LINK_HEADER_TRUNCATED;
                offset = NULL_HEADER_LENGTH;
                // DLT_NULL is in the capturing host's byte order, which the file does not say: try both.
                int family = linkType == DLT_LOOP ? u32(frame, 0) : nullFamily(frame);
                etherType = family == AF_INET ? ETHERTYPE_IPV4 : isInet6(family) ? ETHERTYPE_IPV6 : 0;
            }
            case DLT_RAW, DLT_RAW_OPENBSD, LINKTYPE_RAW, DLT_IPV4, DLT_IPV6 -> {
                offset = 0;
                etherType = -1; // from the version nibble
            }
            default -> {
                return Status.UNSUPPORTED_LINK_TYPE;
            }
        }
        if (etherType == -1) {
            if (length <= offset) return Status.NOT_IP;
            int version = (frame[offset] & 0xF0) >>> 4;
            etherType = version == 4 ? ETHERTYPE_IPV4 : version == 6 ? ETHERTYPE_IPV6 : 0;
        }
        if (etherType != ETHERTYPE_IPV4 && etherType != ETHERTYPE_IPV6) return Status.NOT_IP;
        ipOffset = offset;
        ipVersion = etherType == ETHERTYPE_IPV4 ? 4 : 6;
        ipLength = ipLength(frame, offset, length - offset, ipVersion);
        return Status.OK;
    }

    /** The IP packet's length: its header's total length when the frame holds that much, else the rest of the frame. */
    private static int ipLength(byte[] frame, int offset, int available, int version) {
        if (version == 4 && available >= IPV4_MIN_HEADER) {
            int total = u16(frame, offset + 2);
            if (total >= IPV4_MIN_HEADER && total <= available) return total;
        } else if (version == 6 && available >= IPV6_HEADER) {
            int payload = u16(frame, offset + 4);
            // A payload length of 0 is a jumbogram (RFC 2675) or a segmentation-offload artefact: keep all bytes.
            if (payload != 0 && IPV6_HEADER + payload <= available) return IPV6_HEADER + payload;
        }
        return available;
    }

    private static boolean isVlan(int etherType) {
        return etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ || etherType == ETHERTYPE_QINQ_OLD;
    }

    private static int nullFamily(byte[] frame) {
        int little = (frame[0] & 0xFF) | (frame[1] & 0xFF) << 8 | (frame[2] & 0xFF) << 16 | (frame[3] & 0xFF) << 24;
        return little == AF_INET || isInet6(little) ? little : u32(frame, 0);
    }

    private static boolean isInet6(int family) {
        for (int f : AF_INET6) if (f == family) return true;
        return false;
    }

    static int u16(byte[] b, int offset) {
        return (b[offset] & 0xFF) << 8 | (b[offset + 1] & 0xFF);
    }

    private static int u32(byte[] b, int offset) {
        return (b[offset] & 0xFF) << 24
                | (b[offset + 1] & 0xFF) << 16
                | (b[offset + 2] & 0xFF) << 8
                | (b[offset + 3] & 0xFF);
    }

    /** Where the IP packet starts in the frame (after {@link Status#OK}). */
    public int ipOffset() {
        return ipOffset;
    }

    /** The IP packet's length in the frame (after {@link Status#OK}). */
    public int ipLength() {
        return ipLength;
    }

    /** 4 or 6 (after {@link Status#OK}). */
    public int ipVersion() {
        return ipVersion;
    }
}
