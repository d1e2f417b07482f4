package org.gwlbinspect.codec.l4;

import io.netty.buffer.ByteBuf;
import org.gwlbinspect.codec.ip.Checksums;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.ip.Ipv4Header;
import org.gwlbinspect.codec.ip.Ipv6Header;

/**
 * Writes the two TCP resets that answer a rejected TCP segment (policy.md §2.7): one to the segment's sender, as if
 * from its destination, and one to its destination, as if from its sender. Each is a bare IPv4 or IPv6 packet with a
 * 20-byte TCP header, no options and no data, ready to follow the flow's GENEVE header.
 *
 * <pre>
 * to the sender       addresses and ports swapped; window 0
 *   no ACK in segment   seq 0             RST|ACK  ack = SEG.SEQ + SEG.LEN
 *   ACK in segment      seq = SEG.ACK     RST|ACK  ack = SEG.SEQ + SEG.LEN
 * to the destination  addresses and ports as in the segment; window 0
 *   no ACK in segment   seq = SEG.SEQ     RST      ack 0
 *   ACK in segment      seq = SEG.SEQ     RST|ACK  ack = SEG.ACK
 * SEG.LEN counts the data plus one for SYN and one for FIN (RFC 9293 §3.4); all arithmetic is modulo 2^32.
 * </pre>
 *
 * <p>Why these numbers. In a synchronized state a receiver following RFC 5961 §3.2 (as RFC 9293 §3.10.7.4 allows
 * and Linux does) resets the connection only when the RST's sequence number is exactly its RCV.NXT; any other
 * in-window value draws a challenge ACK and the connection stays up.
 *
 * <ul>
 *   <li>The sender's RCV.NXT is the SEG.ACK it just sent: the RST to it carries that, as Linux's {@code
 *       nf_reject_ip_tcphdr_put} and Suricata's {@code respond-reject} do. A segment without ACK (a SYN) means the
 *       sender is in SYN-SENT, where the RST is accepted only if its ACK acknowledges the SYN (RFC 9293 §3.10.7.3):
 *       hence seq 0 and ack = SEG.SEQ + SEG.LEN, the SYN counted. We always set ACK as Suricata does; Linux omits it
 *       when the segment had one, which changes nothing for the receiver.
 *   <li>The rejected segment is dropped, so the destination never saw its data: its RCV.NXT is still SEG.SEQ, which
 *       is what the RST to it carries, as Suricata's does. SEG.SEQ + SEG.LEN would be in window but not exact, and a
 *       Linux server would answer with a challenge ACK instead of closing. The ACK bit and number are the segment's,
 *       so a server that checks them sees what its peer last acknowledged.
 * </ul>
 *
 * <p>No reset answers a reset (RFC 9293 §3.10.7.1 discards an incoming RST; Linux's {@code nf_reject}: "No RST for
 * RST"), so resets cannot ping-pong. A non-first fragment has no TCP header to answer. A first fragment is answered
 * with the length of its own data, since the datagram's total is not known yet: only the ACK number of the RST to the
 * sender depends on it, and a receiver checks that number in SYN-SENT only.
 *
 * <p>The IP header is written as Linux writes its resets: IPv4 with TTL 64, DF set, ID 0, TOS 0; IPv6 with hop limit
 * 64, Traffic Class and Flow Label 0, no extension headers. Immutable and thread-safe; allocates nothing.
 */
public final class TcpResetWriter {
    /** Result: the packet is not TCP (REJECT applies to TCP only, policy.md §2.7). */
    public static final int NOT_TCP = -1;
    /** Result: the packet is a fragment after the first; it carries no TCP header to answer. */
    public static final int NON_FIRST_FRAGMENT = -2;
    /** Result: the packet is itself a reset; a reset never answers one. */
    public static final int OFFENDING_RESET = -3;
    /** Result: fewer than {@link #resetLength} bytes are writable in the destination; nothing was written. */
    public static final int DESTINATION_TOO_SMALL = -4;

    /** TTL and hop limit of the resets: Linux's default ({@code net.ipv4.ip_default_ttl}, IPv6 hop limit 64). */
    public static final int TTL = 64;

    /** Bytes of an IPv4 reset: 20-byte IPv4 header and 20-byte TCP header. */
    public static final int IPV4_RESET_LENGTH = Ipv4Header.MIN_HEADER_LENGTH + TcpHeader.MIN_HEADER_LENGTH;
    /** Bytes of an IPv6 reset: 40-byte IPv6 header and 20-byte TCP header. */
    public static final int IPV6_RESET_LENGTH = Ipv6Header.HEADER_LENGTH + TcpHeader.MIN_HEADER_LENGTH;
    /** The longer of the two. */
    public static final int MAX_RESET_LENGTH = IPV6_RESET_LENGTH;

    private static final long SEQUENCE_MASK = 0xFFFF_FFFFL;

    /**
     * Appends the reset to the segment's sender at {@code dst}'s writer index, which advances.
     *
     * @param packet a packet {@link InnerPacket#decode} accepted; read only, the buffer it points at is not moved
     * @param dst where to write; never grown, so a preallocated buffer keeps its memory address
     * @return bytes written ({@link #IPV4_RESET_LENGTH} or {@link #IPV6_RESET_LENGTH}), or {@link #NOT_TCP}, {@link
     *     #NON_FIRST_FRAGMENT}, {@link #OFFENDING_RESET}, {@link #DESTINATION_TOO_SMALL}
     */
    public int writeResetToSender(InnerPacket packet, ByteBuf dst) {
        int refusal = refusal(packet, dst);
        if (refusal != 0) {
            return refusal;
        }
        TcpHeader tcp = packet.tcp();
        boolean acked = (packet.tcpFlags() & TcpHeader.ACK) != 0;
        long sequence = acked ? tcp.acknowledgmentNumber() : 0;
        long acknowledgment = (tcp.sequenceNumber() + segmentLength(packet)) & SEQUENCE_MASK;
        return write(
                dst,
                packet.ipVersion(),
                packet.dstAddrHi(),
                packet.dstAddrLo(),
                packet.srcAddrHi(),
                packet.srcAddrLo(),
                packet.dstPort(),
                packet.srcPort(),
                sequence,
                acknowledgment,
                TcpHeader.RST | TcpHeader.ACK);
    }

    /**
     * Appends the reset to the segment's destination at {@code dst}'s writer index, which advances.
     *
     * @param packet a packet {@link InnerPacket#decode} accepted; read only, the buffer it points at is not moved
     * @param dst where to write; never grown, so a preallocated buffer keeps its memory address
     * @return bytes written ({@link #IPV4_RESET_LENGTH} or {@link #IPV6_RESET_LENGTH}), or {@link #NOT_TCP}, {@link
     *     #NON_FIRST_FRAGMENT}, {@link #OFFENDING_RESET}, {@link #DESTINATION_TOO_SMALL}
     */
    public int writeResetToDestination(InnerPacket packet, ByteBuf dst) {
        int refusal = refusal(packet, dst);
        if (refusal != 0) {
            return refusal;
        }
        TcpHeader tcp = packet.tcp();
        boolean acked = (packet.tcpFlags() & TcpHeader.ACK) != 0;
        return write(
                dst,
                packet.ipVersion(),
                packet.srcAddrHi(),
                packet.srcAddrLo(),
                packet.dstAddrHi(),
                packet.dstAddrLo(),
                packet.srcPort(),
                packet.dstPort(),
                tcp.sequenceNumber(),
                acked ? tcp.acknowledgmentNumber() : 0,
                acked ? TcpHeader.RST | TcpHeader.ACK : TcpHeader.RST);
    }

    /** Bytes of the reset answering a packet of {@code ipVersion} (4 or 6). */
    public static int resetLength(int ipVersion) {
        return ipVersion == Ipv6Header.VERSION ? IPV6_RESET_LENGTH : IPV4_RESET_LENGTH;
    }

    /**
     * Whether resets can answer {@code packet}, for a caller that wants to know before preparing anything else.
     *
     * @return 0 if they can, else {@link #NOT_TCP}, {@link #NON_FIRST_FRAGMENT} or {@link #OFFENDING_RESET}
     */
    public static int refusalFor(InnerPacket packet) {
        if (packet.protocol() != TcpHeader.PROTOCOL) {
            return NOT_TCP;
        }
        if (packet.fragmentOffset() != 0) {
            return NON_FIRST_FRAGMENT;
        }
        if ((packet.tcpFlags() & TcpHeader.RST) != 0) {
            return OFFENDING_RESET;
        }
        return 0;
    }

    /** 0 if {@code packet} can be answered in {@code dst}, else the negative result that says why not. */
    private static int refusal(InnerPacket packet, ByteBuf dst) {
        int refusal = refusalFor(packet);
        if (refusal != 0) {
            return refusal;
        }
        if (dst.writableBytes() < resetLength(packet.ipVersion())) {
            return DESTINATION_TOO_SMALL;
        }
        return 0;
    }

    /** SEG.LEN (RFC 9293 §3.4): the data, plus one for SYN and one for FIN, which occupy sequence space. */
    private static long segmentLength(InnerPacket packet) {
        int flags = packet.tcpFlags();
        return packet.payloadLength() + ((flags & TcpHeader.SYN) != 0 ? 1 : 0) + ((flags & TcpHeader.FIN) != 0 ? 1 : 0);
    }

    private static int write(
            ByteBuf dst,
            int ipVersion,
            long sourceHi,
            long sourceLo,
            long destinationHi,
            long destinationLo,
            int sourcePort,
            int destinationPort,
            long sequence,
            long acknowledgment,
            int flags) {
        int at = dst.writerIndex();
        int tcp;
        long pseudoHeader;
        if (ipVersion == Ipv6Header.VERSION) {
            tcp = at
                    + Ipv6Header.writeFixed(
                            dst,
                            at,
                            TcpHeader.MIN_HEADER_LENGTH,
                            TcpHeader.PROTOCOL,
                            TTL,
                            sourceHi,
                            sourceLo,
                            destinationHi,
                            destinationLo);
            pseudoHeader = Checksums.ipv6PseudoHeader(
                    sourceHi, sourceLo, destinationHi, destinationLo, TcpHeader.PROTOCOL, TcpHeader.MIN_HEADER_LENGTH);
        } else {
            tcp = at
                    + Ipv4Header.writeAtomic(
                            dst, at, TcpHeader.MIN_HEADER_LENGTH, TcpHeader.PROTOCOL, TTL, sourceLo, destinationLo);
            pseudoHeader = Checksums.ipv4PseudoHeader(
                    sourceLo, destinationLo, TcpHeader.PROTOCOL, TcpHeader.MIN_HEADER_LENGTH);
        }
        // Window 0: the reset offers no receive space, as Linux's resets do not.
        int end = tcp
                + TcpHeader.writeWithoutOptions(
                        dst, tcp, sourcePort, destinationPort, sequence, acknowledgment, flags, 0);
        TcpHeader.setChecksum(
                dst, tcp, Checksums.checksum(Checksums.add(pseudoHeader, dst, tcp, TcpHeader.MIN_HEADER_LENGTH)));
        dst.writerIndex(end);
        return end - at;
    }
}
