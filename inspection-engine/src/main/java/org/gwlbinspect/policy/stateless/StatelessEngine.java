package org.gwlbinspect.policy.stateless;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.policy.CustomAction;
import org.gwlbinspect.policy.FirewallPolicy;
import org.gwlbinspect.policy.IpPrefix;
import org.gwlbinspect.policy.PortRange;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.policy.StatelessActions;
import org.gwlbinspect.policy.StatelessMatch;
import org.gwlbinspect.policy.StatelessRule;
import org.gwlbinspect.policy.StatelessRuleGroup;
import org.gwlbinspect.policy.TcpFlagsMatch;

/**
 * The NFW stateless engine (policy.md §2.2) for one policy, compiled into flat arrays: groups in ascending policy
 * priority, rules in ascending rule priority, the first matching rule decides. A packet no rule matches gets {@code
 * StatelessDefaultActions}, or {@code StatelessFragmentDefaultActions} if it is a UDP fragment; fragments of other
 * protocols are dropped before any rule is tried, as NFW "only manages UDP packet fragments".
 *
 * <p>Within a rule every match setting that is given must match (any one of its elements); ports are only checked for
 * TCP and UDP packets and TCP flags only for TCP packets, as the NFW API says of those settings ("only used for
 * protocols 6 and 17"). Addresses are the flow stage's two-long form: IPv6 high and low 64 bits, IPv4 {@code hi = 0}
 * and {@code lo} the unsigned 32-bit address.
 *
 * <p>From {@link #MIN_INDEXED_RULES} rules on, {@link #match} does not try every rule: it tries the first {@link
 * #LINEAR_PREFIX_RULES} one by one, then asks a {@link RuleIndex} for the rest. The index gives, per field value, the
 * rules that field does not rule out as a bit set over rule positions; the sets of the packet's five fields are ANDed
 * word by word and only the rules left are checked in full, lowest position first. Every rule of the prefix comes
 * before every rule of the index, so the first match is the linear loop's in both parts (the differential test
 * compares the two). The prefix is there because the index's four binary searches cost 40–60 ns, about what ten rule
 * checks do: a packet one of the first rules matches pays a few rule checks instead of them, and a packet that
 * reaches the index pays those few checks more (docs/performance.md, "The stateless engine's index"). Below {@link
 * #MIN_INDEXED_RULES} the linear loop is kept whole. It is kept too when the index's bit sets would exceed {@link
 * #INDEX_BUDGET_BYTES} (distinct sets × rules / 8 bytes: about 50 000 distinct sets at 10 000 rules), where compile
 * time and memory would outgrow what the packets save; {@link #indexOverBudget()} and {@link #indexBytes()} then say
 * so and what the index would have needed, for the operator.
 *
 * <p>Immutable and thread-safe; {@link #match} and {@link #evaluate} allocate nothing. Custom action counts live in
 * an array the caller owns ({@link #newCustomActionCounts()}), one per worker.
 */
public final class StatelessEngine {
    /** Outcome: no rule matched a non-fragment; {@code StatelessDefaultActions} apply. */
    public static final int DEFAULT_ACTIONS = -1;
    /** Outcome: no rule matched a UDP fragment; {@code StatelessFragmentDefaultActions} apply. */
    public static final int FRAGMENT_DEFAULT_ACTIONS = -2;
    /** Outcome: a fragment of a protocol other than UDP, dropped without trying the rules. */
    public static final int NON_UDP_FRAGMENT = -3;

    /** Rule count from which {@link #compile} builds the index (the crossover measured in docs/performance.md). */
    public static final int MIN_INDEXED_RULES = 16;
    /** Rules {@link #compile} tries one by one before asking the index (see the class comment). */
    public static final int LINEAR_PREFIX_RULES = 4;
    /** The most the index's bit sets may take; a policy that needs more keeps the linear loop. */
    public static final long INDEX_BUDGET_BYTES = 64L << 20;

    private static final int TCP = 6;
    private static final int UDP = 17;

    /** The bit-set index of the rules from {@link #linearRules} on, or {@code null} where all are tried one by one. */
    private final RuleIndex index;
    /** Rules tried one by one before the index: the prefix, or every rule without an index. */
    private final int linearRules;
    /** Whether the rule count called for an index that its budget could not hold. */
    private final boolean indexOverBudget;
    /** Bytes the index takes or, over its budget, would take; 0 when the rule count calls for none. */
    private final long indexBytes;

    private final long indexBudgetBytes;

    private final int ruleCount;
    private final StatelessAction[] ruleActions;
    private final StatelessAction defaultAction;
    private final StatelessAction fragmentDefaultAction;
    /** Four words (256 bits) per rule: bit p set when protocol p matches. */
    private final long[] protocolMasks;

    private final int[] sourceFrom;
    private final int[] sourceTo;
    private final int[] destinationFrom;
    private final int[] destinationTo;
    private final int[] prefixVersion;
    private final long[] prefixHi;
    private final long[] prefixLo;
    private final long[] prefixMaskHi;
    private final long[] prefixMaskLo;

    private final int[] sourcePortFrom;
    private final int[] sourcePortTo;
    private final int[] destinationPortFrom;
    private final int[] destinationPortTo;
    private final int[] portLow;
    private final int[] portHigh;

    private final int[] flagsFrom;
    private final int[] flagsTo;
    private final int[] flagBits;
    private final int[] maskBits;

    /** Custom action counter slots per outcome: rules 0..n-1, then the default, then the fragment default. */
    private final int[] customFrom;

    private final int[] customTo;
    private final int[] customSlots;

    private final List<CustomActionCounter> counters;
    private final List<StatelessRuleRef> rules;

    private StatelessEngine(
            Builder b, FirewallPolicy policy, int minIndexedRules, int linearPrefixRules, long indexBudgetBytes) {
        ruleCount = b.rules.size();
        int prefix = Math.min(linearPrefixRules, ruleCount);
        RuleIndex.Outcome built = ruleCount >= minIndexedRules
                ? RuleIndex.build(b.matches.subList(prefix, ruleCount), indexBudgetBytes)
                : new RuleIndex.Outcome(null, 0);
        index = built.index();
        linearRules = index != null ? prefix : ruleCount;
        indexOverBudget = index == null && ruleCount >= minIndexedRules;
        indexBytes = built.bytes();
        this.indexBudgetBytes = indexBudgetBytes;
        ruleActions = b.actions.toArray(new StatelessAction[0]);
        defaultAction = policy.statelessDefaultActions().standard();
        fragmentDefaultAction = policy.statelessFragmentDefaultActions().standard();
        protocolMasks = toLongs(b.protocolMasks);
        sourceFrom = toInts(b.sourceFrom);
        sourceTo = toInts(b.sourceTo);
        destinationFrom = toInts(b.destinationFrom);
        destinationTo = toInts(b.destinationTo);
        prefixVersion = toInts(b.prefixVersion);
        prefixHi = toLongs(b.prefixHi);
        prefixLo = toLongs(b.prefixLo);
        prefixMaskHi = toLongs(b.prefixMaskHi);
        prefixMaskLo = toLongs(b.prefixMaskLo);
        sourcePortFrom = toInts(b.sourcePortFrom);
        sourcePortTo = toInts(b.sourcePortTo);
        destinationPortFrom = toInts(b.destinationPortFrom);
        destinationPortTo = toInts(b.destinationPortTo);
        portLow = toInts(b.portLow);
        portHigh = toInts(b.portHigh);
        flagsFrom = toInts(b.flagsFrom);
        flagsTo = toInts(b.flagsTo);
        flagBits = toInts(b.flagBits);
        maskBits = toInts(b.maskBits);
        customFrom = toInts(b.customFrom);
        customTo = toInts(b.customTo);
        customSlots = toInts(b.customSlots);
        counters = b.counters.values().stream().map(Builder.Slot::counter).toList();
        rules = List.copyOf(b.rules);
    }

    /** Compiles the stateless part of a loaded policy, with the index where it pays (see the class comment). */
    public static StatelessEngine compile(FirewallPolicy policy) {
        return compile(policy, INDEX_BUDGET_BYTES);
    }

    /**
     * {@link #compile(FirewallPolicy)} with another budget for the index than {@link #INDEX_BUDGET_BYTES}: for tests of
     * what an appliance reports when a policy's index does not fit.
     */
    public static StatelessEngine compile(FirewallPolicy policy, long indexBudgetBytes) {
        return compile(policy, MIN_INDEXED_RULES, LINEAR_PREFIX_RULES, indexBudgetBytes);
    }

    /**
     * Compiles the stateless part of a loaded policy without the index: every packet tries the rules one by one. The
     * reference the index is tested and measured against.
     */
    public static StatelessEngine compileLinear(FirewallPolicy policy) {
        return compile(policy, Integer.MAX_VALUE, 0, INDEX_BUDGET_BYTES);
    }

    /**
     * Compiles with the index whatever the rule count (within the budget), and no rule tried before it: for tests of
     * the index on few rules and the benchmark that finds {@link #MIN_INDEXED_RULES}.
     */
    public static StatelessEngine compileIndexed(FirewallPolicy policy) {
        return compileIndexed(policy, 0);
    }

    /** {@link #compileIndexed(FirewallPolicy)} with the first {@code linearPrefixRules} rules tried one by one. */
    static StatelessEngine compileIndexed(FirewallPolicy policy, int linearPrefixRules) {
        return compile(policy, 0, linearPrefixRules, INDEX_BUDGET_BYTES);
    }

    private static StatelessEngine compile(
            FirewallPolicy policy, int minIndexedRules, int linearPrefixRules, long indexBudgetBytes) {
        Builder b = new Builder();
        List<StatelessRuleGroup> groups = new ArrayList<>(policy.statelessGroups());
        groups.sort(Comparator.comparingInt(StatelessRuleGroup::priority));
        for (StatelessRuleGroup group : groups) {
            for (StatelessRule rule : group.rules()) b.add(group, rule);
        }
        b.addCustom(null, policy.statelessCustomActions(), policy.statelessDefaultActions());
        b.addCustom(null, policy.statelessCustomActions(), policy.statelessFragmentDefaultActions());
        return new StatelessEngine(b, policy, minIndexedRules, linearPrefixRules, indexBudgetBytes);
    }

    /**
     * The outcome for one packet: the index of the first matching rule (see {@link #rules()}), or {@link
     * #DEFAULT_ACTIONS}, {@link #FRAGMENT_DEFAULT_ACTIONS} or {@link #NON_UDP_FRAGMENT}.
     *
     * @param ipVersion 4 or 6
     * @param protocol IP protocol number (IPv6: the upper-layer protocol after extension headers)
     * @param srcPort source port, only read for TCP and UDP
     * @param dstPort destination port, only read for TCP and UDP
     * @param tcpFlags the TCP header's flags byte (FIN = 0x01 ... CWR = 0x80), only read for TCP
     * @param isFragment whether the packet is a fragment (first or later); for a later fragment pass its
     *     datagram's ports if the flow stage knows them, else 0
     */
    public int match(
            int ipVersion,
            long srcHi,
            long srcLo,
            long dstHi,
            long dstLo,
            int protocol,
            int srcPort,
            int dstPort,
            int tcpFlags,
            boolean isFragment) {
        int proto = protocol & 0xFF;
        if (isFragment && proto != UDP) return NON_UDP_FRAGMENT;
        boolean hasPorts = proto == TCP || proto == UDP;
        for (int r = 0; r < linearRules; r++) {
            if (ruleMatches(r, ipVersion, srcHi, srcLo, dstHi, dstLo, proto, hasPorts, srcPort, dstPort, tcpFlags)) {
                return r;
            }
        }
        if (index != null) {
            return indexedMatch(
                    ipVersion, srcHi, srcLo, dstHi, dstLo, proto, hasPorts, srcPort, dstPort, tcpFlags, isFragment);
        }
        return isFragment ? FRAGMENT_DEFAULT_ACTIONS : DEFAULT_ACTIONS;
    }

    /**
     * {@link #match} for the rules after the prefix, through the index: only the rules no field rules out are checked,
     * in rule order. The index numbers its rules from the first one after the prefix.
     */
    private int indexedMatch(
            int ipVersion,
            long srcHi,
            long srcLo,
            long dstHi,
            long dstLo,
            int proto,
            boolean hasPorts,
            int srcPort,
            int dstPort,
            int tcpFlags,
            boolean isFragment) {
        RuleIndex x = index;
        int first = linearRules;
        long[] sets = x.sets;
        int p = x.protocol[proto];
        int s = x.sourceSet(ipVersion, srcHi, srcLo);
        int d = x.destinationSet(ipVersion, dstHi, dstLo);
        int sp = hasPorts ? x.sourcePortSet(srcPort) : x.allRules;
        int dp = hasPorts ? x.destinationPortSet(dstPort) : x.allRules;
        long[] summaries = x.summaries;
        int words = x.words;
        int summaryWords = x.summaryWords;
        int ps = p / words * summaryWords;
        int ss = s / words * summaryWords;
        int ds = d / words * summaryWords;
        int sps = sp / words * summaryWords;
        int dps = dp / words * summaryWords;
        for (int m = 0; m < summaryWords; m++) {
            long live =
                    summaries[ps + m] & summaries[ss + m] & summaries[ds + m] & summaries[sps + m] & summaries[dps + m];
            while (live != 0) {
                int w = (m << 6) + Long.numberOfTrailingZeros(live);
                live &= live - 1;
                long candidates = sets[p + w] & sets[s + w] & sets[d + w] & sets[sp + w] & sets[dp + w];
                while (candidates != 0) {
                    int r = first + (w << 6) + Long.numberOfTrailingZeros(candidates);
                    if (ruleMatches(
                            r, ipVersion, srcHi, srcLo, dstHi, dstLo, proto, hasPorts, srcPort, dstPort, tcpFlags)) {
                        return r;
                    }
                    candidates &= candidates - 1;
                }
            }
        }
        return isFragment ? FRAGMENT_DEFAULT_ACTIONS : DEFAULT_ACTIONS;
    }

    /** The full check of rule {@code r}: every match setting it gives. */
    private boolean ruleMatches(
            int r,
            int ipVersion,
            long srcHi,
            long srcLo,
            long dstHi,
            long dstLo,
            int proto,
            boolean hasPorts,
            int srcPort,
            int dstPort,
            int tcpFlags) {
        if ((protocolMasks[(r << 2) + (proto >>> 6)] & (1L << (proto & 63))) == 0) return false;
        if (!addressMatches(sourceFrom[r], sourceTo[r], ipVersion, srcHi, srcLo)) return false;
        if (!addressMatches(destinationFrom[r], destinationTo[r], ipVersion, dstHi, dstLo)) return false;
        if (hasPorts) {
            if (!portMatches(sourcePortFrom[r], sourcePortTo[r], srcPort)) return false;
            if (!portMatches(destinationPortFrom[r], destinationPortTo[r], dstPort)) return false;
        }
        return proto != TCP || flagsMatch(flagsFrom[r], flagsTo[r], tcpFlags);
    }

    /** Whether {@link #match} uses the bit-set index (see the class comment), rather than trying every rule. */
    public boolean indexed() {
        return index != null;
    }

    /** Rules {@link #match} tries one by one before the index: all of them without an index. */
    int linearRules() {
        return linearRules;
    }

    /**
     * Whether the policy has enough rules for the index but its bit sets would exceed {@link #indexBudgetBytes()}, so
     * every packet tries the rules one by one and the stateless cost grows with the rule count: what the operator must
     * be told at policy load.
     */
    public boolean indexOverBudget() {
        return indexOverBudget;
    }

    /**
     * Bytes the index takes or, when {@link #indexOverBudget()}, would have taken; 0 when the rule count calls for no
     * index.
     */
    public long indexBytes() {
        return indexBytes;
    }

    /** The most the index's bit sets may take ({@link #INDEX_BUDGET_BYTES} unless compiled with another budget). */
    public long indexBudgetBytes() {
        return indexBudgetBytes;
    }

    /**
     * Evaluates one packet (see {@link #match}), counts its custom actions in {@code customActionCounts} and returns
     * the standard action.
     */
    public StatelessAction evaluate(
            int ipVersion,
            long srcHi,
            long srcLo,
            long dstHi,
            long dstLo,
            int protocol,
            int srcPort,
            int dstPort,
            int tcpFlags,
            boolean isFragment,
            long[] customActionCounts) {
        int outcome = match(ipVersion, srcHi, srcLo, dstHi, dstLo, protocol, srcPort, dstPort, tcpFlags, isFragment);
        countCustomActions(outcome, customActionCounts);
        return action(outcome);
    }

    /** The standard action of an outcome of {@link #match}. */
    public StatelessAction action(int outcome) {
        if (outcome >= 0) return ruleActions[outcome];
        if (outcome == DEFAULT_ACTIONS) return defaultAction;
        if (outcome == FRAGMENT_DEFAULT_ACTIONS) return fragmentDefaultAction;
        return StatelessAction.DROP;
    }

    /** Adds one to the counter of each custom action the outcome fires; the array is the caller's, one per worker. */
    public void countCustomActions(int outcome, long[] customActionCounts) {
        if (outcome == NON_UDP_FRAGMENT) return;
        int slot = outcome >= 0 ? outcome : outcome == DEFAULT_ACTIONS ? ruleCount : ruleCount + 1;
        for (int i = customFrom[slot]; i < customTo[slot]; i++) customActionCounts[customSlots[i]]++;
    }

    /** A zeroed counts array for {@link #evaluate}; index i counts {@code customActionCounters().get(i)}. */
    public long[] newCustomActionCounts() {
        return new long[counters.size()];
    }

    /** What each slot of the custom action counts array counts. */
    public List<CustomActionCounter> customActionCounters() {
        return counters;
    }

    /** The rules in evaluation order; a non-negative outcome of {@link #match} indexes this list. */
    public List<StatelessRuleRef> rules() {
        return rules;
    }

    private boolean addressMatches(int from, int to, int version, long hi, long lo) {
        if (from == to) return true;
        for (int i = from; i < to; i++) {
            if (prefixVersion[i] == version
                    && (hi & prefixMaskHi[i]) == prefixHi[i]
                    && (lo & prefixMaskLo[i]) == prefixLo[i]) return true;
        }
        return false;
    }

    private boolean portMatches(int from, int to, int port) {
        if (from == to) return true;
        for (int i = from; i < to; i++) if (port >= portLow[i] && port <= portHigh[i]) return true;
        return false;
    }

    private boolean flagsMatch(int from, int to, int flags) {
        if (from == to) return true;
        for (int i = from; i < to; i++) if ((flags & maskBits[i]) == flagBits[i]) return true;
        return false;
    }

    private static int[] toInts(List<Integer> values) {
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    private static long[] toLongs(List<Long> values) {
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    /** Collects the flat arrays while walking the policy once. */
    private static final class Builder {
        final List<StatelessRuleRef> rules = new ArrayList<>();
        final List<StatelessMatch> matches = new ArrayList<>();
        final List<StatelessAction> actions = new ArrayList<>();
        final List<Long> protocolMasks = new ArrayList<>();
        final List<Integer> sourceFrom = new ArrayList<>();
        final List<Integer> sourceTo = new ArrayList<>();
        final List<Integer> destinationFrom = new ArrayList<>();
        final List<Integer> destinationTo = new ArrayList<>();
        final List<Integer> prefixVersion = new ArrayList<>();
        final List<Long> prefixHi = new ArrayList<>();
        final List<Long> prefixLo = new ArrayList<>();
        final List<Long> prefixMaskHi = new ArrayList<>();
        final List<Long> prefixMaskLo = new ArrayList<>();
        final List<Integer> sourcePortFrom = new ArrayList<>();
        final List<Integer> sourcePortTo = new ArrayList<>();
        final List<Integer> destinationPortFrom = new ArrayList<>();
        final List<Integer> destinationPortTo = new ArrayList<>();
        final List<Integer> portLow = new ArrayList<>();
        final List<Integer> portHigh = new ArrayList<>();
        final List<Integer> flagsFrom = new ArrayList<>();
        final List<Integer> flagsTo = new ArrayList<>();
        final List<Integer> flagBits = new ArrayList<>();
        final List<Integer> maskBits = new ArrayList<>();
        final List<Integer> customFrom = new ArrayList<>();
        final List<Integer> customTo = new ArrayList<>();
        final List<Integer> customSlots = new ArrayList<>();
        final Map<String, Slot> counters = new LinkedHashMap<>();

        record Slot(int index, CustomActionCounter counter) {}

        void add(StatelessRuleGroup group, StatelessRule rule) {
            rules.add(new StatelessRuleRef(group.name(), group.arn(), rule.priority()));
            matches.add(rule.match());
            actions.add(rule.actions().standard());
            long[] mask = new long[4];
            if (rule.match().protocols().isEmpty()) java.util.Arrays.fill(mask, -1L);
            for (int protocol : rule.match().protocols()) mask[protocol >>> 6] |= 1L << (protocol & 63);
            for (long word : mask) protocolMasks.add(word);
            sourceFrom.add(prefixVersion.size());
            addPrefixes(rule.match().sources());
            sourceTo.add(prefixVersion.size());
            destinationFrom.add(prefixVersion.size());
            addPrefixes(rule.match().destinations());
            destinationTo.add(prefixVersion.size());
            sourcePortFrom.add(portLow.size());
            addPorts(rule.match().sourcePorts());
            sourcePortTo.add(portLow.size());
            destinationPortFrom.add(portLow.size());
            addPorts(rule.match().destinationPorts());
            destinationPortTo.add(portLow.size());
            flagsFrom.add(flagBits.size());
            for (TcpFlagsMatch flags : rule.match().tcpFlags()) {
                flagBits.add(flags.flags());
                maskBits.add(flags.masks());
            }
            flagsTo.add(flagBits.size());
            addCustom(group.name(), group.customActions(), rule.actions());
        }

        void addCustom(String groupName, List<CustomAction> defined, StatelessActions fired) {
            customFrom.add(customSlots.size());
            for (String name : fired.customActionNames()) {
                for (CustomAction action : defined) {
                    if (!action.name().equals(name)) continue;
                    String key = groupName + "\u0000" + name;
                    Slot slot = counters.computeIfAbsent(
                            key,
                            k -> new Slot(
                                    counters.size(),
                                    new CustomActionCounter(groupName, name, action.dimensionValue())));
                    customSlots.add(slot.index());
                }
            }
            customTo.add(customSlots.size());
        }

        private void addPrefixes(List<IpPrefix> prefixes) {
            for (IpPrefix prefix : prefixes) {
                prefixVersion.add(prefix.ipVersion());
                prefixHi.add(prefix.hi());
                prefixLo.add(prefix.lo());
                prefixMaskHi.add(prefix.maskHi());
                prefixMaskLo.add(prefix.maskLo());
            }
        }

        private void addPorts(List<PortRange> ranges) {
            for (PortRange range : ranges) {
                portLow.add(range.from());
                portHigh.add(range.to());
            }
        }
    }
}
