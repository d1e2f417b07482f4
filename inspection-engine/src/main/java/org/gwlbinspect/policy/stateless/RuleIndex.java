package org.gwlbinspect.policy.stateless;

import java.util.List;
import org.gwlbinspect.policy.IpPrefix;
import org.gwlbinspect.policy.PortRange;
import org.gwlbinspect.policy.StatelessMatch;

/**
 * Per match field, the rules that can match each value of it, as bit sets over rule positions in a {@link BitsetPool}:
 * protocol (256 sets), source and destination address (elementary intervals of the rules' prefixes, one set of
 * intervals per IP version) and source and destination port (elementary intervals over 0–65535). A packet's
 * candidates are the AND of its five sets; every candidate is a superset of the rules the linear loop would accept
 * (each field's set holds every rule that field cannot reject), and the engine confirms each one with the full
 * per-rule check in rule order, so the first confirmed candidate is the linear loop's answer.
 *
 * <p>IPv4 addresses are looked up by their low 32 bits, so a rule whose IPv4 prefix the linear check would accept is
 * always a candidate. A packet of another IP version than 4 or 6 matches no prefix, so its address set is the rules
 * with no address setting. Ports outside 0–65535 land in the last interval, a superset of the rules without a port
 * setting, which are the only ones the linear check accepts for them.
 */
final class RuleIndex {
    private static final long V4_MAX = 0xFFFF_FFFFL;
    private static final long PORT_MAX = 0xFFFF;

    /** The sets, {@link #words} longs each, at the offsets below. */
    final long[] sets;

    final int words;
    /**
     * Per set, one bit per word that is not zero ({@link #summaryWords} longs at {@code offset / words *
     * summaryWords}): ANDing the five summaries first visits only the words where every set has a rule, so a packet
     * that no rule's address names costs a few words whatever the rule count.
     */
    final long[] summaries;

    final int summaryWords;
    /** Per protocol number, its set. */
    final int[] protocol;
    /** The set of every rule: the port sets of a packet that is neither TCP nor UDP. */
    final int allRules;

    private final IntervalSets sourceV4;
    private final IntervalSets sourceV6;
    private final int sourceOtherVersion;
    private final IntervalSets destinationV4;
    private final IntervalSets destinationV6;
    private final int destinationOtherVersion;
    private final IntervalSets sourcePort;
    private final IntervalSets destinationPort;

    private RuleIndex(
            long[] sets,
            long[] summaries,
            int words,
            int[] protocol,
            int allRules,
            IntervalSets[] fields,
            int sourceOtherVersion,
            int destinationOtherVersion) {
        this.sets = sets;
        this.words = words;
        this.summaries = summaries;
        this.summaryWords = BitsetPool.summaryWords(words);
        this.protocol = protocol;
        this.allRules = allRules;
        this.sourceV4 = fields[0];
        this.sourceV6 = fields[1];
        this.destinationV4 = fields[2];
        this.destinationV6 = fields[3];
        this.sourcePort = fields[4];
        this.destinationPort = fields[5];
        this.sourceOtherVersion = sourceOtherVersion;
        this.destinationOtherVersion = destinationOtherVersion;
    }

    /**
     * What {@link #build} made.
     *
     * @param index the index, or null when its sets would take more than the budget
     * @param bytes what {@link #sizeBytes} gives for the index, or would give for it without the budget
     */
    record Outcome(RuleIndex index, long bytes) {}

    /**
     * The index of {@code matches} (in rule order), or none if its sets would take more than {@code budgetBytes}; in
     * both cases the bytes it takes or would take.
     */
    static Outcome build(List<StatelessMatch> matches, long budgetBytes) {
        int ruleCount = matches.size();
        int words = Math.max(1, (ruleCount + 63) >>> 6);
        BitsetPool pool = new BitsetPool(words, budgetBytes / Long.BYTES);
        int[] protocol = new int[256];
        for (int p = 0; p < 256; p++) {
            long[] bits = new long[words];
            for (int r = 0; r < ruleCount; r++) {
                List<Integer> protocols = matches.get(r).protocols();
                if (protocols.isEmpty() || protocols.contains(p)) bits[r >>> 6] |= 1L << r;
            }
            protocol[p] = pool.intern(bits);
        }
        long[] all = new long[words];
        for (int r = 0; r < ruleCount; r++) all[r >>> 6] |= 1L << r;
        int allRules = pool.intern(all);

        IntervalSets.Builder sourceV4 = new IntervalSets.Builder(0, V4_MAX);
        IntervalSets.Builder sourceV6 = new IntervalSets.Builder(-1L, -1L);
        IntervalSets.Builder destinationV4 = new IntervalSets.Builder(0, V4_MAX);
        IntervalSets.Builder destinationV6 = new IntervalSets.Builder(-1L, -1L);
        IntervalSets.Builder sourcePort = new IntervalSets.Builder(0, PORT_MAX);
        IntervalSets.Builder destinationPort = new IntervalSets.Builder(0, PORT_MAX);
        long[] anySource = new long[words];
        long[] anyDestination = new long[words];
        long[] anySourcePort = new long[words];
        long[] anyDestinationPort = new long[words];
        for (int r = 0; r < ruleCount; r++) {
            StatelessMatch m = matches.get(r);
            addPrefixes(r, m.sources(), sourceV4, sourceV6, anySource);
            addPrefixes(r, m.destinations(), destinationV4, destinationV6, anyDestination);
            addPorts(r, m.sourcePorts(), sourcePort, anySourcePort);
            addPorts(r, m.destinationPorts(), destinationPort, anyDestinationPort);
        }
        IntervalSets[] fields = {
            sourceV4.build(anySource, ruleCount, pool),
            sourceV6.build(anySource, ruleCount, pool),
            destinationV4.build(anyDestination, ruleCount, pool),
            destinationV6.build(anyDestination, ruleCount, pool),
            sourcePort.build(anySourcePort, ruleCount, pool),
            destinationPort.build(anyDestinationPort, ruleCount, pool)
        };
        int sourceOtherVersion = pool.intern(anySource);
        int destinationOtherVersion = pool.intern(anyDestination);
        long bytes = pool.neededWords() * Long.BYTES + intervalBytes(fields);
        if (pool.overBudget()) return new Outcome(null, bytes);
        RuleIndex index = new RuleIndex(
                pool.toArray(),
                pool.summaries(),
                words,
                protocol,
                allRules,
                fields,
                sourceOtherVersion,
                destinationOtherVersion);
        return new Outcome(index, bytes);
    }

    int sourceSet(int ipVersion, long hi, long lo) {
        if (ipVersion == 4) return sourceV4.setAt(0, lo & V4_MAX);
        if (ipVersion == 6) return sourceV6.setAt(hi, lo);
        return sourceOtherVersion;
    }

    int destinationSet(int ipVersion, long hi, long lo) {
        if (ipVersion == 4) return destinationV4.setAt(0, lo & V4_MAX);
        if (ipVersion == 6) return destinationV6.setAt(hi, lo);
        return destinationOtherVersion;
    }

    int sourcePortSet(int port) {
        return sourcePort.setAt(0, port & 0xFFFF_FFFFL);
    }

    int destinationPortSet(int port) {
        return destinationPort.setAt(0, port & 0xFFFF_FFFFL);
    }

    /** Bytes the sets and interval tables take: the figure the budget bounds, for tests and reports. */
    long sizeBytes() {
        IntervalSets[] fields = {sourceV4, sourceV6, destinationV4, destinationV6, sourcePort, destinationPort};
        return (long) (sets.length + summaries.length) * Long.BYTES + intervalBytes(fields);
    }

    /** Per elementary interval, its start (two longs) and its set's offset (an int). */
    private static long intervalBytes(IntervalSets[] fields) {
        long intervals = 0;
        for (IntervalSets field : fields) intervals += field.intervals();
        return intervals * (2 * Long.BYTES + Integer.BYTES);
    }

    private static void addPrefixes(
            int rule, List<IpPrefix> prefixes, IntervalSets.Builder v4, IntervalSets.Builder v6, long[] any) {
        if (prefixes.isEmpty()) any[rule >>> 6] |= 1L << rule;
        for (IpPrefix p : prefixes) {
            if (p.ipVersion() == 4) {
                v4.add(rule, 0, p.lo(), 0, p.lo() | (~p.maskLo() & V4_MAX));
            } else {
                v6.add(rule, p.hi(), p.lo(), p.hi() | ~p.maskHi(), p.lo() | ~p.maskLo());
            }
        }
    }

    private static void addPorts(int rule, List<PortRange> ranges, IntervalSets.Builder field, long[] any) {
        if (ranges.isEmpty()) any[rule >>> 6] |= 1L << rule;
        for (PortRange range : ranges) field.add(rule, 0, range.from(), 0, range.to());
    }
}
