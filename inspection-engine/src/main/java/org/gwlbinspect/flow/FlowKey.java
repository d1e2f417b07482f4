package org.gwlbinspect.flow;

/**
 * The flow key of one packet: GWLB endpoint ID, inner IP version and the symmetric 5-tuple (gwlb.md §0 item 6).
 *
 * <p>One instance per worker, refilled for every packet, never shared. The setters put the two endpoints in a canonical
 * order (A is the smaller of (address, port)), so both directions of a flow produce the same key, and record which
 * way this packet travels in {@link #direction()}. Addresses are two longs: IPv6 high and low 64 bits; IPv4 {@code hi
 * = 0}, {@code lo} = the unsigned 32-bit address. The IP version is part of the key, so an IPv4 address never equals
 * an IPv6 address with the same low bits.
 *
 * <p>{@link FlowTable#lookup} and {@link FlowTable#lookupOrCreate} also leave the found slot's {@link #generation()}
 * here, so that later calls with this key act only on that flow and not on a flow that reused its slot.
 */
public final class FlowKey {

    /** The packet travels from endpoint A (the canonically smaller one) to B. */
    public static final int A_TO_B = 0;
    /** The packet travels from endpoint B to A. */
    public static final int B_TO_A = 1;

    long endpointId;
    int ipVersion;
    long addressAHi;
    long addressALo;
    long addressBHi;
    long addressBLo;
    int portA;
    int portB;
    int protocol;
    int direction;
    int generation;

    /** Fills the key from an inner IPv4 packet; {@code protocol} 0–255, ports 0–65535 (0 when there are none). */
    public FlowKey setIpv4(long endpointId, int srcAddress, int dstAddress, int protocol, int srcPort, int dstPort) {
        return set(
                endpointId,
                4,
                0,
                Integer.toUnsignedLong(srcAddress),
                0,
                Integer.toUnsignedLong(dstAddress),
                protocol,
                srcPort,
                dstPort);
    }

    /** Fills the key from an inner IPv6 packet (addresses as high and low 64 bits). */
    public FlowKey setIpv6(
            long endpointId, long srcHi, long srcLo, long dstHi, long dstLo, int protocol, int srcPort, int dstPort) {
        return set(endpointId, 6, srcHi, srcLo, dstHi, dstLo, protocol, srcPort, dstPort);
    }

    /**
     * Fills the key and canonicalises it. Values are masked to their field widths instead of checked: the decoder has
     * already validated them, and the data path does not throw.
     */
    public FlowKey set(
            long endpointId,
            int ipVersion,
            long srcHi,
            long srcLo,
            long dstHi,
            long dstLo,
            int protocol,
            int srcPort,
            int dstPort) {
        this.endpointId = endpointId;
        this.ipVersion = ipVersion & 0xFF;
        this.protocol = protocol & 0xFF;
        int sp = srcPort & 0xFFFF;
        int dp = dstPort & 0xFFFF;
        int order = Long.compareUnsigned(srcHi, dstHi);
        if (order == 0) order = Long.compareUnsigned(srcLo, dstLo);
        if (order == 0) order = Integer.compare(sp, dp);
        if (order <= 0) {
            addressAHi = srcHi;
            addressALo = srcLo;
            portA = sp;
            addressBHi = dstHi;
            addressBLo = dstLo;
            portB = dp;
            direction = A_TO_B;
        } else {
            addressAHi = dstHi;
            addressALo = dstLo;
            portA = dp;
            addressBHi = srcHi;
            addressBLo = srcLo;
            portB = sp;
            direction = B_TO_A;
        }
        generation = 0;
        return this;
    }

    public long endpointId() {
        return endpointId;
    }

    /** 4 or 6. */
    public int ipVersion() {
        return ipVersion;
    }

    public int protocol() {
        return protocol;
    }

    /** {@link #A_TO_B} or {@link #B_TO_A}: which way this packet travels. */
    public int direction() {
        return direction;
    }

    /** Generation of the slot the last lookup with this key found (see {@link FlowTable#generation}). */
    public int generation() {
        return generation;
    }

    public long addressAHi() {
        return addressAHi;
    }

    public long addressALo() {
        return addressALo;
    }

    public int portA() {
        return portA;
    }

    public long addressBHi() {
        return addressBHi;
    }

    public long addressBLo() {
        return addressBLo;
    }

    public int portB() {
        return portB;
    }

    /** The packet's source address (high 64 bits), undoing the canonical order. */
    public long sourceHi() {
        return direction == A_TO_B ? addressAHi : addressBHi;
    }

    public long sourceLo() {
        return direction == A_TO_B ? addressALo : addressBLo;
    }

    public int sourcePort() {
        return direction == A_TO_B ? portA : portB;
    }

    public long destinationHi() {
        return direction == A_TO_B ? addressBHi : addressAHi;
    }

    public long destinationLo() {
        return direction == A_TO_B ? addressBLo : addressALo;
    }

    public int destinationPort() {
        return direction == A_TO_B ? portB : portA;
    }

    /** Protocol, ports and IP version in one word, as the table stores and compares them. */
    long portsProtocolVersion() {
        return ((long) portA << 48) | ((long) portB << 32) | ((long) protocol << 8) | ipVersion;
    }

    /** For tests and logs only: allocates. */
    @Override
    public String toString() {
        return "FlowKey[endpoint="
                + Long.toHexString(endpointId)
                + ", v"
                + ipVersion
                + ", proto="
                + protocol
                + ", A="
                + Long.toHexString(addressAHi)
                + ':'
                + Long.toHexString(addressALo)
                + '/'
                + portA
                + ", B="
                + Long.toHexString(addressBHi)
                + ':'
                + Long.toHexString(addressBLo)
                + '/'
                + portB
                + ", dir="
                + direction
                + ']';
    }
}
