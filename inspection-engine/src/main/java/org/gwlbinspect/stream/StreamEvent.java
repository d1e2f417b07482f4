package org.gwlbinspect.stream;

/**
 * What reassembly noticed about a TCP segment (Suricata's {@code stream-events.rules} family), each with a stable
 * label for the Prometheus {@code event} label (add events, never rename) and the {@link Effect} the caller acts on.
 */
public enum StreamEvent {
    /** Nothing worth counting: the segment was delivered or buffered normally. */
    NONE("none", Effect.NONE),

    /** The first payload of a direction arrived without a SYN: reassembly starts at that segment (policy.md §2.8). */
    MIDSTREAM_PICKUP("midstream_pickup", Effect.INFO),
    /** A SYN repeated the direction's initial sequence number. */
    DUPLICATE_SYN("duplicate_syn", Effect.INFO),
    /** A SYN with another initial sequence number after data was seen; ignored (the receiver answers with an ACK). */
    SYN_CONFLICT("syn_conflict", Effect.INFO),
    /** A segment arrived ahead of the next expected byte and was buffered until the gap fills. */
    OUT_OF_ORDER("out_of_order", Effect.INFO),
    /** Every byte of the segment was already inspected or buffered, with the same value. */
    RETRANSMISSION("retransmission", Effect.INFO),
    /**
     * The segment repeats bytes that are no longer retained (history budget or memory ran out) and were not yet
     * acknowledged by the receiver, so they could not be compared with what was inspected.
     */
    UNVERIFIED_RETRANSMISSION("unverified_retransmission", Effect.INFO),
    /**
     * The chunk pool was empty when inspected bytes were to be kept as history: the direction let its history go, so a
     * later retransmission of those bytes cannot be compared with what was inspected (it is then an {@link
     * #UNVERIFIED_RETRANSMISSION}). Inspection goes on. Counted, never a segment's result: nothing to act on.
     */
    HISTORY_MEMCAP("history_memcap", Effect.INFO),
    /** Payload beyond the sequence number of this direction's FIN; still inspected (a FIN may never have arrived). */
    DATA_AFTER_FIN("data_after_fin", Effect.INFO),
    /** Payload after a RST in either direction; still inspected (a RST the receiver ignored ends nothing). */
    DATA_AFTER_RESET("data_after_reset", Effect.INFO),

    /**
     * Bytes of the segment differ from bytes already inspected or buffered at the same sequence numbers. The inspected
     * stream keeps the first bytes; forwarding the packet could let the server read the other ones.
     */
    OVERLAP_CONFLICT("overlap_conflict", Effect.PACKET_UNSAFE),
    /** The segment ends too far beyond the next expected byte to be buffered ({@code windowBytes}); not buffered. */
    GAP("gap", Effect.PACKET_UNSAFE),
    /** Buffering the segment would exceed the direction's {@code maxBufferedSegments}; not buffered. */
    SEGMENT_LIMIT("segment_limit", Effect.PACKET_UNSAFE),
    /** Buffering the segment would exceed the direction's {@code maxBufferedBytes}; not buffered. */
    BUFFER_LIMIT("buffer_limit", Effect.PACKET_UNSAFE),
    /** Another thread was inside this direction's state (the direction moved to another worker); not inspected. */
    STREAM_BUSY("stream_busy", Effect.PACKET_UNSAFE),

    /** The direction reached {@code depthBytes} (Suricata {@code stream.reassembly.depth}); later bytes pass. */
    DEPTH_EXCEEDED("depth_exceeded", Effect.INSPECTION_COMPLETE),

    /** The chunk pool was empty when out-of-order bytes had to be kept: inspection of the direction stopped. */
    MEMCAP("memcap", Effect.STREAM_EXCEPTION),
    /** No per-flow stream state was free when the flow sent its first payload: the flow is not reassembled. */
    STATE_POOL_EXHAUSTED("state_pool_exhausted", Effect.STREAM_EXCEPTION),
    /** The stream handle no longer refers to a live state (the flow ended and its state was released). */
    STREAM_RELEASED("stream_released", Effect.STREAM_EXCEPTION);

    /** What the caller should do about an event. Ordered by severity: a segment reports its most severe event. */
    public enum Effect {
        NONE,
        /** Normal, worth counting; forward the packet. */
        INFO,
        /**
         * This packet carries bytes that were not inspected or that contradict inspected bytes. Dropping it is always
         * safe (the sender retransmits) and keeps what the server reads equal to what was inspected; forwarding it is
         * the {@code CONTINUE} exception policy.
         */
        PACKET_UNSAFE,
        /** Inspection of the direction ended by configuration: later bytes pass uninspected, as in Suricata. */
        INSPECTION_COMPLETE,
        /** Inspection of the direction stopped for lack of resources: apply the stream exception policy (§2.8). */
        STREAM_EXCEPTION
    }

    private final String label;
    private final Effect effect;

    StreamEvent(String label, Effect effect) {
        this.label = label;
        this.effect = effect;
    }

    public String label() {
        return label;
    }

    public Effect effect() {
        return effect;
    }

    /** The more severe of two events (by effect, then by declaration order). */
    static StreamEvent worst(StreamEvent a, StreamEvent b) {
        int byEffect = Integer.compare(a.effect.ordinal(), b.effect.ordinal());
        if (byEffect != 0) return byEffect > 0 ? a : b;
        return a.ordinal() >= b.ordinal() ? a : b;
    }
}
