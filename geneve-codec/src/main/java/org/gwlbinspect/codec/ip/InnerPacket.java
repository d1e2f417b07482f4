package org.gwlbinspect.codec.ip;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.l4.IcmpHeader;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.gwlbinspect.codec.l4.UdpHeader;

/**
 * The inner packet GWLB carries after its GENEVE header, decoded once for the data path: IPv4 (RFC 791) or IPv6 with
 * its extension chain (RFC 8200), then the first TCP, UDP or ICMP header.
 *
 * <p>One instance per worker thread, re-pointed by {@link #decode} for every packet; it owns its sub-flyweights and
 * allocates nothing afterwards. It checks every length it exposes, so accessors need no checks after {@link
 * DecodeStatus#OK}:
 *
 * <ul>
 *   <li>Bytes after the IP packet's own length (link-layer padding) are allowed and excluded.
 *   <li>Non-first fragments carry no L4 header: ports and TCP flags are 0 and no L4 check runs.
 *   <li>An unfragmented packet or a first fragment must hold the whole L4 header (RFC 8200 §4.5), else {@link
 *       DecodeStatus#INNER_L4_TRUNCATED}.
 *   <li>For an ICMP error, the quoted packet's tuple is exposed when the quote holds the IP header and 8 more bytes
 *       (RFC 792, RFC 4443 §2.4); a shorter quote is not a drop, {@link #hasQuotedTuple()} is just false.
 * </ul>
 *
 * <p>Addresses are two longs: IPv6 high and low 64 bits; IPv4 hi = 0 and lo = the address as unsigned 32 bits.
 */
public final class InnerPacket {
    /** Bytes of an ICMP error's quote needed after the quoted IP header: RFC 792's "64 bits of data". */
    public static final int QUOTED_DATA_MIN_LENGTH = 8;

    private final Ipv4Header ipv4 = new Ipv4Header();
    private final Ipv6Header ipv6 = new Ipv6Header();
    private final TcpHeader tcp = new TcpHeader();
    private final UdpHeader udp = new UdpHeader();
    private final IcmpHeader icmp = new IcmpHeader();
    private final Ipv4Header quotedIpv4 = new Ipv4Header();
    private final Ipv6Header quotedIpv6 = new Ipv6Header();

    private int ipVersion;
    private int protocol;
    private long srcAddrHi;
    private long srcAddrLo;
    private long dstAddrHi;
    private long dstAddrLo;
    private int srcPort;
    private int dstPort;
    private int ipTotalLength;
    private boolean fragment;
    private int fragmentOffset;
    private boolean moreFragments;
    private long fragmentId;
    private int l4Offset;
    private int l4Length;
    private int tcpFlags;
    private int payloadOffset;
    private int payloadLength;
    private boolean icmpError;
    private boolean quotedTuple;
    private int quotedProtocol;
    private long quotedSrcAddrHi;
    private long quotedSrcAddrLo;
    private long quotedDstAddrHi;
    private long quotedDstAddrLo;
    private int quotedSrcPort;
    private int quotedDstPort;

    /**
     * Decodes the inner packet.
     *
     * @param buf the datagram; read with absolute getters, its indices are not moved
     * @param offset where the inner packet starts (right after the GENEVE header)
     * @param length bytes from {@code offset} to the end of the datagram (clamped to the buffer's capacity)
     * @param protocolType the GENEVE Protocol Type, {@link GeneveHeader#PROTOCOL_IPV4} or {@link
     *     GeneveHeader#PROTOCOL_IPV6}
     * @return {@link DecodeStatus#OK} or the first broken invariant
     */
    public DecodeStatus decode(ByteBuf buf, int offset, int length, int protocolType) {
        reset();
        if (offset < 0 || offset > buf.capacity()) {
            return DecodeStatus.INNER_EMPTY;
        }
        int available = Math.min(length, buf.capacity() - offset);
        if (available <= 0) {
            return DecodeStatus.INNER_EMPTY;
        }
        int expectedVersion;
        if (protocolType == GeneveHeader.PROTOCOL_IPV4) {
            expectedVersion = Ipv4Header.VERSION;
        } else if (protocolType == GeneveHeader.PROTOCOL_IPV6) {
            expectedVersion = Ipv6Header.VERSION;
        } else {
            return DecodeStatus.GENEVE_BAD_PROTOCOL_TYPE;
        }
        if ((buf.getUnsignedByte(offset) >>> 4) != expectedVersion) {
            return DecodeStatus.INNER_VERSION_MISMATCH;
        }
        ipVersion = expectedVersion;
        DecodeStatus status = expectedVersion == Ipv4Header.VERSION
                ? decodeIpv4(buf, offset, available)
                : decodeIpv6(buf, offset, available);
        if (status != DecodeStatus.OK) {
            return status;
        }
        payloadOffset = l4Offset;
        payloadLength = l4Length;
        if (fragmentOffset != 0) {
            // A non-first fragment starts with fragment data, not an L4 header: nothing more to check or read.
            return DecodeStatus.OK;
        }
        return decodeL4(buf);
    }

    private DecodeStatus decodeIpv4(ByteBuf buf, int offset, int available) {
        DecodeStatus status = ipv4.wrap(buf, offset, available);
        if (status != DecodeStatus.OK) {
            return status;
        }
        protocol = ipv4.protocol();
        srcAddrLo = ipv4.sourceAddress();
        dstAddrLo = ipv4.destinationAddress();
        ipTotalLength = ipv4.totalLength();
        fragment = ipv4.isFragment();
        fragmentOffset = ipv4.fragmentOffset();
        moreFragments = ipv4.moreFragments();
        fragmentId = ipv4.identification();
        if (fragment && fragmentOffset + ipTotalLength > Ipv4Header.MAX_TOTAL_LENGTH) {
            // RFC 791 §3.1: Total Length is 16 bits, so no reassembled datagram may pass 65 535 bytes (ping of death).
            return DecodeStatus.INNER_FRAGMENT_TOO_LARGE;
        }
        l4Offset = ipv4.payloadOffset();
        l4Length = ipv4.payloadLength();
        return DecodeStatus.OK;
    }

    private DecodeStatus decodeIpv6(ByteBuf buf, int offset, int available) {
        DecodeStatus status = ipv6.wrap(buf, offset, available);
        if (status != DecodeStatus.OK) {
            return status;
        }
        protocol = ipv6.protocol();
        srcAddrHi = ipv6.sourceAddressHi();
        srcAddrLo = ipv6.sourceAddressLo();
        dstAddrHi = ipv6.destinationAddressHi();
        dstAddrLo = ipv6.destinationAddressLo();
        ipTotalLength = ipv6.totalLength();
        fragment = ipv6.isFragment();
        fragmentOffset = ipv6.fragmentOffset();
        moreFragments = ipv6.moreFragments();
        fragmentId = ipv6.fragmentId();
        l4Offset = ipv6.upperLayerOffset();
        l4Length = offset + ipTotalLength - l4Offset;
        return DecodeStatus.OK;
    }

    private DecodeStatus decodeL4(ByteBuf buf) {
        if (protocol == TcpHeader.PROTOCOL) {
            DecodeStatus status = tcp.wrap(buf, l4Offset, l4Length);
            if (status != DecodeStatus.OK) {
                return status;
            }
            srcPort = tcp.sourcePort();
            dstPort = tcp.destinationPort();
            tcpFlags = tcp.flags();
            payloadOffset = tcp.payloadOffset();
            payloadLength = l4Length - tcp.headerLength();
        } else if (protocol == UdpHeader.PROTOCOL) {
            DecodeStatus status = udp.wrap(buf, l4Offset, l4Length);
            if (status != DecodeStatus.OK) {
                return status;
            }
            srcPort = udp.sourcePort();
            dstPort = udp.destinationPort();
            payloadOffset = udp.payloadOffset();
            payloadLength = l4Length - UdpHeader.HEADER_LENGTH;
            if (!fragment) {
                // RFC 768: Length covers header and data. In a whole datagram it must fit in the IP payload; a shorter
                // Length leaves trailing bytes that are not UDP data (Linux trims them the same way).
                int udpLength = udp.length();
                if (udpLength < UdpHeader.HEADER_LENGTH || udpLength > l4Length) {
                    return DecodeStatus.INNER_UDP_BAD_LENGTH;
                }
                payloadLength = udpLength - UdpHeader.HEADER_LENGTH;
            }
        } else if ((protocol == IcmpHeader.PROTOCOL_V4 && ipVersion == Ipv4Header.VERSION)
                || (protocol == IcmpHeader.PROTOCOL_V6 && ipVersion == Ipv6Header.VERSION)) {
            DecodeStatus status = icmp.wrap(buf, l4Offset, l4Length, ipVersion == Ipv6Header.VERSION);
            if (status != DecodeStatus.OK) {
                return status;
            }
            payloadOffset = icmp.quotedOffset();
            payloadLength = icmp.quotedLength();
            if (icmp.isError()) {
                icmpError = true;
                decodeQuoted(buf, icmp.quotedOffset(), icmp.quotedLength());
            }
        }
        return DecodeStatus.OK;
    }

    /** Best effort: a quote too short or malformed leaves {@link #hasQuotedTuple()} false; it is not a drop. */
    private void decodeQuoted(ByteBuf buf, int offset, int length) {
        if (length <= 0) {
            return;
        }
        int l4;
        boolean nonFirstFragment;
        if (ipVersion == Ipv4Header.VERSION) {
            if (quotedIpv4.wrapQuoted(buf, offset, length) != DecodeStatus.OK) {
                return;
            }
            quotedProtocol = quotedIpv4.protocol();
            quotedSrcAddrLo = quotedIpv4.sourceAddress();
            quotedDstAddrLo = quotedIpv4.destinationAddress();
            l4 = quotedIpv4.payloadOffset();
            nonFirstFragment = quotedIpv4.fragmentOffset() != 0;
        } else {
            if (quotedIpv6.wrapQuoted(buf, offset, length) != DecodeStatus.OK) {
                return;
            }
            quotedProtocol = quotedIpv6.protocol();
            quotedSrcAddrHi = quotedIpv6.sourceAddressHi();
            quotedSrcAddrLo = quotedIpv6.sourceAddressLo();
            quotedDstAddrHi = quotedIpv6.destinationAddressHi();
            quotedDstAddrLo = quotedIpv6.destinationAddressLo();
            l4 = quotedIpv6.upperLayerOffset();
            nonFirstFragment = quotedIpv6.fragmentOffset() != 0;
        }
        if (offset + length - l4 < QUOTED_DATA_MIN_LENGTH) {
            return;
        }
        if (!nonFirstFragment && (quotedProtocol == TcpHeader.PROTOCOL || quotedProtocol == UdpHeader.PROTOCOL)) {
            // TCP and UDP both start with source port, destination port.
            quotedSrcPort = buf.getUnsignedShort(l4);
            quotedDstPort = buf.getUnsignedShort(l4 + 2);
        }
        quotedTuple = true;
    }

    private void reset() {
        ipVersion = 0;
        protocol = 0;
        srcAddrHi = 0;
        srcAddrLo = 0;
        dstAddrHi = 0;
        dstAddrLo = 0;
        srcPort = 0;
        dstPort = 0;
        ipTotalLength = 0;
        fragment = false;
        fragmentOffset = 0;
        moreFragments = false;
        fragmentId = 0;
        l4Offset = 0;
        l4Length = 0;
        tcpFlags = 0;
        payloadOffset = 0;
        payloadLength = 0;
        icmpError = false;
        quotedTuple = false;
        quotedProtocol = 0;
        quotedSrcAddrHi = 0;
        quotedSrcAddrLo = 0;
        quotedDstAddrHi = 0;
        quotedDstAddrLo = 0;
        quotedSrcPort = 0;
        quotedDstPort = 0;
    }

    /** 4 or 6. */
    public int ipVersion() {
        return ipVersion;
    }

    /** The upper-layer protocol: IPv4 Protocol, or the Next Header that ends the IPv6 extension chain. */
    public int protocol() {
        return protocol;
    }

    public long srcAddrHi() {
        return srcAddrHi;
    }

    public long srcAddrLo() {
        return srcAddrLo;
    }

    public long dstAddrHi() {
        return dstAddrHi;
    }

    public long dstAddrLo() {
        return dstAddrLo;
    }

    /** TCP or UDP source port; 0 for other protocols and non-first fragments. */
    public int srcPort() {
        return srcPort;
    }

    /** TCP or UDP destination port; 0 for other protocols and non-first fragments. */
    public int dstPort() {
        return dstPort;
    }

    /** Bytes of the IP packet: IPv4 Total Length, or 40 + IPv6 Payload Length. Trailing padding is not counted. */
    public int ipTotalLength() {
        return ipTotalLength;
    }

    /** Whether this packet is one fragment of a larger datagram (offset non-zero or more-fragments set). */
    public boolean isFragment() {
        return fragment;
    }

    /** Whether this is the fragment at offset 0, the one that carries the L4 header. */
    public boolean isFirstFragment() {
        return fragment && fragmentOffset == 0;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffset() {
        return fragmentOffset;
    }

    /** IPv4 MF flag or IPv6 M flag. */
    public boolean moreFragments() {
        return moreFragments;
    }

    /** IPv4 Identification (16 bits, always present) or IPv6 Fragment header Identification (32 bits, else 0). */
    public long fragmentId() {
        return fragmentId;
    }

    /** Where the bytes after the IP header (and IPv6 extension headers) start. */
    public int l4Offset() {
        return l4Offset;
    }

    /** Bytes from {@link #l4Offset()} to the end of the IP packet. */
    public int l4Length() {
        return l4Length;
    }

    /** TCP control bits ({@link TcpHeader#SYN} etc.); 0 unless TCP with its header present. */
    public int tcpFlags() {
        return tcpFlags;
    }

    /**
     * Where the L4 payload starts: after the TCP header with options, the UDP header or the ICMP header; {@link
     * #l4Offset()} when there is no L4 header to skip.
     */
    public int payloadOffset() {
        return payloadOffset;
    }

    /** Bytes of L4 payload (for a whole UDP datagram, as its Length field says). */
    public int payloadLength() {
        return payloadLength;
    }

    /** Whether this is an ICMPv4 or ICMPv6 error message (it quotes the packet that caused it). */
    public boolean isIcmpError() {
        return icmpError;
    }

    /** Whether the ICMP error's quote held a parseable IP header and 8 more bytes, so the quoted tuple is valid. */
    public boolean hasQuotedTuple() {
        return quotedTuple;
    }

    public int quotedProtocol() {
        return quotedProtocol;
    }

    public long quotedSrcAddrHi() {
        return quotedSrcAddrHi;
    }

    public long quotedSrcAddrLo() {
        return quotedSrcAddrLo;
    }

    public long quotedDstAddrHi() {
        return quotedDstAddrHi;
    }

    public long quotedDstAddrLo() {
        return quotedDstAddrLo;
    }

    /** The quoted TCP or UDP source port; 0 for other protocols. */
    public int quotedSrcPort() {
        return quotedSrcPort;
    }

    /** The quoted TCP or UDP destination port; 0 for other protocols. */
    public int quotedDstPort() {
        return quotedDstPort;
    }

    /** The IPv4 view, valid after OK when {@link #ipVersion()} is 4. */
    public Ipv4Header ipv4() {
        return ipv4;
    }

    /** The IPv6 view, valid after OK when {@link #ipVersion()} is 6. */
    public Ipv6Header ipv6() {
        return ipv6;
    }

    /** The TCP view, valid after OK when {@link #protocol()} is TCP and this is not a non-first fragment. */
    public TcpHeader tcp() {
        return tcp;
    }

    /** The UDP view, valid after OK when {@link #protocol()} is UDP and this is not a non-first fragment. */
    public UdpHeader udp() {
        return udp;
    }

    /** The ICMP view, valid after OK when {@link #protocol()} is ICMP for the IP version, not a non-first fragment. */
    public IcmpHeader icmp() {
        return icmp;
    }
}
