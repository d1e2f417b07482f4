package org.gwlbinspect.detect.engine;

import org.gwlbinspect.codec.l4.TcpHeader;

/**
 * What the stateful engine knows of a flow's connection, packed in one {@code long} so it fits the flow table's
 * policy word (policy.md §2.5): TCP is established once the three-way handshake was seen in order (SYN from the
 * client, SYN-ACK from the server, ACK from the client); UDP and other protocols once packets were seen in both
 * directions. A TCP flow whose first packet is not a SYN was picked up midstream (GWLB failover, gwlb.md §3; an
 * expired flow): it counts as established, as with Suricata's midstream pickup, and is marked so that the stream
 * exception policy (§2.8) can act on it.
 *
 * <p>Pure functions over the word; callers store the result (one writer per direction; the bits each direction sets
 * are disjoint except the derived ESTABLISHED, which both may set to the same value).
 */
public final class ConnectionState {
    private static final int TCP = 6;
    private static final int SYN = TcpHeader.SYN;
    private static final int RST = TcpHeader.RST;
    private static final int ACK = TcpHeader.ACK;
    private static final int FIN = TcpHeader.FIN;

    static final long SEEN_TO_SERVER = 1L;
    static final long SEEN_TO_CLIENT = 1L << 1;
    static final long SYN_SEEN = 1L << 2;
    static final long SYN_ACK_SEEN = 1L << 3;
    static final long ESTABLISHED = 1L << 4;
    static final long MIDSTREAM = 1L << 5;
    static final long CLOSING = 1L << 6;

    private ConnectionState() {}

    /** The state after one more packet of the flow. */
    public static long update(long state, int ipProtocol, boolean toServer, int tcpFlags) {
        boolean first = (state & (SEEN_TO_SERVER | SEEN_TO_CLIENT)) == 0;
        long next = state | (toServer ? SEEN_TO_SERVER : SEEN_TO_CLIENT);
        if (ipProtocol != TCP) {
            if ((next & SEEN_TO_SERVER) != 0 && (next & SEEN_TO_CLIENT) != 0) next |= ESTABLISHED;
            return next;
        }
        boolean syn = (tcpFlags & SYN) != 0;
        boolean ack = (tcpFlags & ACK) != 0;
        if ((tcpFlags & (FIN | RST)) != 0) next |= CLOSING;
        if (first && !(syn && !ack && toServer)) {
            // Not a client SYN first: picked up midstream.
            return next | MIDSTREAM | ESTABLISHED;
        }
        if (toServer && syn && !ack) next |= SYN_SEEN;
        else if (!toServer && syn && ack && (next & SYN_SEEN) != 0) next |= SYN_ACK_SEEN;
        else if (toServer && ack && !syn && (next & SYN_ACK_SEEN) != 0) next |= ESTABLISHED;
        return next;
    }

    public static boolean established(long state) {
        return (state & ESTABLISHED) != 0;
    }

    public static boolean midstream(long state) {
        return (state & MIDSTREAM) != 0;
    }

    /** A FIN or RST was seen in either direction. */
    public static boolean closing(long state) {
        return (state & CLOSING) != 0;
    }

    /** Whether this is the first packet seen in its direction (IP-only rules are evaluated then, §3.3). */
    public static boolean firstInDirection(long stateBefore, boolean toServer) {
        return (stateBefore & (toServer ? SEEN_TO_SERVER : SEEN_TO_CLIENT)) == 0;
    }
}
