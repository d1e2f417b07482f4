package org.gwlbinspect.appliance.sim;

import org.gwlbinspect.codec.ip.InnerPacket;

/**
 * A flow as GWLB tracks it: (endpoint, IP version, protocol, both address-port pairs), the same for both directions
 * (gwlb.md §0 item 6): the lower (address, port) pair is stored first. Fragments carry ports only in the first one, so
 * every fragment is keyed by its 3-tuple (ports 0), which keeps all fragments of a datagram on one flow. An ICMP
 * error that quotes a packet is keyed by the quoted packet's tuple ({@link #setQuoted}).
 *
 * <p>Mutable so that one probe key per thread serves every lookup; {@link #copy()} makes the key a map stores.
 */
final class SimFlowKey {
    private int endpoint;
    private int ipVersion;
    private int protocol;
    private long lowHi;
    private long lowLo;
    private int lowPort;
    private long highHi;
    private long highLo;
    private int highPort;

    /** Points this key at {@code packet}'s flow, seen through endpoint {@code endpointIndex}. */
    SimFlowKey set(int endpointIndex, InnerPacket packet) {
        boolean ports = !packet.isFragment();
        return set(
                endpointIndex,
                packet.ipVersion(),
                packet.protocol(),
                packet.srcAddrHi(),
                packet.srcAddrLo(),
                ports ? packet.srcPort() : 0,
                packet.dstAddrHi(),
                packet.dstAddrLo(),
                ports ? packet.dstPort() : 0);
    }

    /**
     * Points this key at the flow of the packet an ICMP error quotes ({@link InnerPacket#hasQuotedTuple()} must hold):
     * GWLB carries an error about a flow as a packet of that flow (gwlb.md §0 item 7).
     */
    SimFlowKey setQuoted(int endpointIndex, InnerPacket error) {
        return setQuoted(endpointIndex, error, true);
    }

    /**
     * As {@link #setQuoted(int, InnerPacket)}, with the quoted ports or without them ({@code withPorts} false): the key
     * of a datagram that crossed the node in fragments, which an error about the reassembled datagram quotes with ports.
     */
    SimFlowKey setQuoted(int endpointIndex, InnerPacket error, boolean withPorts) {
        return set(
                endpointIndex,
                error.ipVersion(),
                error.quotedProtocol(),
                error.quotedSrcAddrHi(),
                error.quotedSrcAddrLo(),
                withPorts ? error.quotedSrcPort() : 0,
                error.quotedDstAddrHi(),
                error.quotedDstAddrLo(),
                withPorts ? error.quotedDstPort() : 0);
    }

    private SimFlowKey set(
            int endpointIndex,
            int version,
            int proto,
            long srcHi,
            long srcLo,
            int srcPort,
            long dstHi,
            long dstLo,
            int dstPort) {
        endpoint = endpointIndex;
        ipVersion = version;
        protocol = proto;
        if (compare(srcHi, srcLo, srcPort, dstHi, dstLo, dstPort) <= 0) {
            setPairs(srcHi, srcLo, srcPort, dstHi, dstLo, dstPort);
        } else {
            setPairs(dstHi, dstLo, dstPort, srcHi, srcLo, srcPort);
        }
        return this;
    }

    private void setPairs(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort) {
        lowHi = aHi;
        lowLo = aLo;
        lowPort = aPort;
        highHi = bHi;
        highLo = bLo;
        highPort = bPort;
    }

    private static int compare(long aHi, long aLo, int aPort, long bHi, long bLo, int bPort) {
        int c = Long.compareUnsigned(aHi, bHi);
        if (c == 0) c = Long.compareUnsigned(aLo, bLo);
        return c != 0 ? c : Integer.compare(aPort, bPort);
    }

    SimFlowKey copy() {
        SimFlowKey copy = new SimFlowKey();
        copy.endpoint = endpoint;
        copy.ipVersion = ipVersion;
        copy.protocol = protocol;
        copy.setPairs(lowHi, lowLo, lowPort, highHi, highLo, highPort);
        return copy;
    }

    int endpoint() {
        return endpoint;
    }

    int protocol() {
        return protocol;
    }

    int ipVersion() {
        return ipVersion;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimFlowKey k
                && endpoint == k.endpoint
                && ipVersion == k.ipVersion
                && protocol == k.protocol
                && lowHi == k.lowHi
                && lowLo == k.lowLo
                && lowPort == k.lowPort
                && highHi == k.highHi
                && highLo == k.highLo
                && highPort == k.highPort;
    }

    @Override
    public int hashCode() {
        long h = endpoint * 31L + ipVersion;
        h = h * 31 + protocol;
        h = h * 0x9E3779B97F4A7C15L + lowHi;
        h = h * 0x9E3779B97F4A7C15L + lowLo;
        h = h * 31 + lowPort;
        h = h * 0x9E3779B97F4A7C15L + highHi;
        h = h * 0x9E3779B97F4A7C15L + highLo;
        h = h * 31 + highPort;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return "endpoint " + endpoint + " IPv" + ipVersion + " proto " + protocol + " " + Long.toHexString(lowLo) + ":"
                + lowPort + " <-> " + Long.toHexString(highLo) + ":" + highPort;
    }
}
