package org.gwlbinspect.policy;

import org.gwlbinspect.codec.l4.TcpHeader;

/**
 * One {@code TCPFlags} entry of a stateless rule (policy.md §1.2): for every flag in {@code masks}, the packet must
 * have it set exactly when it is in {@code flags}. Bits are those of the TCP header's flags byte (RFC 9293 §3.1,
 * RFC 3168 §6.1 for ECE/CWR), so the caller can pass that byte unchanged.
 *
 * @param flags flags that must be set (a subset of masks)
 * @param masks flags that are inspected; NFW's empty {@code Masks} means all eight
 */
public record TcpFlagsMatch(int flags, int masks) {
    public static final int FIN = TcpHeader.FIN;
    public static final int SYN = TcpHeader.SYN;
    public static final int RST = TcpHeader.RST;
    public static final int PSH = TcpHeader.PSH;
    public static final int ACK = TcpHeader.ACK;
    public static final int URG = TcpHeader.URG;
    public static final int ECE = TcpHeader.ECE;
    public static final int CWR = TcpHeader.CWR;
    public static final int ALL = 0xFF;

    public TcpFlagsMatch {
        if ((flags & ~ALL) != 0 || (masks & ~ALL) != 0) throw new IllegalArgumentException("flags are 8 bits");
    }

    /** Whether a packet with these header flags matches. */
    public boolean matches(int packetFlags) {
        return (packetFlags & masks) == (flags & masks);
    }

    /** The bit of an NFW flag name ({@code SYN}, ...), or 0 if the name is unknown. */
    public static int bitOf(String name) {
        return switch (name) {
            case "FIN" -> FIN;
            case "SYN" -> SYN;
            case "RST" -> RST;
            case "PSH" -> PSH;
            case "ACK" -> ACK;
            case "URG" -> URG;
            case "ECE" -> ECE;
            case "CWR" -> CWR;
            default -> 0;
        };
    }
}
