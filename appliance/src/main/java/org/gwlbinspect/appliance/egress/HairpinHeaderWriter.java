package org.gwlbinspect.appliance.egress;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Writes the 28-byte outer IPv4 (RFC 791, 20 bytes, no options) + UDP (RFC 768, 8 bytes) header of a reply to GWLB.
 *
 * <pre>
 *  0                   1                   2                   3
 * |Version|  IHL  |Type of Service|          Total Length         |  4, 5, 0, 28 + payload
 * |         Identification        |Flags|      Fragment Offset    |  0, DF not set, 0
 * |  Time to Live |    Protocol   |         Header Checksum       |  ttl, 17, computed
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |          Source Port          |       Destination Port        |
 * |            Length             |           Checksum            |  8 + payload, 0
 * </pre>
 *
 * <p>On the return path (gwlb.md §2.1) the caller passes the IPs swapped and the ports not swapped: source = the
 * appliance IP the packet was sent to, destination = the GWLB node, source port = the port GWLB used for the flow,
 * destination port = 6081.
 *
 * <p>What the kernel does with this header on an {@code IPPROTO_RAW} socket (which implies {@code IP_HDRINCL}), from
 * {@code man 7 raw}, "IP Header fields modified on sending by IP_HDRINCL": the IP checksum and the total length are
 * always filled in, the source address and the packet ID are filled in when zero. So on Linux the kernel replaces our
 * checksum and total length and picks an ID (we write ID 0, as gwlbtun does), but every other byte goes out as written.
 * We still compute both fields, so the header is correct on its own (tests, captures, other senders).
 *
 * <p>The UDP checksum is 0, "no checksum", which RFC 768 allows for IPv4; gwlbtun does the same and GWLB accepts it
 * (gwlb.md §0 item 12). DF is not set, as gwlbtun does: GWLB never sends "fragmentation needed" (gwlb.md §0 item 9).
 *
 * <p>Immutable and thread-safe; {@link #write} allocates nothing.
 */
public final class HairpinHeaderWriter {

    /** IPv4 header without options. */
    public static final int IPV4_HEADER_LENGTH = 20;

    /** UDP header. */
    public static final int UDP_HEADER_LENGTH = 8;

    /** Outer IPv4 + UDP header written in front of every reply. */
    public static final int HEADER_LENGTH = IPV4_HEADER_LENGTH + UDP_HEADER_LENGTH;

    /** The IPv4 total length field is 16 bits, so the UDP payload (GENEVE header + inner packet) is at most this. */
    public static final int MAX_PAYLOAD_LENGTH = 0xFFFF - HEADER_LENGTH;

    /**
     * TTL 64, the usual Linux default (net.ipv4.ip_default_ttl) and what gwlb-xdp sends. gwlbtun sends 2, which also
     * works because GWLB is one hop away, but 64 costs nothing and survives an extra router should one ever appear.
     */
    public static final int DEFAULT_TTL = 64;

    /** GENEVE's UDP port (RFC 8926 §3.3); GWLB only listens there (gwlb.md §1.1). */
    public static final int GENEVE_PORT = 6081;

    static final int IP_PROTOCOL_UDP = 17;

    // Offsets from the start of the IPv4 header, as RFC 791 §3.1 lays it out.
    static final int VERSION_IHL_OFFSET = 0;
    static final int TOTAL_LENGTH_OFFSET = 2;
    static final int IDENTIFICATION_OFFSET = 4;
    static final int TTL_OFFSET = 8;
    static final int CHECKSUM_OFFSET = 10;
    static final int SOURCE_ADDRESS_OFFSET = 12;
    static final int DESTINATION_ADDRESS_OFFSET = 16;
    // UDP (RFC 768) follows the IPv4 header.
    static final int SOURCE_PORT_OFFSET = IPV4_HEADER_LENGTH;
    static final int DESTINATION_PORT_OFFSET = SOURCE_PORT_OFFSET + 2;
    static final int UDP_LENGTH_OFFSET = DESTINATION_PORT_OFFSET + 2;
    static final int UDP_CHECKSUM_OFFSET = UDP_LENGTH_OFFSET + 2;

    private static final int VERSION_IHL_TOS = 0x4500; // version 4, IHL 5 words, TOS 0

    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final int ttl;

    /** A writer with {@link #DEFAULT_TTL}. */
    public HairpinHeaderWriter() {
        this(DEFAULT_TTL);
    }

    /** A writer that sets the given TTL (1 to 255). */
    public HairpinHeaderWriter(int ttl) {
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("ttl must be 1..255, got " + ttl);
        }
        this.ttl = ttl;
    }

    public int ttl() {
        return ttl;
    }

    /**
     * Writes the header into {@code segment} at {@code offset} ({@link #HEADER_LENGTH} bytes).
     *
     * @param sourceIp IPv4 address as an int in network order's numeric value (10.99.0.2 is {@code 0x0A630002})
     * @param destinationIp same encoding
     * @param sourcePort 0..65535
     * @param destinationPort 0..65535
     * @param payloadLength UDP payload bytes that follow the header, 0..{@link #MAX_PAYLOAD_LENGTH}
     */
    public void write(
            MemorySegment segment,
            long offset,
            int sourceIp,
            int destinationIp,
            int sourcePort,
            int destinationPort,
            int payloadLength) {
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException(
                    "payloadLength must be 0.." + MAX_PAYLOAD_LENGTH + ", got " + payloadLength);
        }
        if ((sourcePort | destinationPort) >>> 16 != 0) {
            throw new IllegalArgumentException("ports must be 0..65535, got " + sourcePort + " and " + destinationPort);
        }
        int totalLength = HEADER_LENGTH + payloadLength;
        int ttlProtocol = (ttl << 8) | IP_PROTOCOL_UDP;
        int checksum = ipv4HeaderChecksum(totalLength, ttlProtocol, sourceIp, destinationIp);

        // Two 32-bit stores per row of the diagram above; the identification and flags/fragment offset are all zero.
        segment.set(INT_BE, offset + VERSION_IHL_OFFSET, (VERSION_IHL_TOS << 16) | totalLength);
        segment.set(INT_BE, offset + IDENTIFICATION_OFFSET, 0);
        segment.set(INT_BE, offset + TTL_OFFSET, (ttlProtocol << 16) | checksum);
        segment.set(INT_BE, offset + SOURCE_ADDRESS_OFFSET, sourceIp);
        segment.set(INT_BE, offset + DESTINATION_ADDRESS_OFFSET, destinationIp);
        segment.set(SHORT_BE, offset + SOURCE_PORT_OFFSET, (short) sourcePort);
        segment.set(SHORT_BE, offset + DESTINATION_PORT_OFFSET, (short) destinationPort);
        segment.set(SHORT_BE, offset + UDP_LENGTH_OFFSET, (short) (UDP_HEADER_LENGTH + payloadLength));
        segment.set(SHORT_BE, offset + UDP_CHECKSUM_OFFSET, (short) 0); // RFC 768: 0 = no checksum (IPv4 only)
    }

    /**
     * RFC 791 header checksum (RFC 1071 one's-complement sum of the 16-bit words), computed from the field values
     * rather than re-read from memory. The zero words (identification, flags/fragment, checksum) add nothing.
     */
    static int ipv4HeaderChecksum(int totalLength, int ttlProtocol, int sourceIp, int destinationIp) {
        int sum = VERSION_IHL_TOS
                + totalLength
                + ttlProtocol
                + (sourceIp >>> 16)
                + (sourceIp & 0xFFFF)
                + (destinationIp >>> 16)
                + (destinationIp & 0xFFFF);
        sum = (sum & 0xFFFF) + (sum >>> 16); // at most 7 words: two folds always suffice
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return ~sum & 0xFFFF;
    }
}
