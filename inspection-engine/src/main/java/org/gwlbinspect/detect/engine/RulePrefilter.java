package org.gwlbinspect.detect.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.match.CompiledPatterns;
import org.gwlbinspect.detect.match.MatchScratch;
import org.gwlbinspect.detect.match.MatchStream;

/**
 * Selects the rules worth evaluating for one packet with the policy's Hyperscan databases, as Suricata's multi-pattern
 * prefilter does ({@code detect-engine-prefilter.c}): every rule with a positive content gets one prefilter pattern
 * (its {@code fast_pattern}, else its longest usable content); a rule is a candidate when that pattern occurs in the
 * packet's buffer. A rule can only match if all its positive contents occur, so skipping the others never changes a
 * verdict. Rules without a usable content (flow/flowbits-only, pcre-only, negated-only, protocol-only) are candidates
 * whenever their header addresses can match the packet's ({@link AddressCandidates}), IP-only rules on the first packet
 * in each direction, the only one the evaluator tries them on.
 *
 * <p>A content is usable when Hyperscan, scanning the raw buffer, finds it wherever the evaluator would: no transform,
 * {@code to_lowercase} with a {@code nocase} content, and {@code dotprefix} (that buffer is then scanned with a dot
 * in front, which only adds matches). {@code strip_whitespace} contents are not usable.
 *
 * <p>The patterns are the policy's {@link PrefilterPatterns}: each distinct prefilter pattern once, mapped to the rules
 * that chose it, so the scan and the work per pattern found do not grow with the number of rules sharing a pattern.
 *
 * <p>A buffer is scanned only when a scan can select a rule that can match the packet: some rule whose pattern is in
 * that buffer belongs to the packet's {@link PacketGroups} group (transport, direction, established; for a segment
 * that went into its stream, some packet rule), and the buffer is at least as long as the buffer's shortest pattern.
 * A rule a skipped scan would have selected fails its own protocol or {@code flow} check, so no outcome changes.
 *
 * <p>Owns a {@link MatchScratch} (native) and a native copy of the scanned buffer: one per evaluator, one thread.
 */
final class RulePrefilter implements AutoCloseable {
    /**
     * Matches one scan keeps. A block scan reports each distinct prefilter pattern once; a stream scan reports every
     * occurrence. Beyond this the scan's candidates are unknown and every rule is evaluated.
     */
    static final int MATCH_CAPACITY = 4_096;

    private static final int INITIAL_SCAN_BYTES = 65_536 + 64;

    private final PrefilterPatterns prefilter;
    private final CompiledPatterns patterns;
    private final MatchScratch scratch;
    /** The rules without a prefilter pattern, by address: candidates of a first packet. */
    private final AddressCandidates alwaysCandidates;
    /** The same without the IP-only rules, which the evaluator tries only on first packets (policy.md §3.3). */
    private final AddressCandidates alwaysCandidatesAfterFirst;

    private final int ruleCount;
    /** This packet's candidates. */
    private final CandidateRules candidates;

    private MemorySegment scanBuffer;
    private long fallbacks;
    /** Buffers not scanned because no rule their patterns serve can match the packet (tests, diagnostics). */
    private long skippedScans;

    // ---- stream and packet-stream rules (policy.md §3.3): their payload prefilter runs in the flow's stream -------
    private static final int PAYLOAD = Buffer.PAYLOAD.ordinal();
    /**
     * This packet's candidates from its stream, as distinct patterns found in or before it (each listed once, so the
     * work per packet grows with the distinct patterns found, not with the rules sharing them).
     */
    private final int[] streamPatterns;

    private int streamPatternCount;
    /** By distinct pattern: {@link #streamStamp} when it is already in {@link #streamPatterns}. */
    private final int[] listedStamps;

    private int streamStamp;
    private boolean streamAll;
    /** {@link #scanStream} ran since the last {@link #clearStream}: its candidates are this packet's. */
    private boolean streamScanned;

    private long streamFallbacks;

    RulePrefilter(CompiledPolicy policy) {
        prefilter = policy.prefilter();
        List<CompiledPolicy.CompiledRule> rules = policy.rules();
        ruleCount = rules.size();
        if (prefilter.always.length != ruleCount)
            throw new IllegalArgumentException("the policy's prefilter was built for other rules");
        patterns = prefilter.patterns;
        candidates = new CandidateRules(ruleCount);
        streamPatterns = new int[Math.max(1, prefilter.distinctPatterns())];
        listedStamps = new int[streamPatterns.length];
        alwaysCandidates = new AddressCandidates(rules, prefilter.always);
        alwaysCandidatesAfterFirst = new AddressCandidates(rules, prefilter.alwaysAfterFirst);
        scratch = new MatchScratch(MATCH_CAPACITY);
        scratch.prepare(patterns); // allocates: here, not on the first packet
        // Automatic arena: the garbage collector frees the copy, so an evaluator never closed leaks nothing.
        scanBuffer = Arena.ofAuto().allocate(INITIAL_SCAN_BYTES);
    }

    /**
     * Scans the buffers {@code ctx} has set and returns this packet's candidate rules (valid until the next call).
     * Allocates nothing unless a buffer is larger than any before, or a slow pcre's Hyperscan prefilter fires.
     */
    CandidateRules select(PacketContext ctx) {
        CandidateRules out = candidates;
        out.clear();
        (ctx.firstPacketInDirection ? alwaysCandidates : alwaysCandidatesAfterFirst).addTo(ctx, out);
        int group = 1 << PacketGroups.of(ctx);
        for (int buffer : prefilter.scannedBuffers) {
            byte[] src = ctx.bufferArrays[buffer];
            if (src == null) continue;
            // Only the rules of the packet's group can match it: the others' patterns need no scan. A segment that went
            // into its stream is matched there by stream rules, whose candidates scanStream found: only packet rules
            // need its payload scanned.
            int groups = buffer == PAYLOAD && ctx.payloadInStream
                    ? prefilter.packetPayloadGroups
                    : prefilter.bufferGroups[buffer];
            if ((groups & group) == 0) {
                skippedScans++;
                continue;
            }
            int instances = ctx.instanceCounts[buffer];
            boolean complete = instances == 0
                    ? scan(buffer, src, ctx.bufferOffsets[buffer], ctx.bufferLengths[buffer], out)
                    : scanInstances(
                            buffer, src, ctx.instanceOffsets[buffer], ctx.instanceLengths[buffer], instances, out);
            if (!complete) {
                // Correctness first: a dropped match may have been a prefilter pattern.
                fallbacks++;
                out.addRange(ruleCount);
                return out;
            }
        }
        if (ctx.payloadInStream) {
            // a stream nobody prefiltered (scanStream not called for it): correctness first, every rule
            if (streamAll || (ctx.hasStream() && !streamScanned)) {
                out.addRange(ruleCount);
                return out;
            }
            long[][] streamRules = prefilter.streamRules;
            for (int k = 0; k < streamPatternCount; k++) out.addAll(streamRules[streamPatterns[k]]);
        }
        return out;
    }

    /** Forgets the last packet's stream candidates (call per packet, before {@link #scanStream}). */
    void clearStream() {
        streamPatternCount = 0;
        streamAll = false;
        streamScanned = false;
    }

    /**
     * Scans a segment's new stream bytes in the flow direction's Hyperscan stream (so a pattern split across segments
     * is found) and makes this packet's stream candidates: rules whose prefilter pattern ended in the new bytes, and
     * those kept from earlier segments while their pattern is still within the lookback.
     *
     * @param data the lookback followed by the new bytes
     * @param newFrom index of the first new byte in {@code data}
     * @param length bytes in {@code data}
     * @param newStreamOffset stream offset of {@code data[newFrom]}
     */
    void scanStream(StreamMatchState state, byte[] data, int newFrom, int length, long newStreamOffset) {
        streamScanned = true;
        if (++streamStamp == 0) { // wrapped: forget every old stamp
            Arrays.fill(listedStamps, 0);
            streamStamp = 1;
        }
        MatchStream stream = state.hyperscan;
        // Pending patterns are indexes into the prefilter of the policy the stream was opened on: another policy's
        // mean nothing here (that case falls back to every rule below, as long as the lookback holds its bytes).
        if (stream.snapshot() != patterns) state.pendingCount = 0;
        long windowStart = newStreamOffset - newFrom;
        int[] lengths = prefilter.lengths;
        int kept = 0;
        for (int k = 0; k < state.pendingCount; k++) {
            int pattern = state.pendingPatterns[k];
            // a pattern whose first byte left the lookback cannot be matched there any more
            if (state.pendingEnds[k] - lengths[pattern] < windowStart) continue;
            state.pendingPatterns[kept] = pattern;
            state.pendingEnds[kept++] = state.pendingEnds[k];
            listStreamPattern(pattern);
        }
        state.pendingCount = kept;
        if (!patterns.hasPatterns(PAYLOAD)) return;
        if (!stream.isOpen() || stream.snapshot() != patterns || state.hyperscanEnd != newStreamOffset) {
            // First bytes of the flow, a new policy, or bytes this stream did not see: what the lookback holds was not
            // scanned here, so every rule stays a candidate until it has left the lookback.
            if (stream.isOpen() || newFrom > 0) {
                state.allCandidatesUntil = Math.max(state.allCandidatesUntil, newStreamOffset);
                state.pendingCount = 0; // patterns of bytes now covered by the fallback
            }
            stream.discard();
            stream.open(patterns, PAYLOAD);
            state.hyperscanBase = newStreamOffset;
        }
        int n = length - newFrom;
        state.hyperscanEnd = newStreamOffset + n;
        if (n > 0) {
            MemorySegment copy = scanBuffer(n);
            MemorySegment.copy(data, newFrom, copy, ValueLayout.JAVA_BYTE, 0, n);
            long droppedBefore = scratch.droppedMatches();
            int matches = stream.scan(copy.address(), n, scratch);
            if (scratch.droppedMatches() != droppedBefore) {
                state.allCandidatesUntil = Math.max(state.allCandidatesUntil, state.hyperscanEnd);
            }
            long[][] streamRules = prefilter.streamRules;
            for (int k = 0; k < matches; k++) {
                int pattern = scratch.patternId(k);
                if (streamRules[pattern] == null) continue; // only packet rules chose it
                listStreamPattern(pattern);
                remember(state, pattern, state.hyperscanBase + scratch.endOffset(k));
            }
        }
        if (state.allCandidatesUntil > windowStart) {
            streamAll = true;
            streamFallbacks++;
        }
    }

    /** Keeps {@code pattern} (its rules) a candidate while it, ending at stream offset {@code end}, is in the lookback. */
    private static void remember(StreamMatchState state, int pattern, long end) {
        for (int k = 0; k < state.pendingCount; k++) {
            if (state.pendingPatterns[k] == pattern) {
                state.pendingEnds[k] = Math.max(state.pendingEnds[k], end);
                return;
            }
        }
        if (state.pendingCount < StreamMatchState.PENDING_PATTERNS) {
            state.pendingPatterns[state.pendingCount] = pattern;
            state.pendingEnds[state.pendingCount++] = end;
        } else {
            state.allCandidatesUntil = Math.max(state.allCandidatesUntil, end); // correctness first
        }
    }

    /** Makes the stream rules of {@code pattern} this packet's candidates, once however often it was found. */
    private void listStreamPattern(int pattern) {
        if (listedStamps[pattern] == streamStamp) return;
        listedStamps[pattern] = streamStamp;
        // One entry per distinct pattern per scan: it fits, unless scanStream ran twice without clearStream between.
        if (streamPatternCount < streamPatterns.length) streamPatterns[streamPatternCount++] = pattern;
        else streamAll = true; // correctness first
    }

    /** Stream segments on which every rule was a candidate (new policy, first bytes, too many pending rules). */
    long streamFallbacks() {
        return streamFallbacks;
    }

    /** A multi-buffer ({@code http.request_header}): every instance is scanned on its own, as it is matched. */
    private boolean scanInstances(int buffer, byte[] src, int[] offsets, int[] lengths, int count, CandidateRules out) {
        for (int k = 0; k < count; k++) {
            if (!scan(buffer, src, offsets[k], lengths[k], out)) return false;
        }
        return true;
    }

    /** Scans one range and marks the owners of its prefilter matches; false if the scratch dropped matches. */
    private boolean scan(int buffer, byte[] src, int offset, int length, CandidateRules out) {
        boolean dot = prefilter.dotPrefixed[buffer];
        SuffixIndex exact = prefilter.exactSuffixes[buffer];
        if (exact != null) exact.addOwners(src, offset, length, dot, prefilter.rules, out);
        SuffixIndex caseless = prefilter.caselessSuffixes[buffer];
        if (caseless != null) caseless.addOwners(src, offset, length, dot, prefilter.rules, out);
        if (!patterns.hasPatterns(buffer)) return true;
        int at = dot ? 1 : 0;
        int total = length + at;
        if (total < prefilter.minLengths[buffer] || total == 0) { // no pattern fits (and no content is empty)
            skippedScans++;
            return true;
        }
        MemorySegment data = scanBuffer(total);
        if (at == 1) data.set(ValueLayout.JAVA_BYTE, 0, (byte) '.');
        MemorySegment.copy(src, offset, data, ValueLayout.JAVA_BYTE, at, length);
        long droppedBefore = scratch.droppedMatches();
        int n = patterns.scanBlock(buffer, data.address(), total, scratch);
        if (scratch.droppedMatches() != droppedBefore) return false;
        long[][] rules = prefilter.rules;
        for (int k = 0; k < n; k++) out.addAll(rules[scratch.patternId(k)]);
        return true;
    }

    /** Packets on which a scan found more than {@link #MATCH_CAPACITY} matches, so every rule was evaluated. */
    long fallbacks() {
        return fallbacks;
    }

    /**
     * Buffer scans left out because none of their patterns could select a rule that can match the packet: its group
     * ({@link PacketGroups}) holds none of those rules, or the buffer is shorter than the buffer's shortest pattern.
     */
    long skippedScans() {
        return skippedScans;
    }

    private MemorySegment scanBuffer(int size) {
        if (scanBuffer.byteSize() < size)
            scanBuffer = Arena.ofAuto().allocate(Math.max(size, scanBuffer.byteSize() * 2));
        return scanBuffer;
    }

    @Override
    public void close() {
        scratch.close();
    }
}
