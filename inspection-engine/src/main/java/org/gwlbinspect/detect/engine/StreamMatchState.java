package org.gwlbinspect.detect.engine;

import org.gwlbinspect.detect.match.CompiledPatterns;
import org.gwlbinspect.detect.match.MatchStream;

/**
 * What payload matching keeps between the segments of one direction of a TCP flow, so that stream and packet-stream
 * rules (policy.md §3.3) see the reassembled stream rather than single packets: the last {@link #LOOKBACK_BYTES} of the
 * stream (so a content split across segments, and distance/within spanning them, are found on the segment that
 * completes them), the flow's Hyperscan stream of the {@code payload} database (each byte is prefilter-scanned once per
 * flow, matches spanning segments included) and the distinct prefilter patterns seen in the lookback, whose rules may
 * still complete (bounded; an overflow makes every rule a candidate until those bytes leave the lookback).
 *
 * <p>Memory per direction: {@link #LOOKBACK_BYTES} (allocated on the first use of the state, then kept with it in its
 * pool), the Hyperscan stream state ({@link CompiledPatterns#streamSizeBytes}, native, from the flow's first payload
 * byte to the reuse of the state) and {@link #PENDING_PATTERNS} entries. Only the thread that holds the direction's
 * reassembly (its ownership flag) touches it; {@link #reset} runs when the state is given to a new flow.
 */
public final class StreamMatchState {
    /**
     * Stream bytes kept before a segment's new bytes: a rule matches when all the bytes it matches lie within this many
     * bytes before the segment plus the segment (Suricata inspects raw stream chunks of 2,560 bytes by default).
     */
    public static final int LOOKBACK_BYTES = 2048;

    /**
     * Distinct prefilter patterns in the lookback whose rules are kept as candidates for the next segments (a pattern
     * shared by many rules takes one entry).
     */
    static final int PENDING_PATTERNS = 16;

    final MatchStream hyperscan = new MatchStream();
    /** Stream offset of the Hyperscan stream's first byte (its match offsets count from there). */
    long hyperscanBase;
    /** Stream offset just past the last byte the Hyperscan stream scanned. */
    long hyperscanEnd;

    private byte[] lookback;
    private int lookbackLength;
    /** Stream offset just past the last byte in the lookback (the next byte expected). */
    private long lookbackEnd;

    /** Indexes into the {@link PrefilterPatterns} of the policy {@link #hyperscan} was opened on. */
    final int[] pendingPatterns = new int[PENDING_PATTERNS];

    final long[] pendingEnds = new long[PENDING_PATTERNS];
    int pendingCount;
    /** Until the lookback starts at this stream offset, every rule is a candidate (pending list overflowed). */
    long allCandidatesUntil;

    /** Forgets everything of the previous flow and frees its Hyperscan stream. */
    public void reset() {
        hyperscan.discard();
        hyperscanBase = 0;
        hyperscanEnd = 0;
        lookbackLength = 0;
        lookbackEnd = 0;
        pendingCount = 0;
        allCandidatesUntil = 0;
    }

    /**
     * Copies the lookback into {@code dst} at 0 and returns its length, when it ends exactly where the stream
     * continues ({@code streamOffset}); 0 otherwise (a state that has not yet seen the bytes before).
     */
    public int copyLookback(byte[] dst, long streamOffset) {
        if (lookbackEnd != streamOffset || lookbackLength == 0) return 0;
        System.arraycopy(lookback, 0, dst, 0, lookbackLength);
        return lookbackLength;
    }

    /** Keeps the last {@link #LOOKBACK_BYTES} of {@code src[0, length)}, which ends at stream offset {@code end}. */
    public void keepLookback(byte[] src, int length, long end) {
        if (lookback == null) lookback = new byte[LOOKBACK_BYTES]; // once per pooled state, never per packet
        int keep = Math.min(length, LOOKBACK_BYTES);
        System.arraycopy(src, length - keep, lookback, 0, keep);
        lookbackLength = keep;
        lookbackEnd = end;
    }

    /** Distinct prefilter patterns whose rules are kept as candidates for the coming segments (tests, diagnostics). */
    public int pendingPatterns() {
        return pendingCount;
    }

    /** Whether a Hyperscan stream is open for this direction (tests, diagnostics). */
    public boolean hyperscanOpen() {
        return hyperscan.isOpen();
    }
}
