package org.gwlbinspect.appliance.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.gwlbinspect.codec.ip.InnerPacket;

/**
 * The simulated GWLB node's decisions, free of sockets and namespaces: wrapping a captured packet in GWLB's GENEVE
 * (gwlb.md §1) for its flow, and checking what the appliance returns as GWLB does (gwlb.md §0 items 4, 5, 7 and 9),
 * counting every refusal by its reason.
 *
 * <p>{@link #capture} may run on one thread per endpoint; {@link #checkReply} runs on the one reply thread, and its
 * {@code accepted*()} results are valid on that thread until its next call.
 */
public final class GwlbNode {
    /** The one UDP port GWLB takes GENEVE on, and sends it to (gwlb.md §1.1). */
    public static final int GENEVE_PORT = 6081;

    /** GWLB's MTU for inner packets, both ways (gwlb.md §0 item 9). */
    public static final int MAX_INNER_LENGTH = 8500;

    /** Outer source ports are ephemeral and opaque (gwlb.md §1.1): any in [10000, 60000). */
    static final int FIRST_SOURCE_PORT = 10_000;

    static final int SOURCE_PORTS = 50_000;

    private final SimEndpoint[] endpointsByIndex;
    private final List<SimEndpoint> endpoints;
    private final int applianceAddress;
    private final CookieRotation rotation;
    private final IdleTimeouts idleTimeouts;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<SimFlowKey, SimFlow> flows = new ConcurrentHashMap<>();
    private final SimCounters counters;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    // Results of the last accepted reply (reply thread only).
    private int acceptedEndpoint;
    private int acceptedInnerOffset;
    private int acceptedInnerLength;

    /**
     * @param applianceAddress the appliance's IPv4 address as an int (10.200.0.2 = {@code 0x0AC80002}): replies from
     *     elsewhere are refused
     */
    public GwlbNode(
            List<SimEndpoint> endpoints, int applianceAddress, CookieRotation rotation, LongSupplier nanoClock) {
        this(endpoints, applianceAddress, rotation, IdleTimeouts.GWLB_DEFAULTS, nanoClock);
    }

    public GwlbNode(
            List<SimEndpoint> endpoints,
            int applianceAddress,
            CookieRotation rotation,
            IdleTimeouts idleTimeouts,
            LongSupplier nanoClock) {
        this.idleTimeouts = idleTimeouts;
        this.endpoints = List.copyOf(endpoints);
        this.endpointsByIndex = new SimEndpoint[Topology.MAX_ENDPOINTS + 1];
        for (SimEndpoint e : this.endpoints) {
            if (endpointsByIndex[e.index()] != null) throw new IllegalArgumentException("two endpoints " + e.index());
            endpointsByIndex[e.index()] = e;
        }
        this.applianceAddress = applianceAddress;
        this.rotation = rotation;
        this.nanoClock = nanoClock;
        this.counters = new SimCounters();
    }

    public SimCounters counters() {
        return counters;
    }

    public List<SimEndpoint> endpoints() {
        return endpoints;
    }

    public int flowCount() {
        return flows.size();
    }

    /**
     * Takes one IP packet ({@code length} bytes from {@code packet}'s reader index) that entered GWLB through endpoint
     * {@code endpointIndex} and writes, at {@code out}'s writer index, the UDP payload to send to the appliance: GWLB's
     * 40-byte GENEVE header for the packet's flow, then the packet. A new flow gets an outer source port and a cookie;
     * an existing one may get a new cookie ({@link CookieRotation}).
     *
     * @return the outer UDP source port to send from, or -1 when the packet is dropped (counted)
     */
    public int capture(int endpointIndex, ByteBuf packet, int length, ByteBuf out) {
        SimEndpoint endpoint = endpointsByIndex[endpointIndex];
        Scratch s = scratch.get();
        if (length > MAX_INNER_LENGTH) {
            counters.countCaptureDrop(CaptureDropReason.TOO_LARGE);
            return -1;
        }
        int version = length > 0 ? packet.getUnsignedByte(packet.readerIndex()) >>> 4 : 0;
        int protocolType = version == 6 ? GeneveHeader.PROTOCOL_IPV6 : GeneveHeader.PROTOCOL_IPV4;
        if (s.inner.decode(packet, packet.readerIndex(), length, protocolType) != DecodeStatus.OK) {
            counters.countCaptureDrop(CaptureDropReason.INNER_UNDECODABLE);
            return -1;
        }
        if (isLinkScoped(s.inner)) {
            counters.countCaptureDrop(CaptureDropReason.LINK_LOCAL);
            return -1;
        }
        long now = nanoClock.getAsLong();
        // An ICMP error about a flow GWLB carries travels as a packet of that flow, with its port and cookie.
        SimFlow flow = quotedFlow(endpointIndex, s);
        boolean fromInitiator;
        if (flow != null) {
            fromInitiator = flow.isErrorFromInitiator(s.inner);
        } else {
            SimFlowKey probe = s.key.set(endpointIndex, s.inner);
            flow = flows.get(probe);
            if (flow == null) {
                SimFlow created = new SimFlow(
                        probe.copy(),
                        endpoint,
                        FIRST_SOURCE_PORT + ThreadLocalRandom.current().nextInt(SOURCE_PORTS),
                        newCookie(),
                        now,
                        s.inner.srcAddrHi(),
                        s.inner.srcAddrLo(),
                        s.inner.isFragment() ? 0 : s.inner.srcPort());
                flow = flows.putIfAbsent(created.key, created);
                if (flow == null) {
                    flow = created;
                    counters.countFlow(endpointIndex);
                }
            }
            fromInitiator = flow.isFromInitiator(s.inner);
        }
        counters.countCaptured(endpointIndex, fromInitiator);
        counters.countInnerSize(length);
        long cookie = flow.cookieForNextPacket(rotation, now, newCookie(), counters::countCookieRotation);
        GeneveHeaders.writeGwlb(out, protocolType, endpoint.endpointId(), endpoint.attachmentId(), cookie);
        out.writeBytes(packet, packet.readerIndex(), length);
        return flow.outerSourcePort;
    }

    /** Whether no router would forward the packet: multicast or broadcast destination, unspecified or link-local source. */
    static boolean isLinkScoped(InnerPacket p) {
        if (p.ipVersion() == 6) {
            return (p.dstAddrHi() >>> 56) == 0xFF // ff00::/8 multicast
                    || (p.srcAddrHi() == 0 && p.srcAddrLo() == 0) // :: unspecified
                    || (p.srcAddrHi() >>> 54) == (0xFE80L >>> 6); // fe80::/10 link-local
        }
        long dst = p.dstAddrLo();
        return (dst >>> 28) == 0xE || dst == 0xFFFF_FFFFL; // 224.0.0.0/4 multicast, limited broadcast
    }

    /** Counts a GENEVE datagram that the kernel refused to send. */
    public void sendFailed() {
        counters.countCaptureDrop(CaptureDropReason.SEND_FAILED);
    }

    /** Counts one datagram sent to the appliance. */
    public void sent(int endpointIndex) {
        counters.countSent(endpointIndex);
    }

    /**
     * Checks one UDP datagram that arrived on the node's GENEVE port (6081) as GWLB would.
     *
     * @param sourceAddress its outer IPv4 source address as an int
     * @param sourcePort its outer UDP source port
     * @param datagram the UDP payload, from its reader index
     * @return null when it is accepted (then {@link #acceptedEndpoint()}, {@link #acceptedInnerOffset()} and {@link
     *     #acceptedInnerLength()} say where the inner packet goes), else the reason it was dropped (counted)
     */
    public ReplyDropReason checkReply(int sourceAddress, int sourcePort, ByteBuf datagram, int length) {
        counters.countReturned();
        ReplyDropReason reason = check(sourceAddress, sourcePort, datagram, length);
        if (reason != null) counters.countReplyDrop(reason);
        return reason;
    }

    private ReplyDropReason check(int sourceAddress, int sourcePort, ByteBuf datagram, int length) {
        if (sourceAddress != applianceAddress) return ReplyDropReason.WRONG_SOURCE_ADDRESS;
        Scratch s = scratch.get();
        int offset = datagram.readerIndex();
        GeneveHeader header = s.header;
        if (header.wrap(datagram, offset, length) != DecodeStatus.OK) return ReplyDropReason.MALFORMED_GENEVE;
        int innerOffset = offset + header.headerLength();
        int innerLength = length - header.headerLength();
        if (innerLength > MAX_INNER_LENGTH) return ReplyDropReason.TOO_LARGE;
        if (s.inner.decode(datagram, innerOffset, innerLength, header.protocolType()) != DecodeStatus.OK) {
            return ReplyDropReason.INNER_UNDECODABLE;
        }
        SimEndpoint endpoint = endpointFor(header.endpointId());
        if (endpoint == null) return ReplyDropReason.UNKNOWN_ENDPOINT;
        SimFlow flow = quotedFlow(endpoint.index(), s);
        if (flow == null) flow = flows.get(s.key.set(endpoint.index(), s.inner));
        if (flow == null) return ReplyDropReason.UNKNOWN_FLOW;
        if (sourcePort != flow.outerSourcePort) return ReplyDropReason.WRONG_OUTER_PORT;
        int protocolType = s.inner.ipVersion() == 6 ? GeneveHeader.PROTOCOL_IPV6 : GeneveHeader.PROTOCOL_IPV4;
        int headerLength = header.headerLength();
        if (!sameHeader(s, datagram, offset, headerLength, protocolType, endpoint, flow.cookie())) {
            // Stale: the header is the flow's but for a cookie the flow had before (gwlb.md §0 item 5).
            return flow.hadCookie(header.flowCookie())
                            && sameHeader(
                                    s, datagram, offset, headerLength, protocolType, endpoint, header.flowCookie())
                    ? ReplyDropReason.STALE_COOKIE
                    : ReplyDropReason.HEADER_MISMATCH;
        }
        flow.seen(nanoClock.getAsLong());
        acceptedEndpoint = endpoint.index();
        acceptedInnerOffset = innerOffset;
        acceptedInnerLength = s.inner.ipTotalLength();
        return null;
    }

    /**
     * The flow an ICMP error in {@code s.inner} quotes (by the quoted 5-tuple, else by its 3-tuple if the datagram came
     * in fragments), or null when the packet is no such error or the quoted flow is unknown (then the error is a flow
     * of its own, like any packet).
     */
    private SimFlow quotedFlow(int endpointIndex, Scratch s) {
        if (!s.inner.isIcmpError() || !s.inner.hasQuotedTuple()) return null;
        SimFlow flow = flows.get(s.key.setQuoted(endpointIndex, s.inner));
        if (flow != null || (s.inner.quotedSrcPort() == 0 && s.inner.quotedDstPort() == 0)) return flow;
        // The quoted datagram may have crossed the node in fragments, keyed without ports.
        return flows.get(s.key.setQuoted(endpointIndex, s.inner, false));
    }

    /** Whether the header at {@code datagram[offset, offset + length)} is byte for byte what the node sends. */
    private static boolean sameHeader(
            Scratch s, ByteBuf datagram, int offset, int length, int protocolType, SimEndpoint endpoint, long cookie) {
        s.expected.clear();
        GeneveHeaders.writeGwlb(s.expected, protocolType, endpoint.endpointId(), endpoint.attachmentId(), cookie);
        return length == s.expected.readableBytes() && ByteBufUtil.equals(datagram, offset, s.expected, 0, length);
    }

    private SimEndpoint endpointFor(long endpointId) {
        for (SimEndpoint e : endpoints) {
            if (e.endpointId() == endpointId) return e;
        }
        return null;
    }

    /**
     * Forgets the flows idle for longer than their {@link IdleTimeouts} (called about once a second).
     *
     * @return how many flows expired
     */
    public int expireIdle() {
        long now = nanoClock.getAsLong();
        int expired = 0;
        for (SimFlow flow : flows.values()) {
            if (now - flow.lastSeenNanos() > idleTimeouts.nanosFor(flow.key.protocol())
                    && flows.remove(flow.key, flow)) {
                expired++;
                counters.countExpiredFlow();
            }
        }
        return expired;
    }

    /**
     * Counts a UDP datagram that reached the node on another port than {@link #GENEVE_PORT} (the appliance sent a
     * reply to the flow's source port, say): returned, and refused as {@link ReplyDropReason#WRONG_DESTINATION_PORT}.
     */
    public void wrongDestinationPort() {
        counters.countReturned();
        counters.countReplyDrop(ReplyDropReason.WRONG_DESTINATION_PORT);
    }

    /** Counts the accepted reply written toward its destination. */
    public void forwarded(int endpointIndex) {
        counters.countForwarded(endpointIndex);
    }

    /** Counts an accepted reply whose write toward its destination failed. */
    public void forwardFailed() {
        counters.countReplyDrop(ReplyDropReason.FORWARD_FAILED);
    }

    public int acceptedEndpoint() {
        return acceptedEndpoint;
    }

    public int acceptedInnerOffset() {
        return acceptedInnerOffset;
    }

    public int acceptedInnerLength() {
        return acceptedInnerLength;
    }

    private static long newCookie() {
        // Non-zero: a zero cookie would look like an unset option to a careless reader.
        return 1 + ThreadLocalRandom.current().nextLong(0xFFFF_FFFEL);
    }

    /** Per-thread decoders and buffers, so that captures on several endpoints' threads never share them. */
    private static final class Scratch {
        final InnerPacket inner = new InnerPacket();
        final GeneveHeader header = new GeneveHeader();
        final SimFlowKey key = new SimFlowKey();
        final ByteBuf expected = Unpooled.buffer(GeneveHeader.GWLB_HEADER_LENGTH, GeneveHeader.GWLB_HEADER_LENGTH);
    }
}
