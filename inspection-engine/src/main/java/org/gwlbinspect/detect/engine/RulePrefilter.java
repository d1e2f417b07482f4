package org.gwlbinspect.detect.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.BufferInspection;
import org.gwlbinspect.detect.BufferMatch;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.ContentMatch;
import org.gwlbinspect.detect.PcreMatch;
import org.gwlbinspect.detect.RuleType;
import org.gwlbinspect.detect.Transform;
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
 * <p>Owns a {@link MatchScratch} (native) and a native copy of the scanned buffer: one per evaluator, one thread.
 */
final class RulePrefilter implements AutoCloseable {
    /**
     * Matches one scan keeps. A literal is reported at every occurrence, together with the other contents and pcres
     * of the buffer's database; beyond this the scan's candidates are unknown and every rule is evaluated.
     */
    static final int MATCH_CAPACITY = 4_096;

    private static final int INITIAL_SCAN_BYTES = 65_536 + 64;

    private final CompiledPatterns patterns;
    private final MatchScratch scratch;
    /** By pattern id: the rule whose prefilter pattern it is, or -1. */
    private final int[] prefilterRule;
    /** Buffer ids holding at least one prefilter pattern, the only ones scanned. */
    private final int[] scannedBuffers;
    /** By buffer id: scan the buffer with a '.' in front ({@code dotprefix} rules). */
    private final boolean[] dotPrefixed;
    /** The rules without a prefilter pattern, by address: candidates of a first packet. */
    private final AddressCandidates alwaysCandidates;
    /** The same without the IP-only rules, which the evaluator tries only on first packets (policy.md §3.3). */
    private final AddressCandidates alwaysCandidatesAfterFirst;

    private final int ruleCount;
    /** This packet's candidates. */
    private final CandidateRules candidates;

    private MemorySegment scanBuffer;
    private long fallbacks;

    // ---- stream and packet-stream rules (policy.md §3.3): their payload prefilter runs in the flow's stream -------
    private static final int PAYLOAD = Buffer.PAYLOAD.ordinal();
    /** By rule: its prefilter pattern is a payload content of a stream or packet-stream rule. */
    private final boolean[] streamPrefiltered;
    /** By rule: the length of its prefilter pattern (how long the pattern stays usable in the lookback). */
    private final int[] prefilterLength;
    /** Some rule whose prefilter is a payload content inspects the packet, not the stream: scan packets too. */
    private final boolean packetPayloadScan;
    /** This packet's candidates from its stream: rules whose prefilter pattern was found in or before it. */
    private final int[] streamRules;

    private int streamRuleCount;
    private boolean streamAll;
    /** {@link #scanStream} ran since the last {@link #clearStream}: its candidates are this packet's. */
    private boolean streamScanned;

    private long streamFallbacks;

    RulePrefilter(CompiledPolicy policy) {
        List<CompiledPolicy.CompiledRule> rules = policy.rules();
        int[] owners = policy.patternOwners();
        ruleCount = rules.size();
        patterns = policy.patterns();
        prefilterRule = new int[owners.length];
        Arrays.fill(prefilterRule, -1);
        boolean[] always = new boolean[ruleCount];
        boolean[] alwaysAfterFirst = new boolean[ruleCount];
        candidates = new CandidateRules(ruleCount);
        boolean[] scanned = new boolean[Buffer.values().length];
        dotPrefixed = new boolean[scanned.length];
        streamPrefiltered = new boolean[ruleCount];
        prefilterLength = new int[ruleCount];
        streamRules = new int[Math.max(1, ruleCount)];
        boolean packetScan = false;
        int id = 0; // PolicyCompiler numbers patterns in this order: rules, their inspections, content/pcre matches
        for (int r = 0; r < rules.size(); r++) {
            int best = -1;
            int bestLength = 0;
            boolean bestFast = false;
            BufferInspection bestInspection = null;
            for (BufferInspection inspection : rules.get(r).signature().inspections()) {
                for (BufferMatch match : inspection.matches()) {
                    if (!(match instanceof ContentMatch) && !(match instanceof PcreMatch)) continue;
                    int patternId = id++;
                    if (patternId >= owners.length || owners[patternId] != r)
                        throw new IllegalStateException(
                                "pattern " + patternId + " is not numbered as the compiler does");
                    if (!(match instanceof ContentMatch content) || !usable(inspection, content)) continue;
                    boolean better = best < 0
                            || (content.fastPattern() && !bestFast)
                            || (content.fastPattern() == bestFast && content.length() > bestLength);
                    if (better) {
                        best = patternId;
                        bestLength = content.length();
                        bestFast = content.fastPattern();
                        bestInspection = inspection;
                    }
                }
            }
            if (best < 0) {
                always[r] = true;
                alwaysAfterFirst[r] = rules.get(r).signature().type() != RuleType.IP_ONLY;
                continue;
            }
            prefilterRule[best] = r;
            int buffer = bestInspection.buffer().ordinal();
            prefilterLength[r] = bestLength;
            if (buffer == PAYLOAD) {
                RuleType type = rules.get(r).signature().type();
                if (type == RuleType.STREAM || type == RuleType.PACKET_STREAM) streamPrefiltered[r] = true;
                else packetScan = true;
            }
            scanned[buffer] = true;
            if (bestInspection.transforms().contains(Transform.DOTPREFIX)) dotPrefixed[buffer] = true;
        }
        if (id != owners.length)
            throw new IllegalStateException(owners.length + " patterns compiled, " + id + " found in the rules");
        packetPayloadScan = packetScan;
        alwaysCandidates = new AddressCandidates(rules, always);
        alwaysCandidatesAfterFirst = new AddressCandidates(rules, alwaysAfterFirst);
        List<Integer> buffers = new ArrayList<>();
        for (int b = 0; b < scanned.length; b++) if (scanned[b] && patterns.hasPatterns(b)) buffers.add(b);
        scannedBuffers = buffers.stream().mapToInt(Integer::intValue).toArray();
        scratch = new MatchScratch(MATCH_CAPACITY);
        scratch.prepare(patterns); // allocates: here, not on the first packet
        // Automatic arena: the garbage collector frees the copy, so an evaluator never closed leaks nothing.
        scanBuffer = Arena.ofAuto().allocate(INITIAL_SCAN_BYTES);
    }

    /**
     * Whether Hyperscan scanning the raw buffer (with a dot in front for {@code dotprefix}) finds {@code content}
     * wherever the evaluator finds it in the transformed buffer.
     */
    private static boolean usable(BufferInspection inspection, ContentMatch content) {
        if (content.negated()) return false;
        int dots = 0;
        for (Transform t : inspection.transforms()) {
            switch (t) {
                case DOTPREFIX -> dots++;
                // lower(raw) holds the (lowercase) content exactly where raw holds it case-insensitively
                case TO_LOWERCASE -> {
                    if (!content.nocase()) return false;
                }
                case STRIP_WHITESPACE -> {
                    return false;
                }
            }
        }
        return dots <= 1;
    }

    /**
     * Scans the buffers {@code ctx} has set and returns this packet's candidate rules (valid until the next call).
     * Allocates nothing unless a buffer is larger than any before, or a slow pcre's Hyperscan prefilter fires.
     */
    CandidateRules select(PacketContext ctx) {
        CandidateRules out = candidates;
        out.clear();
        (ctx.firstPacketInDirection ? alwaysCandidates : alwaysCandidatesAfterFirst).addTo(ctx, out);
        for (int buffer : scannedBuffers) {
            // A segment that went into its stream is matched there by stream rules, whose candidates scanStream found.
            if (buffer == PAYLOAD && ctx.payloadInStream && !packetPayloadScan) continue;
            byte[] src = ctx.bufferArrays[buffer];
            if (src == null) continue;
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
            for (int k = 0; k < streamRuleCount; k++) out.add(streamRules[k]);
        }
        return out;
    }

    /** Forgets the last packet's stream candidates (call per packet, before {@link #scanStream}). */
    void clearStream() {
        streamRuleCount = 0;
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
        long windowStart = newStreamOffset - newFrom;
        int kept = 0;
        for (int k = 0; k < state.pendingCount; k++) {
            int rule = state.pendingRules[k];
            // a pattern whose first byte left the lookback cannot be matched there any more
            if (state.pendingEnds[k] - prefilterLength[rule] < windowStart) continue;
            state.pendingRules[kept] = rule;
            state.pendingEnds[kept++] = state.pendingEnds[k];
            addStreamRule(rule);
        }
        state.pendingCount = kept;
        if (!patterns.hasPatterns(PAYLOAD)) return;
        MatchStream stream = state.hyperscan;
        if (!stream.isOpen() || stream.snapshot() != patterns || state.hyperscanEnd != newStreamOffset) {
            // First bytes of the flow, a new policy, or bytes this stream did not see: what the lookback holds was not
            // scanned here, so every rule stays a candidate until it has left the lookback.
            if (stream.isOpen() || newFrom > 0) {
                state.allCandidatesUntil = Math.max(state.allCandidatesUntil, newStreamOffset);
                state.pendingCount = 0; // rule indexes of another policy, or of bytes now covered by the fallback
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
            for (int k = 0; k < matches; k++) {
                int rule = prefilterRule[scratch.patternId(k)];
                if (rule < 0 || !streamPrefiltered[rule]) continue;
                addStreamRule(rule);
                remember(state, rule, state.hyperscanBase + scratch.endOffset(k));
            }
        }
        if (state.allCandidatesUntil > windowStart) {
            streamAll = true;
            streamFallbacks++;
        }
    }

    /** Keeps {@code rule} a candidate while its pattern, ending at stream offset {@code end}, is in the lookback. */
    private static void remember(StreamMatchState state, int rule, long end) {
        for (int k = 0; k < state.pendingCount; k++) {
            if (state.pendingRules[k] == rule) {
                state.pendingEnds[k] = Math.max(state.pendingEnds[k], end);
                return;
            }
        }
        if (state.pendingCount < StreamMatchState.PENDING_RULES) {
            state.pendingRules[state.pendingCount] = rule;
            state.pendingEnds[state.pendingCount++] = end;
        } else {
            state.allCandidatesUntil = Math.max(state.allCandidatesUntil, end); // correctness first
        }
    }

    private void addStreamRule(int rule) {
        if (streamRuleCount < streamRules.length) streamRules[streamRuleCount++] = rule;
        else streamAll = true;
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
        int at = dotPrefixed[buffer] ? 1 : 0;
        int total = length + at;
        if (total == 0) return true; // no content is empty
        MemorySegment data = scanBuffer(total);
        if (at == 1) data.set(ValueLayout.JAVA_BYTE, 0, (byte) '.');
        MemorySegment.copy(src, offset, data, ValueLayout.JAVA_BYTE, at, length);
        long droppedBefore = scratch.droppedMatches();
        int n = patterns.scanBlock(buffer, data.address(), total, scratch);
        if (scratch.droppedMatches() != droppedBefore) return false;
        for (int k = 0; k < n; k++) {
            int rule = prefilterRule[scratch.patternId(k)];
            if (rule >= 0) out.add(rule);
        }
        return true;
    }

    /** Packets on which a scan found more than {@link #MATCH_CAPACITY} matches, so every rule was evaluated. */
    long fallbacks() {
        return fallbacks;
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
