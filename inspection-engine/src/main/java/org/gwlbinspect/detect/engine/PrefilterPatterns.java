package org.gwlbinspect.detect.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.BufferInspection;
import org.gwlbinspect.detect.BufferMatch;
import org.gwlbinspect.detect.CompiledPolicy.CompiledRule;
import org.gwlbinspect.detect.ContentMatch;
import org.gwlbinspect.detect.PcreMatch;
import org.gwlbinspect.detect.RuleType;
import org.gwlbinspect.detect.Transform;
import org.gwlbinspect.detect.match.CompiledPatterns;
import org.gwlbinspect.detect.match.PatternCompileException;
import org.gwlbinspect.detect.match.PatternSet;

/**
 * The prefilter's Hyperscan databases of one policy, built once and shared by every worker's {@link RulePrefilter}:
 * each rule with a positive content gets one prefilter pattern (its {@code fast_pattern}, else its longest usable
 * content), and each <em>distinct</em> prefilter pattern (same bytes, same case sensitivity, same buffer) is compiled
 * once, mapped to every rule that chose it. The policy's full databases ({@link
 * org.gwlbinspect.detect.CompiledPolicy#patterns()}) hold every content and pcre of every rule, duplicates included,
 * and are only for checking the policy; scanning them made a packet's cost grow with the rule count (10 000 mixed rules
 * repeat one 4-byte literal 3 500 times, each a separate Hyperscan pattern reported on its own).
 *
 * <p>Block-mode databases report each pattern once per scan ({@code HS_FLAG_SINGLEMATCH}): a packet's candidates only
 * need to know whether the pattern occurs. The stream-mode database reports every occurrence, because {@code
 * SINGLEMATCH} holds for a whole Hyperscan stream, and a rule must become a candidate again on a later segment that
 * brings its pattern again, after the first occurrence has left the lookback.
 *
 * <p>A pattern found costs one {@link CandidateRules#addAll} of its rules, in proportion to the 64-rule words they
 * occupy, however many rules share it. Immutable; the native databases are freed by {@link #close()} or, failing
 * that, once the policy is unreachable.
 */
public final class PrefilterPatterns implements AutoCloseable {
    private static final int PAYLOAD = Buffer.PAYLOAD.ordinal();

    final CompiledPatterns patterns;
    /** By distinct pattern: the rules whose prefilter pattern it is, as {@link CandidateRules#sparse} pairs. */
    final long[][] rules;
    /** By distinct pattern: those of its rules that match the stream (stream, packet-stream), or null when none. */
    final long[][] streamRules;
    /** By distinct pattern: its length (how long it stays usable in the lookback). */
    final int[] lengths;
    /** By rule: it has no prefilter pattern, so it is a candidate whenever its addresses can match. */
    final boolean[] always;
    /** The same without the IP-only rules, which the evaluator tries on first packets only (policy.md §3.3). */
    final boolean[] alwaysAfterFirst;
    /** Buffer ids holding at least one prefilter pattern, the only ones scanned. */
    final int[] scannedBuffers;
    /** By buffer id: scan the buffer with a '.' in front ({@code dotprefix} rules). */
    final boolean[] dotPrefixed;
    /**
     * By buffer id: the {@link PacketGroups} of the rules whose prefilter pattern is in that buffer. A packet outside
     * them has no use for the buffer's scan: every rule it could select fails its protocol or flow check.
     */
    final int[] bufferGroups;
    /**
     * The {@link PacketGroups} of the rules whose prefilter is a payload content and that inspect the packet, not the
     * stream (packet rules): a segment that went into its stream is block-scanned for them only; 0 when none.
     */
    final int packetPayloadGroups;
    /**
     * By buffer id: the length of its shortest Hyperscan pattern (a shorter buffer holds none of them); 0 when it has
     * none.
     */
    final int[] minLengths;
    /**
     * By buffer id, null when none: the patterns that must end at the end of a sticky buffer ({@code endswith}),
     * case-sensitive and {@code nocase}, looked up by the buffer's suffixes instead of scanned ({@link SuffixIndex}).
     */
    final SuffixIndex[] exactSuffixes;

    final SuffixIndex[] caselessSuffixes;

    private final int prefilteredRules;

    private PrefilterPatterns(
            CompiledPatterns patterns,
            long[][] rules,
            long[][] streamRules,
            int[] lengths,
            boolean[] always,
            boolean[] alwaysAfterFirst,
            int[] scannedBuffers,
            boolean[] dotPrefixed,
            int[] bufferGroups,
            int packetPayloadGroups,
            int[] minLengths,
            SuffixIndex[] exactSuffixes,
            SuffixIndex[] caselessSuffixes,
            int prefilteredRules) {
        this.patterns = patterns;
        this.rules = rules;
        this.streamRules = streamRules;
        this.lengths = lengths;
        this.always = always;
        this.alwaysAfterFirst = alwaysAfterFirst;
        this.scannedBuffers = scannedBuffers;
        this.dotPrefixed = dotPrefixed;
        this.bufferGroups = bufferGroups;
        this.packetPayloadGroups = packetPayloadGroups;
        this.minLengths = minLengths;
        this.exactSuffixes = exactSuffixes;
        this.caselessSuffixes = caselessSuffixes;
        this.prefilteredRules = prefilteredRules;
    }

    /**
     * Chooses each rule's prefilter pattern and compiles the distinct ones. Off the data path (policy load).
     *
     * @param patternOwners by pattern id of the policy's full set, the rule it belongs to: the ids are checked to be
     *     numbered as {@link org.gwlbinspect.detect.PolicyCompiler} numbers them (rules, inspections, content/pcre)
     * @throws PatternCompileException if Hyperscan cannot compile a literal it compiled in the full set (not expected)
     */
    public static PrefilterPatterns build(List<CompiledRule> ruleList, int[] patternOwners)
            throws PatternCompileException {
        int ruleCount = ruleList.size();
        boolean[] always = new boolean[ruleCount];
        boolean[] alwaysAfterFirst = new boolean[ruleCount];
        boolean[] scanned = new boolean[Buffer.values().length];
        boolean[] dotPrefixed = new boolean[scanned.length];
        int[] groups = new int[scanned.length];
        int packetPayloadGroups = 0;
        int[] minLengths = new int[scanned.length];
        Map<PatternKey, Integer> distinct = new HashMap<>();
        List<PatternKey> keys = new ArrayList<>();
        List<List<Integer>> owners = new ArrayList<>(); // rule indexes, ascending
        List<List<Integer>> streamOwners = new ArrayList<>();
        int prefiltered = 0;
        int id = 0;
        for (int r = 0; r < ruleCount; r++) {
            ContentMatch best = null;
            BufferInspection bestInspection = null;
            for (BufferInspection inspection : ruleList.get(r).signature().inspections()) {
                for (BufferMatch match : inspection.matches()) {
                    if (!(match instanceof ContentMatch) && !(match instanceof PcreMatch)) continue;
                    int patternId = id++;
                    if (patternId >= patternOwners.length || patternOwners[patternId] != r)
                        throw new IllegalStateException(
                                "pattern " + patternId + " is not numbered as the compiler does");
                    if (!(match instanceof ContentMatch content) || !usable(inspection, content)) continue;
                    boolean better = best == null
                            || (content.fastPattern() && !best.fastPattern())
                            || (content.fastPattern() == best.fastPattern() && content.length() > best.length());
                    if (better) {
                        best = content;
                        bestInspection = inspection;
                    }
                }
            }
            RuleType type = ruleList.get(r).signature().type();
            if (best == null) {
                always[r] = true;
                alwaysAfterFirst[r] = type != RuleType.IP_ONLY;
                continue;
            }
            prefiltered++;
            int buffer = bestInspection.buffer().ordinal();
            int mask = PacketGroups.mask(ruleList.get(r).signature());
            groups[buffer] |= mask;
            // A sticky buffer's pattern that must end at the buffer's end is looked up by suffix, not scanned for.
            boolean suffix = best.endsWith() && bestInspection.buffer().isSticky();
            PatternKey key = PatternKey.of(buffer, best.pattern(), best.nocase(), suffix);
            Integer index = distinct.get(key);
            if (index == null) {
                index = keys.size();
                distinct.put(key, index);
                keys.add(key);
                owners.add(new ArrayList<>());
                streamOwners.add(new ArrayList<>());
            }
            owners.get(index).add(r);
            if (buffer == PAYLOAD) {
                if (type == RuleType.STREAM || type == RuleType.PACKET_STREAM)
                    streamOwners.get(index).add(r);
                else packetPayloadGroups |= mask;
            }
            scanned[buffer] = true;
            if (bestInspection.transforms().contains(Transform.DOTPREFIX)) dotPrefixed[buffer] = true;
        }
        if (id != patternOwners.length)
            throw new IllegalStateException(patternOwners.length + " patterns compiled, " + id + " found in the rules");

        int n = keys.size();
        PatternSet set = new PatternSet().reportFirstMatchOnlyInBlockMode(true);
        long[][] rules = new long[n][];
        long[][] streamRules = new long[n][];
        int[] lengths = new int[n];
        byte[][] bytesById = new byte[n][];
        List<List<Integer>> exactSuffixIds = new ArrayList<>();
        List<List<Integer>> caselessSuffixIds = new ArrayList<>();
        for (int b = 0; b < scanned.length; b++) {
            exactSuffixIds.add(new ArrayList<>());
            caselessSuffixIds.add(new ArrayList<>());
        }
        for (int p = 0; p < n; p++) {
            PatternKey key = keys.get(p);
            int b = key.buffer();
            bytesById[p] = key.bytes();
            rules[p] = CandidateRules.sparse(owners.get(p));
            streamRules[p] = streamOwners.get(p).isEmpty() ? null : CandidateRules.sparse(streamOwners.get(p));
            lengths[p] = key.bytes().length;
            if (key.suffix()) {
                (key.caseless() ? caselessSuffixIds : exactSuffixIds).get(b).add(p);
                continue;
            }
            set.addLiteral(p, b, key.bytes(), key.caseless());
            minLengths[b] = minLengths[b] == 0 ? lengths[p] : Math.min(minLengths[b], lengths[p]);
        }
        SuffixIndex[] exactSuffixes = new SuffixIndex[scanned.length];
        SuffixIndex[] caselessSuffixes = new SuffixIndex[scanned.length];
        for (int b = 0; b < scanned.length; b++) {
            if (!exactSuffixIds.get(b).isEmpty())
                exactSuffixes[b] = new SuffixIndex(false, exactSuffixIds.get(b), bytesById);
            if (!caselessSuffixIds.get(b).isEmpty())
                caselessSuffixes[b] = new SuffixIndex(true, caselessSuffixIds.get(b), bytesById);
        }
        CompiledPatterns compiled = set.compile();
        List<Integer> buffers = new ArrayList<>();
        for (int b = 0; b < scanned.length; b++) {
            if (scanned[b] && (compiled.hasPatterns(b) || exactSuffixes[b] != null || caselessSuffixes[b] != null))
                buffers.add(b);
        }
        return new PrefilterPatterns(
                compiled,
                rules,
                streamRules,
                lengths,
                always,
                alwaysAfterFirst,
                buffers.stream().mapToInt(Integer::intValue).toArray(),
                dotPrefixed,
                groups,
                packetPayloadGroups,
                minLengths,
                exactSuffixes,
                caselessSuffixes,
                prefiltered);
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

    /** Distinct prefilter patterns compiled (at most one per rule; fewer when rules share one). */
    public int distinctPatterns() {
        return lengths.length;
    }

    /** Distinct patterns looked up by the buffer's suffix ({@link SuffixIndex}) rather than scanned with Hyperscan. */
    public int suffixPatterns() {
        int n = 0;
        for (SuffixIndex index : exactSuffixes) if (index != null) n += index.size();
        for (SuffixIndex index : caselessSuffixes) if (index != null) n += index.size();
        return n;
    }

    /** Rules that have a prefilter pattern. */
    public int prefilteredRules() {
        return prefilteredRules;
    }

    /** Native memory of the prefilter's databases. */
    public long databaseBytes() {
        return patterns.databaseBytes();
    }

    /** Frees the native databases now; only once no evaluator built on this policy scans any more. */
    @Override
    public void close() {
        patterns.close();
    }

    /**
     * A distinct pattern: a caseless literal is kept lowercased, so {@code "ABC"; nocase} and {@code "abc"; nocase}
     * meet; a suffix pattern (must end at the buffer's end) is distinct from the same literal anywhere.
     */
    private record PatternKey(int buffer, byte[] bytes, boolean caseless, boolean suffix) {
        static PatternKey of(int buffer, byte[] literal, boolean caseless, boolean suffix) {
            byte[] bytes = literal.clone();
            if (caseless) {
                for (int i = 0; i < bytes.length; i++) {
                    if (bytes[i] >= 'A' && bytes[i] <= 'Z') bytes[i] = (byte) (bytes[i] + ('a' - 'A'));
                }
            }
            return new PatternKey(buffer, bytes, caseless, suffix);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PatternKey k
                    && k.buffer == buffer
                    && k.caseless == caseless
                    && k.suffix == suffix
                    && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return ((Arrays.hashCode(bytes) * 31 + buffer) * 2 + (caseless ? 1 : 0)) * 2 + (suffix ? 1 : 0);
        }
    }
}
