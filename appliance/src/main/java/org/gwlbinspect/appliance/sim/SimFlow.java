package org.gwlbinspect.appliance.sim;

import org.gwlbinspect.codec.ip.InnerPacket;

/**
 * What the simulated GWLB keeps per flow: the outer UDP source port it chose, the flow cookie and the one before it.
 * Written by the capture thread of the flow's endpoint, read by the reply thread: both hold the flow's monitor (a test
 * tool with two threads per flow; clarity over lock-freedom).
 */
final class SimFlow {
    /** How many past cookies a flow remembers; a reply with an older one counts as a header mismatch. */
    static final int OLD_COOKIES = 1024;

    final SimFlowKey key;
    final SimEndpoint endpoint;
    final int outerSourcePort;
    private long cookie;
    // The cookies this flow had before, newest last (a ring): a reply with one of them is stale, not forged.
    private final long[] oldCookies = new long[OLD_COOKIES];
    private int oldCookieCount;
    private long packetsWithCookie;
    // Any packet of the flow through the node, either way (GWLB's idle timer); read by the expiry without the lock.
    private volatile long lastSeenNanos;
    private long cookieSinceNanos;

    // The first packet's source: the client side of the flow, for the report's from_client / from_server split.
    private final long initiatorHi;
    private final long initiatorLo;
    private final int initiatorPort;

    SimFlow(
            SimFlowKey key,
            SimEndpoint endpoint,
            int outerSourcePort,
            long cookie,
            long nowNanos,
            long initiatorHi,
            long initiatorLo,
            int initiatorPort) {
        this.key = key;
        this.initiatorHi = initiatorHi;
        this.initiatorLo = initiatorLo;
        this.initiatorPort = initiatorPort;
        this.endpoint = endpoint;
        this.outerSourcePort = outerSourcePort;
        this.cookie = cookie;
        this.cookieSinceNanos = nowNanos;
        this.lastSeenNanos = nowNanos;
    }

    void seen(long nowNanos) {
        lastSeenNanos = nowNanos;
    }

    long lastSeenNanos() {
        return lastSeenNanos;
    }

    boolean isFromInitiator(InnerPacket packet) {
        return isInitiator(packet.srcAddrHi(), packet.srcAddrLo(), packet.isFragment() ? 0 : packet.srcPort());
    }

    /** Whether an ICMP error carried on this flow travels from its initiator: the packet it quotes went to it. */
    boolean isErrorFromInitiator(InnerPacket error) {
        return !isInitiator(error.quotedSrcAddrHi(), error.quotedSrcAddrLo(), error.quotedSrcPort());
    }

    private boolean isInitiator(long addressHi, long addressLo, int port) {
        return addressHi == initiatorHi && addressLo == initiatorLo && port == initiatorPort;
    }

    synchronized long cookie() {
        return cookie;
    }

    /** Whether {@code candidate} is one of the (last {@link #OLD_COOKIES}) cookies this flow had before its current. */
    synchronized boolean hadCookie(long candidate) {
        int remembered = Math.min(oldCookieCount, OLD_COOKIES);
        for (int i = 0; i < remembered; i++) {
            if (oldCookies[i] == candidate) return true;
        }
        return false;
    }

    /**
     * Counts one packet toward the appliance, first giving the flow {@code nextCookie} if the rotation is due.
     *
     * @return the cookie to send this packet with
     */
    synchronized long cookieForNextPacket(
            CookieRotation rotation, long nowNanos, long nextCookie, Runnable onRotation) {
        if (rotation.isDue(packetsWithCookie, nowNanos - cookieSinceNanos)) {
            oldCookies[oldCookieCount++ % OLD_COOKIES] = cookie;
            cookie = nextCookie;
            packetsWithCookie = 0;
            cookieSinceNanos = nowNanos;
            onRotation.run();
        }
        packetsWithCookie++;
        lastSeenNanos = nowNanos;
        return cookie;
    }
}
