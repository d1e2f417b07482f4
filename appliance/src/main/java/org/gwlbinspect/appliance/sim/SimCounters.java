package org.gwlbinspect.appliance.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** The simulated GWLB node's counters: written by its capture and reply threads, read for the report. */
public final class SimCounters {
    /**
     * Upper bounds of the inner-packet size classes: an Ethernet MTU, two larger classes, and GWLB's 8500 (the tun's
     * MTU, so nothing larger is captured): jumbo traffic shows up in the last.
     */
    static final int[] INNER_SIZE_LIMITS = {1500, 4096, 8192, GwlbNode.MAX_INNER_LENGTH};

    private final AtomicLong fromClient = new AtomicLong();
    private final AtomicLong fromServer = new AtomicLong();
    private final AtomicLong returned = new AtomicLong();
    private final AtomicLong cookieRotations = new AtomicLong();
    private final AtomicLong expiredFlows = new AtomicLong();
    // Inner packets wrapped for the appliance by size: at most INNER_SIZE_LIMITS[i] bytes (and more than the one
    // before).
    private final AtomicLongArray innerSizes = new AtomicLongArray(INNER_SIZE_LIMITS.length);
    private final AtomicLong largestInner = new AtomicLong();
    private final AtomicLongArray captureDropped = new AtomicLongArray(CaptureDropReason.values().length);
    private final AtomicLongArray replyDropped = new AtomicLongArray(ReplyDropReason.values().length);
    // Indexed by endpoint index (1-based; slot 0 unused).
    private final AtomicLongArray flows;
    private final AtomicLongArray sent;
    private final AtomicLongArray forwarded;

    SimCounters() {
        flows = new AtomicLongArray(Topology.MAX_ENDPOINTS + 1);
        sent = new AtomicLongArray(Topology.MAX_ENDPOINTS + 1);
        forwarded = new AtomicLongArray(Topology.MAX_ENDPOINTS + 1);
    }

    void countCaptured(int endpoint, boolean fromInitiator) {
        (fromInitiator ? fromClient : fromServer).incrementAndGet();
    }

    void countInnerSize(int length) {
        int i = 0;
        while (i < INNER_SIZE_LIMITS.length - 1 && length > INNER_SIZE_LIMITS[i]) i++;
        innerSizes.incrementAndGet(i);
        largestInner.accumulateAndGet(length, Math::max);
    }

    /** Inner packets wrapped for the appliance by size class ({@code "1501-4096"}: bytes), every class listed. */
    public Map<String, Long> innerSizesByClass() {
        Map<String, Long> sizes = new LinkedHashMap<>();
        int from = 0;
        for (int i = 0; i < INNER_SIZE_LIMITS.length; i++) {
            sizes.put(from + "-" + INNER_SIZE_LIMITS[i], innerSizes.get(i));
            from = INNER_SIZE_LIMITS[i] + 1;
        }
        return sizes;
    }

    /** The largest inner packet wrapped for the appliance, in bytes. */
    public long largestInnerPacket() {
        return largestInner.get();
    }

    void countCaptureDrop(CaptureDropReason reason) {
        captureDropped.incrementAndGet(reason.ordinal());
    }

    void countFlow(int endpoint) {
        flows.incrementAndGet(endpoint);
    }

    void countSent(int endpoint) {
        sent.incrementAndGet(endpoint);
    }

    void countReturned() {
        returned.incrementAndGet();
    }

    void countReplyDrop(ReplyDropReason reason) {
        replyDropped.incrementAndGet(reason.ordinal());
    }

    void countForwarded(int endpoint) {
        forwarded.incrementAndGet(endpoint);
    }

    void countExpiredFlow() {
        expiredFlows.incrementAndGet();
    }

    /** Flows forgotten after their idle timeout. */
    public long expiredFlows() {
        return expiredFlows.get();
    }

    void countCookieRotation() {
        cookieRotations.incrementAndGet();
    }

    /** Packets from the side that opened their flow (the client), captured at the endpoint. */
    public long fromClient() {
        return fromClient.get();
    }

    /** Packets from the other side (the server's replies). */
    public long fromServer() {
        return fromServer.get();
    }

    /** GENEVE datagrams sent to the appliance, all endpoints. */
    public long sentToAppliance() {
        return sum(sent);
    }

    public long sentToAppliance(int endpoint) {
        return sent.get(endpoint);
    }

    /** UDP datagrams that arrived from the appliance (or anyone) at the node: on port 6081, or on another port. */
    public long returned() {
        return returned.get();
    }

    /** Accepted datagrams whose inner packet was written toward its destination, all endpoints. */
    public long forwarded() {
        return sum(forwarded);
    }

    public long forwarded(int endpoint) {
        return forwarded.get(endpoint);
    }

    public long flows() {
        return sum(flows);
    }

    public long flows(int endpoint) {
        return flows.get(endpoint);
    }

    public long cookieRotations() {
        return cookieRotations.get();
    }

    public long dropped(ReplyDropReason reason) {
        return replyDropped.get(reason.ordinal());
    }

    public long dropped(CaptureDropReason reason) {
        return captureDropped.get(reason.ordinal());
    }

    /** Reply drops by label, every reason listed (zeros included) so reports always have the same keys. */
    public Map<String, Long> replyDropsByLabel() {
        Map<String, Long> drops = new LinkedHashMap<>();
        for (ReplyDropReason r : ReplyDropReason.values()) drops.put(r.label(), dropped(r));
        return drops;
    }

    /** Capture drops by label, every reason listed. */
    public Map<String, Long> captureDropsByLabel() {
        Map<String, Long> drops = new LinkedHashMap<>();
        for (CaptureDropReason r : CaptureDropReason.values()) drops.put(r.label(), dropped(r));
        return drops;
    }

    private static long sum(AtomicLongArray array) {
        long total = 0;
        for (int i = 0; i < array.length(); i++) total += array.get(i);
        return total;
    }
}
