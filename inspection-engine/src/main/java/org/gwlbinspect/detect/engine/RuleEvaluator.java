package org.gwlbinspect.detect.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.gwlbinspect.detect.Action;
import org.gwlbinspect.detect.ActionScope;
import org.gwlbinspect.detect.Bsize;
import org.gwlbinspect.detect.BufferInspection;
import org.gwlbinspect.detect.BufferMatch;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.Condition;
import org.gwlbinspect.detect.ContentMatch;
import org.gwlbinspect.detect.Direction;
import org.gwlbinspect.detect.FlowCondition;
import org.gwlbinspect.detect.FlowbitsOperation;
import org.gwlbinspect.detect.IsDataAt;
import org.gwlbinspect.detect.PcreMatch;
import org.gwlbinspect.detect.RuleProtocol;
import org.gwlbinspect.detect.RuleType;
import org.gwlbinspect.detect.Signature;
import org.gwlbinspect.detect.Transform;
import org.gwlbinspect.detect.UintMatch;
import org.gwlbinspect.policy.RuleOrder;
import org.gwlbinspect.policy.StatefulDefaultAction;

/**
 * Evaluates the stateful rules of a {@link CompiledPolicy} against one packet (policy.md §2.3, §2.4, §3.3).
 *
 * <p>Construction precomputes everything: flowbit numbers (at most 64 names per policy), content patterns (lowercased
 * for {@code nocase}), one regex {@link Matcher} per pcre. Any rule feature the evaluator does not implement is
 * rejected here with an {@link IllegalArgumentException} naming the sid and keyword, never silently ignored.
 *
 * <p>{@link #evaluate} allocates nothing. An evaluator owns scratch memory (transform output, regex view): use one per
 * thread. IP-only rules are evaluated only on packets the caller marks {@link PacketContext#firstPacketInDirection}
 * (§3.3). Simplifications: protocol-detection-only rules are evaluated on every packet once the protocol is known (a
 * flow-scoped pass/drop ends evaluation of the flow anyway; an alert-only one logs per packet).
 *
 * <p>Payload ({@code content}/{@code pcre} without a sticky buffer): stream and packet-stream rules (§3.3) match the
 * reassembled stream the caller sets with {@link PacketContext#setStream} when the segment went into it, with Suricata's
 * stream semantics: a match must take at least one of the segment's new bytes (bytes matched before do not match
 * again), {@code depth}/{@code offset}/{@code startswith} count from the stream's first byte (Suricata adjusts {@code
 * depth} only and takes {@code offset} from the inspected chunk; counting both from the stream start is the same while
 * the stream fits the lookback, and never misses a match Suricata finds), and a drop/pass/reject matched there acts on
 * the flow ({@code PACKET_ALERT_FLAG_STREAM_MATCH}, {@link org.gwlbinspect.detect.RuleType#scope(boolean)}). A segment
 * that went into the stream is not matched on its own (Suricata skips the packet fallback for {@code PKT_STREAM_ADD});
 * other packets (retransmissions, flows without reassembly) match the {@link org.gwlbinspect.detect.Buffer#PAYLOAD}
 * buffer, per packet. Packet rules ({@code dsize}, {@code flow:no_stream}) always match the packet.
 *
 * <p>Flow verdicts: every matching flow-scoped pass/drop/reject marks the flow, the first one wins (Suricata 7
 * {@code RuleActionToFlow}); later packets of a passed flow return {@link Decision#PASS_FLOW}, of a dropped or
 * rejected flow {@link Decision#DROP_FLOW} (the RST of a reject is sent for the matching packet only, §2.7).
 *
 * <p>Strict-order default actions ({@code StatefulDefaultActions}): {@code aws:drop_strict} drops, {@code
 * aws:drop_established} drops established client→server packets, both per packet; {@code aws:alert_strict} and
 * {@code aws:alert_established} log where the drop would act, to the {@link AlertSink} with rule index {@link
 * #DEFAULT_ALERT_STRICT} / {@link #DEFAULT_ALERT_ESTABLISHED} (the negated sid NFW logs). The {@code _app_layer}
 * variants act on established packets (both directions, or client→server only) except those of a client still sending
 * its first application message ({@link PacketContext#appMessagePending}); their drop covers the rest of the flow and
 * their alerts log as sids 6 and 8.
 *
 * <p>Prefilter: by default a {@link RulePrefilter} scans the packet's buffers once with the policy's prefilter
 * databases ({@link PrefilterPatterns}: each distinct prefilter pattern once) and only the rules whose prefilter pattern occurs (plus those without one) are evaluated, still in the
 * policy's order, so the result is the same as trying every rule. An evaluator holds native memory for it: {@link
 * #close} frees it (the garbage collector does otherwise).
 */
public final class RuleEvaluator implements AutoCloseable {
    /** Rule index reported for {@code aws:alert_established}: NFW logs it as sid 4 (policy.md §4). */
    public static final int DEFAULT_ALERT_ESTABLISHED = -4;
    /** Rule index reported for {@code aws:alert_strict}: NFW logs it as sid 2 (policy.md §4). */
    public static final int DEFAULT_ALERT_STRICT = -2;

    /** Rule index reported for {@code aws:alert_established_app_layer}: sid 6 (policy.md §4, inferred order). */
    public static final int DEFAULT_ALERT_ESTABLISHED_APP_LAYER = -6;
    /** Rule index reported for {@code aws:alert_established_app_layer_to_server}: sid 8 (policy.md §4, inferred). */
    public static final int DEFAULT_ALERT_ESTABLISHED_APP_LAYER_TO_SERVER = -8;

    /**
     * The {@code _app_layer} default actions (policy.md §2.4): like {@code aws:drop_established}, but a packet of an
     * established flow whose client is still sending its first application message passes, so a ClientHello or request
     * header split across segments reaches the rule that decides on it; every other undecided established packet
     * (server banners too, unless {@code _to_server}) is acted on.
     */
    private enum AppLayerDefault {
        NONE(0),
        BOTH_DIRECTIONS(DEFAULT_ALERT_ESTABLISHED_APP_LAYER),
        TO_SERVER(DEFAULT_ALERT_ESTABLISHED_APP_LAYER_TO_SERVER);

        final int alertIndex;

        AppLayerDefault(int alertIndex) {
            this.alertIndex = alertIndex;
        }

        boolean acts(PacketContext ctx) {
            if (this == NONE || !ctx.established || ctx.appMessagePending) return false;
            return this == BOTH_DIRECTIONS || ctx.toServer;
        }
    }

    /** {@link #decidingRule()} when no rule decided. */
    public static final int NO_RULE = -1;

    private static final int MAX_FLOWBITS = 64;
    private static final int INITIAL_SCRATCH = 65_536 + 64;

    private final CompiledRuleData[] rules;
    /** By rule index: the index of the first PASS rule after it, or the rule count (action order stops there). */
    private final int[] nextPassRule;
    /** Null when the prefilter is off: every rule is then a candidate. */
    private final RulePrefilter prefilter;

    private long evaluatedRules;
    private final boolean strictOrder;
    private final boolean defaultDropStrict;
    private final boolean defaultDropEstablished;
    private final boolean defaultAlertStrict;
    private final boolean defaultAlertEstablished;
    private final AppLayerDefault dropAppLayer;
    private final AppLayerDefault alertAppLayer;
    private final Map<String, Integer> flowbitNumbers;
    private final int[] logged;
    private int decidingRule = NO_RULE;
    /** Set while {@link #evaluateTransaction} runs: only app-layer rules, no default action. */
    private boolean transactionOnly;
    /** Whether any rule is a stream or packet-stream rule (the caller then reassembles TCP flows for it). */
    private final boolean streamRules;
    /** Whether a stream or packet-stream rule can match a TCP packet to the server, and one to the client. */
    private final boolean streamRulesToServer;

    private final boolean streamRulesToClient;
    // Set while an inspection matches the stream: stream offset of its first byte, index of the first new byte.
    long matchStreamStart = -1;
    int matchNewFrom = -1;
    /** The last rule tried matched its payload in the stream. */
    boolean streamMatched;

    private byte[] scratch = new byte[INITIAL_SCRATCH];
    private final Latin1View view = new Latin1View();

    /** An evaluator with the Hyperscan prefilter. */
    public RuleEvaluator(CompiledPolicy policy) {
        this(policy, true);
    }

    /**
     * @param prefilter select candidate rules with Hyperscan; false tries every rule on every packet (the reference
     *     the prefilter is tested and measured against)
     */
    public RuleEvaluator(CompiledPolicy policy, boolean prefilter) {
        strictOrder = policy.ruleOrder() == RuleOrder.STRICT_ORDER;
        Map<String, Integer> bits = new LinkedHashMap<>();
        List<CompiledPolicy.CompiledRule> compiled = policy.rules();
        rules = new CompiledRuleData[compiled.size()];
        for (int i = 0; i < rules.length; i++) {
            rules[i] = new CompiledRuleData(compiled.get(i).signature(), bits, view);
        }
        flowbitNumbers = Map.copyOf(bits);
        boolean anyStream = false;
        int groups = 0;
        for (int i = 0; i < rules.length; i++) {
            if (!rules[i].streamRule) continue;
            anyStream = true;
            groups |= PacketGroups.mask(compiled.get(i).signature());
        }
        streamRules = anyStream;
        streamRulesToServer = PacketGroups.holdsTcp(groups, true);
        streamRulesToClient = PacketGroups.holdsTcp(groups, false);
        logged = new int[rules.length];
        nextPassRule = new int[rules.length];
        int nextPass = rules.length;
        for (int i = rules.length - 1; i >= 0; i--) {
            nextPassRule[i] = nextPass;
            if (rules[i].action == Action.PASS) nextPass = i;
        }
        boolean dropStrict = false;
        boolean dropEstablished = false;
        boolean alertStrict = false;
        boolean alertEstablished = false;
        AppLayerDefault dropApp = AppLayerDefault.NONE;
        AppLayerDefault alertApp = AppLayerDefault.NONE;
        for (StatefulDefaultAction action : policy.policy().statefulDefaultActions()) {
            switch (action) {
                case DROP_STRICT -> dropStrict = true;
                case DROP_ESTABLISHED -> dropEstablished = true;
                case ALERT_STRICT -> alertStrict = true;
                case ALERT_ESTABLISHED -> alertEstablished = true;
                case DROP_ESTABLISHED_APP_LAYER -> dropApp = AppLayerDefault.BOTH_DIRECTIONS;
                case DROP_ESTABLISHED_APP_LAYER_TO_SERVER -> dropApp = AppLayerDefault.TO_SERVER;
                case ALERT_ESTABLISHED_APP_LAYER -> alertApp = AppLayerDefault.BOTH_DIRECTIONS;
                case ALERT_ESTABLISHED_APP_LAYER_TO_SERVER -> alertApp = AppLayerDefault.TO_SERVER;
            }
        }
        defaultDropStrict = dropStrict;
        defaultDropEstablished = dropEstablished;
        defaultAlertStrict = alertStrict;
        defaultAlertEstablished = alertEstablished;
        dropAppLayer = dropApp;
        alertAppLayer = alertApp;
        // last: it holds native memory, which nothing would free if a check above threw
        this.prefilter = prefilter && rules.length > 0 ? new RulePrefilter(policy) : null;
    }

    /** The bit number of each flowbit name (bit {@code n} is {@code 1L << n} in {@link FlowRuleState#flowbits()}). */
    public Map<String, Integer> flowbitNumbers() {
        return flowbitNumbers;
    }

    /**
     * Evaluates one packet. A flow that already has a verdict gets it back at once (fast path, no logging). A
     * flow-scoped pass/drop/reject is stored in {@code state}; flowbits set/unset/toggle by matching rules too.
     */
    public Decision evaluate(PacketContext ctx, FlowRuleState state, AlertSink alerts) {
        Verdict flowVerdict = state.verdict();
        decidingRule = NO_RULE;
        if (flowVerdict == Verdict.PASS) return Decision.PASS_FLOW;
        if (flowVerdict != Verdict.NONE) return Decision.DROP_FLOW; // a rejected flow: RST sent once, then drops
        int loggedCount = 0;
        Verdict verdict = Verdict.NONE;
        Verdict flowStore = Verdict.NONE;
        CandidateRules candidates = null;
        if (prefilter != null) {
            candidates = prefilter.select(ctx);
            prefilter.clearStream(); // a stream scan serves the one packet it was made for
        }
        // Once a verdict is set, action order goes on (more alerts, the flow marks) up to the next PASS rule, matching
        // or not; strict order stops at once. A skipped rule could not have matched, so the outcome is the same.
        int stop = rules.length;
        for (int i = candidates != null ? candidates.next(0) : 0;
                i >= 0 && i < stop;
                i = candidates != null ? candidates.next(i + 1) : i + 1) {
            CompiledRuleData rule = rules[i];
            if (transactionOnly && !rule.appLayer) continue;
            evaluatedRules++;
            if (!rule.matches(ctx, state, this)) continue;
            rule.applyFlowbits(state);
            if (rule.logs) logged[loggedCount++] = i;
            if (rule.action == Action.ALERT) continue;
            // Suricata 7 RuleActionToFlow: every matching flow-scoped pass/drop/reject marks the flow, first one wins;
            // a match in the reassembled stream is flow-scoped too (PACKET_ALERT_FLAG_STREAM_MATCH).
            boolean ruleOnFlow = rule.flowScoped || (rule.streamRule && streamMatched);
            if (ruleOnFlow && flowStore == Verdict.NONE) flowStore = rule.verdict;
            if (verdict == Verdict.NONE) {
                verdict = rule.verdict;
                decidingRule = i;
                if (strictOrder || rule.action == Action.PASS) break;
                stop = nextPassRule[i];
            }
        }
        boolean defaultAlertEstablishedFires = false;
        boolean defaultAlertStrictFires = false;
        boolean defaultAlertAppLayerFires = false;
        if (verdict == Verdict.NONE && !transactionOnly) {
            boolean establishedToServer = ctx.established && ctx.toServer;
            if (defaultDropStrict || (defaultDropEstablished && establishedToServer)) verdict = Verdict.DROP;
            if (verdict == Verdict.NONE && dropAppLayer.acts(ctx)) {
                // "Once a packet of an established flow is not passed, that packet and the rest of the flow are
                // dropped" (policy.md §2.4): a flow-scoped drop.
                verdict = Verdict.DROP;
                if (flowStore == Verdict.NONE) flowStore = Verdict.DROP;
            }
            defaultAlertStrictFires = defaultAlertStrict;
            defaultAlertEstablishedFires = defaultAlertEstablished && establishedToServer;
            defaultAlertAppLayerFires = alertAppLayer.acts(ctx);
        }
        boolean flowScoped = flowStore != Verdict.NONE;
        if (flowScoped) state.verdict(flowStore);
        Verdict packetVerdict = verdict == Verdict.NONE ? Verdict.PASS : verdict;
        for (int k = 0; k < loggedCount; k++) {
            int index = logged[k];
            alerts.alert(index, rules[index].action, packetVerdict);
        }
        if (defaultAlertStrictFires) alerts.alert(DEFAULT_ALERT_STRICT, Action.ALERT, packetVerdict);
        if (defaultAlertEstablishedFires) alerts.alert(DEFAULT_ALERT_ESTABLISHED, Action.ALERT, packetVerdict);
        if (defaultAlertAppLayerFires) alerts.alert(alertAppLayer.alertIndex, Action.ALERT, packetVerdict);
        return Decision.of(verdict, flowScoped);
    }

    /**
     * Evaluates a further application transaction completed by the packet already {@linkplain #evaluate evaluated}
     * (the next request of an HTTP keep-alive connection, pipelined in the same segment): only app-layer rules, which
     * Suricata runs per transaction, and no default action (those act once per packet).
     */
    public Decision evaluateTransaction(PacketContext ctx, FlowRuleState state, AlertSink alerts) {
        transactionOnly = true;
        try {
            return evaluate(ctx, state, alerts);
        } finally {
            transactionOnly = false;
        }
    }

    /**
     * The index of the rule whose action decided the last evaluated packet, or {@link #NO_RULE} when no rule did (no
     * decision, a default action, or the flow's stored verdict).
     */
    public int decidingRule() {
        return decidingRule;
    }

    /**
     * Packets on which the prefilter's scan found more matches than it keeps, so every rule was evaluated (a
     * correctness fallback; many means a pattern occurs very often in the traffic).
     */
    public long prefilterFallbacks() {
        return prefilter != null ? prefilter.fallbacks() : 0;
    }

    /**
     * Whether the policy has stream or packet-stream payload rules (policy.md §3.3): only then does a TCP flow need its
     * reassembled stream after its first application message, and {@link #scanStream} per segment.
     */
    public boolean inspectsStreams() {
        return streamRules;
    }

    /**
     * Whether a stream or packet-stream rule can match TCP packets going to the server ({@code toServer}) or to the
     * client, by its {@code flow} direction: only then does that direction's reassembled stream need to be collected
     * and {@linkplain #scanStream scanned}. A segment of the other direction still goes into its stream (mark it with
     * {@link PacketContext#payloadInStream}); no rule that can match it looks at the stream.
     */
    public boolean inspectsStream(boolean toServer) {
        return toServer ? streamRulesToServer : streamRulesToClient;
    }

    /** Starts a packet: forgets the stream candidates of the previous one. */
    public void clearStreamCandidates() {
        if (prefilter != null) prefilter.clearStream();
    }

    /**
     * Prefilters a segment's new stream bytes in the flow direction's Hyperscan stream, before {@link #evaluate}: the
     * stream rules whose pattern they complete, or that an earlier segment's pattern keeps pending, become candidates.
     * Without a prefilter (every rule is tried) it does nothing. Allocates nothing in steady state; opening the flow's
     * Hyperscan stream (first bytes, new policy) allocates native memory for it.
     *
     * @param data the lookback followed by the new bytes, as passed to {@link PacketContext#setStream}
     * @param newFrom index of the first new byte
     * @param length bytes in {@code data}
     * @param newStreamOffset stream offset of {@code data[newFrom]}
     */
    public void scanStream(StreamMatchState state, byte[] data, int newFrom, int length, long newStreamOffset) {
        if (prefilter != null) prefilter.scanStream(state, data, newFrom, length, newStreamOffset);
    }

    /** Buffer scans the prefilter left out, as no rule their patterns serve could match the packet (tests). */
    long skippedScans() {
        return prefilter != null ? prefilter.skippedScans() : 0;
    }

    /** Stream segments on which the prefilter made every rule a candidate (see {@link StreamMatchState}). */
    public long streamPrefilterFallbacks() {
        return prefilter != null ? prefilter.streamFallbacks() : 0;
    }

    /** Rules evaluated (header, options, buffers) since construction: what the prefilter saves. */
    long evaluatedRules() {
        return evaluatedRules;
    }

    /** Frees the prefilter's native memory. The evaluator must not be used afterwards. */
    @Override
    public void close() {
        if (prefilter != null) prefilter.close();
    }

    /** Scratch of at least {@code size} bytes (grows only for a buffer larger than any before). */
    byte[] scratch(int size) {
        if (scratch.length < size) scratch = new byte[Math.max(size, scratch.length * 2)];
        return scratch;
    }

    Latin1View view() {
        return view;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** One rule, precompiled. */
    private static final class CompiledRuleData {
        final Action action;
        final Verdict verdict;
        final boolean flowScoped;
        final boolean ipOnly;
        /** A stream or packet-stream rule: its payload inspection matches the stream when there is one. */
        final boolean streamRule;
        /** {@code flow:only_stream}: never the packet. */
        final boolean streamOnly;
        /** An app-layer rule: evaluated per transaction. */
        final boolean appLayer;

        final boolean logs;
        final int ipProtoFilter; // 0 any; matched through RuleProtocol otherwise
        final RuleProtocol protocol;
        final Signature sig;
        final boolean both;
        final FlowCondition.FlowDirection flowDirection;
        final FlowCondition.FlowState flowState;
        final CondData[] conditions;
        final long[] bitsetMasks; // per isset/isnotset op: the mask of its names
        final boolean[] bitsetIsSet;
        final long setMask;
        final long unsetMask;
        final long toggleMask;
        final InspectionData[] inspections;

        CompiledRuleData(Signature sig, Map<String, Integer> bits, Latin1View view) {
            this.sig = sig;
            long sid = sig.sid();
            action = sig.action();
            verdict = switch (action) {
                case PASS -> Verdict.PASS;
                case DROP -> Verdict.DROP;
                case REJECT -> Verdict.REJECT;
                case ALERT -> Verdict.NONE;
            };
            flowScoped = sig.scope() == ActionScope.FLOW;
            ipOnly = sig.type() == RuleType.IP_ONLY;
            streamRule = sig.type() == RuleType.STREAM || sig.type() == RuleType.PACKET_STREAM;
            streamOnly = sig.type() == RuleType.STREAM;
            appLayer = sig.type() == RuleType.APP_LAYER;
            logs = sig.logsMatches();
            protocol = sig.protocol();
            ipProtoFilter = 0;
            both = sig.direction() == Direction.BOTH;
            FlowCondition flow = sig.flow();
            // only_stream and no_stream mean something for payload rules only (RuleType STREAM / PACKET)
            boolean payloadRule = false;
            for (BufferInspection bi : sig.inspections())
                payloadRule |= !bi.buffer().isSticky();
            if (flow.stream() != FlowCondition.StreamRequirement.ANY && !payloadRule) {
                throw unsupported(sid, "flow:" + flow.stream().name().toLowerCase(java.util.Locale.ROOT));
            }
            flowDirection = flow.direction();
            flowState = flow.state();
            List<CondData> conds = new ArrayList<>();
            for (Condition c : sig.conditions()) conds.add(CondData.of(sid, c));
            conditions = conds.toArray(CondData[]::new);
            List<long[]> tests = new ArrayList<>();
            List<Boolean> isSet = new ArrayList<>();
            long set = 0;
            long unset = 0;
            long toggle = 0;
            for (FlowbitsOperation op : sig.flowbits()) {
                long mask = 0;
                for (String name : op.names()) {
                    Integer n = bits.get(name);
                    if (n == null) {
                        if (bits.size() >= MAX_FLOWBITS) {
                            throw unsupported(sid, "flowbits (more than " + MAX_FLOWBITS + " flowbit names)");
                        }
                        n = bits.size();
                        bits.put(name, n);
                    }
                    mask |= 1L << n;
                }
                switch (op.operation()) {
                    case ISSET -> {
                        tests.add(new long[] {mask});
                        isSet.add(true);
                    }
                    case ISNOTSET -> {
                        tests.add(new long[] {mask});
                        isSet.add(false);
                    }
                    case SET -> set |= mask;
                    case UNSET -> unset |= mask;
                    case TOGGLE -> toggle |= mask;
                }
            }
            bitsetMasks = new long[tests.size()];
            bitsetIsSet = new boolean[tests.size()];
            for (int i = 0; i < tests.size(); i++) {
                bitsetMasks[i] = tests.get(i)[0];
                bitsetIsSet[i] = isSet.get(i);
            }
            setMask = set;
            unsetMask = unset;
            toggleMask = toggle;
            List<InspectionData> ins = new ArrayList<>();
            for (BufferInspection bi : sig.inspections()) {
                ins.add(new InspectionData(sid, bi, view));
            }
            inspections = ins.toArray(InspectionData[]::new);
        }

        boolean matches(PacketContext ctx, FlowRuleState state, RuleEvaluator evaluator) {
            if (ipOnly && !ctx.firstPacketInDirection) return false;
            if (!protocol.matchesIpProtocol(ctx.ipProtocol)) return false;
            if (protocol.isAppLayer() && ctx.appProtocol != protocol) return false;
            if (!headerMatches(ctx)) return false;
            switch (flowDirection) {
                case TO_SERVER -> {
                    if (!ctx.toServer) return false;
                }
                case TO_CLIENT -> {
                    if (ctx.toServer) return false;
                }
                case ANY -> {}
            }
            switch (flowState) {
                case ESTABLISHED -> {
                    if (!ctx.established) return false;
                }
                case NOT_ESTABLISHED -> {
                    if (ctx.established) return false;
                }
                case ANY, STATELESS -> {}
            }
            long flowbits = state.flowbits();
            for (int i = 0; i < bitsetMasks.length; i++) {
                boolean anySet = (flowbits & bitsetMasks[i]) != 0;
                if (bitsetIsSet[i] ? !anySet : (flowbits & bitsetMasks[i]) == bitsetMasks[i]) return false;
            }
            for (CondData c : conditions) if (!c.matches(ctx)) return false;
            evaluator.streamMatched = false;
            for (InspectionData in : inspections) {
                if (!in.matches(ctx, evaluator, streamRule, streamOnly)) return false;
            }
            return true;
        }

        private boolean headerMatches(PacketContext ctx) {
            if (forward(ctx)) return true;
            return both && backward(ctx);
        }

        private boolean forward(PacketContext c) {
            return sig.sourcePort().matches(c.srcPort)
                    && sig.destinationPort().matches(c.dstPort)
                    && sig.source().matches(c.ipVersion, c.srcHi, c.srcLo)
                    && sig.destination().matches(c.ipVersion, c.dstHi, c.dstLo);
        }

        private boolean backward(PacketContext c) {
            return sig.sourcePort().matches(c.dstPort)
                    && sig.destinationPort().matches(c.srcPort)
                    && sig.source().matches(c.ipVersion, c.dstHi, c.dstLo)
                    && sig.destination().matches(c.ipVersion, c.srcHi, c.srcLo);
        }

        void applyFlowbits(FlowRuleState state) {
            if ((setMask | unsetMask | toggleMask) == 0) return;
            long bits = state.flowbits();
            bits |= setMask;
            bits &= ~unsetMask;
            bits ^= toggleMask;
            state.flowbits(bits);
        }
    }

    static IllegalArgumentException unsupported(long sid, String keyword) {
        return new IllegalArgumentException(
                "sid " + sid + ": keyword " + keyword + " is not supported by the rule evaluator");
    }

    /** One packet condition. */
    private abstract static class CondData {
        abstract boolean matches(PacketContext ctx);

        static CondData of(long sid, Condition c) {
            return switch (c) {
                case Condition.Dsize d -> new DsizeCond(d.size());
                case Condition.IpProto p -> new UintCond(p.protocol(), 1);
                case Condition.Ttl t -> new UintCond(t.ttl(), 2);
                case Condition.TcpFlags f -> new TcpFlagsCond(f);
                case Condition.AppLayerProtocol a -> AppProtoCond.of(sid, a);
                case Condition.SslState s -> SslStateCond.of(sid, s);
                case Condition.SslVersion v -> SslVersionCond.of(v);
                case Condition.TlsVersion v -> throw unsupported(sid, "tls.version");
                case Condition.ResolvedDomain d -> new ResolvedDomainCond(d);
                case Condition.DestinationBinding b -> ALWAYS; // read by the stateful stage, not a match
            };
        }
    }

    private static final CondData ALWAYS = new CondData() {
        @Override
        boolean matches(PacketContext ctx) {
            return true;
        }
    };

    /** {@code resolved.domain}: asks what the flow's client (the initiator, on either side of the packet) was told. */
    private static final class ResolvedDomainCond extends CondData {
        private final byte[] domain;
        private final boolean suffix;

        ResolvedDomainCond(Condition.ResolvedDomain d) {
            this.domain = d.domain().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            this.suffix = d.suffix();
        }

        @Override
        boolean matches(PacketContext c) {
            return c.toServer
                    ? c.resolvedNames.resolvesTo(
                            c.endpointId,
                            c.ipVersion,
                            c.srcHi,
                            c.srcLo,
                            c.ipVersion,
                            c.dstHi,
                            c.dstLo,
                            domain,
                            suffix,
                            c.nowNanos)
                    : c.resolvedNames.resolvesTo(
                            c.endpointId,
                            c.ipVersion,
                            c.dstHi,
                            c.dstLo,
                            c.ipVersion,
                            c.srcHi,
                            c.srcLo,
                            domain,
                            suffix,
                            c.nowNanos);
        }
    }

    private static final class UintCond extends CondData {
        private final UintMatch match;
        private final int field;

        UintCond(UintMatch match, int field) {
            this.match = match;
            this.field = field;
        }

        @Override
        boolean matches(PacketContext ctx) {
            long value = field == 1 ? ctx.ipProtocol : ctx.ttl;
            return match.matches(value);
        }
    }

    /**
     * {@code dsize}. Suricata 7 gives a rule whose {@code dsize} needs a payload ({@code >}, {@code >=}, {@code !=}, a
     * range, or {@code =} a positive size) the signature mask {@code SIG_MASK_REQUIRE_PAYLOAD}
     * ({@code SignatureCreateMask}), which a packet without payload inspection ({@code PKT_NOPAYLOAD_INSPECTION}) does
     * not have: such a rule does not match it, whatever its size. {@code <}, {@code <=} and {@code =0} still do.
     */
    private static final class DsizeCond extends CondData {
        private final UintMatch match;
        private final boolean requiresPayload;

        DsizeCond(UintMatch match) {
            this.match = match;
            this.requiresPayload = switch (match.operator()) {
                case GREATER, GREATER_OR_EQUAL, NOT_EQUAL, RANGE -> true;
                case EQUAL -> match.value() > 0;
                case LESS, LESS_OR_EQUAL -> false;
            };
        }

        @Override
        boolean matches(PacketContext ctx) {
            if (requiresPayload && !ctx.payloadInspection) return false;
            return match.matches(ctx.payloadLength);
        }
    }

    private static final class TcpFlagsCond extends CondData {
        private final Condition.TcpFlags.Modifier modifier;
        private final int flags;
        private final int keep;

        TcpFlagsCond(Condition.TcpFlags f) {
            modifier = f.modifier();
            flags = f.flags();
            keep = ~f.ignored() & 0xFF;
        }

        @Override
        boolean matches(PacketContext ctx) {
            if (ctx.ipProtocol != 6) return false;
            int actual = ctx.tcpFlags & keep;
            return switch (modifier) {
                case EXACT -> actual == flags;
                case ALL_AND_OTHERS -> (actual & flags) == flags;
                case ANY_OF -> (actual & flags) != 0;
                case NOT -> (actual & flags) == 0;
            };
        }
    }

    private static final class AppProtoCond extends CondData {
        private final boolean negated;
        private final RuleProtocol protocol; // null: "failed"

        private AppProtoCond(boolean negated, RuleProtocol protocol) {
            this.negated = negated;
            this.protocol = protocol;
        }

        static AppProtoCond of(long sid, Condition.AppLayerProtocol a) {
            if (a.protocol().equalsIgnoreCase("failed")) return new AppProtoCond(a.negated(), null);
            RuleProtocol p = RuleProtocol.fromKeyword(a.protocol())
                    .filter(RuleProtocol::isAppLayer)
                    .orElseThrow(() -> unsupported(sid, "app-layer-protocol:" + a.protocol()));
            return new AppProtoCond(a.negated(), p);
        }

        @Override
        boolean matches(PacketContext ctx) {
            boolean is = protocol == null ? ctx.appProtocolFailed : ctx.appProtocol == protocol;
            return is != negated;
        }
    }

    private static final class SslStateCond extends CondData {
        private final boolean requireHello;
        private final boolean forbidHello;

        private SslStateCond(boolean requireHello, boolean forbidHello) {
            this.requireHello = requireHello;
            this.forbidHello = forbidHello;
        }

        static SslStateCond of(long sid, Condition.SslState s) {
            for (Condition.SslState.State st : s.states()) {
                if (st != Condition.SslState.State.CLIENT_HELLO) throw unsupported(sid, "ssl_state:" + st);
            }
            for (Condition.SslState.State st : s.negatedStates()) {
                if (st != Condition.SslState.State.CLIENT_HELLO) throw unsupported(sid, "ssl_state:!" + st);
            }
            return new SslStateCond(!s.states().isEmpty(), !s.negatedStates().isEmpty());
        }

        @Override
        boolean matches(PacketContext ctx) {
            boolean hello = ctx.tlsClientHello || ctx.hasBuffer(org.gwlbinspect.detect.Buffer.TLS_SNI);
            if (requireHello && !hello) return false;
            return !(forbidHello && hello);
        }
    }

    /**
     * {@code ssl_version}: Suricata matches the version of the current direction's hello, which for a ClientHello is
     * its {@code legacy_version} (0x0303 for TLS 1.2 and 1.3 clients), so {@code ssl_version:tls1.0,tls1.1} finds
     * clients that offer nothing newer. Listed versions are alternatives; a negated one must not be the version.
     */
    private static final class SslVersionCond extends CondData {
        private final int[] versions;
        private final int[] negated;

        private SslVersionCond(int[] versions, int[] negated) {
            this.versions = versions;
            this.negated = negated;
        }

        static SslVersionCond of(Condition.SslVersion v) {
            return new SslVersionCond(
                    v.versions().stream().mapToInt(SslVersionCond::wire).toArray(),
                    v.negatedVersions().stream().mapToInt(SslVersionCond::wire).toArray());
        }

        private static int wire(Condition.SslVersion.Version version) {
            return switch (version) {
                case SSLV2 -> 0x0200;
                case SSLV3 -> 0x0300;
                case TLS1_0 -> 0x0301;
                case TLS1_1 -> 0x0302;
                case TLS1_2 -> 0x0303;
                case TLS1_3 -> 0x0304;
            };
        }

        @Override
        boolean matches(PacketContext ctx) {
            int actual = ctx.sslVersion;
            if (actual == 0) return false;
            for (int n : negated) if (n == actual) return false;
            if (versions.length == 0) return true;
            for (int w : versions) if (w == actual) return true;
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static final int PAYLOAD_BUFFER = org.gwlbinspect.detect.Buffer.PAYLOAD.ordinal();
    private static final int KIND_CONTENT = 0;
    private static final int KIND_PCRE = 1;
    private static final int KIND_ISDATAAT = 2;
    private static final int KIND_BSIZE = 3;

    /** Everything a rule inspects in one buffer. */
    private static final class InspectionData {
        final int buffer;
        final Transform[] transforms;
        final int extra; // bytes the transforms may add
        final int[] kind;
        final byte[][] patterns; // lowercased when nocase
        final boolean[] negated;
        final boolean[] nocase;
        final boolean[] relative;
        final int[] depth; // -1 absent
        final int[] offset;
        final int[] distance; // Integer.MIN_VALUE absent
        final int[] within; // -1 absent
        final boolean[] startsWith;
        final boolean[] endsWith;
        final Matcher[] matchers;
        final boolean[] anchored;
        final UintMatch[] bsize;

        InspectionData(long sid, BufferInspection bi, Latin1View view) {
            buffer = bi.buffer().ordinal();
            transforms = bi.transforms().toArray(Transform[]::new);
            int add = 0;
            for (Transform t : transforms) if (t == Transform.DOTPREFIX) add++;
            extra = add;
            int n = bi.matches().size();
            kind = new int[n];
            patterns = new byte[n][];
            negated = new boolean[n];
            nocase = new boolean[n];
            relative = new boolean[n];
            depth = new int[n];
            offset = new int[n];
            distance = new int[n];
            within = new int[n];
            startsWith = new boolean[n];
            endsWith = new boolean[n];
            matchers = new Matcher[n];
            anchored = new boolean[n];
            bsize = new UintMatch[n];
            for (int i = 0; i < n; i++) {
                BufferMatch m = bi.matches().get(i);
                depth[i] = -1;
                within[i] = -1;
                distance[i] = Integer.MIN_VALUE;
                switch (m) {
                    case ContentMatch c -> {
                        kind[i] = KIND_CONTENT;
                        byte[] p = c.pattern();
                        if (c.nocase()) for (int k = 0; k < p.length; k++) p[k] = lower(p[k]);
                        patterns[i] = p;
                        negated[i] = c.negated();
                        nocase[i] = c.nocase();
                        relative[i] = c.relative();
                        depth[i] = c.depth().orElse(-1);
                        offset[i] = c.offset().orElse(0);
                        distance[i] = c.distance().orElse(Integer.MIN_VALUE);
                        within[i] = c.within().orElse(-1);
                        startsWith[i] = c.startsWith();
                        endsWith[i] = c.endsWith();
                    }
                    case PcreMatch p -> {
                        kind[i] = KIND_PCRE;
                        negated[i] = p.negated();
                        relative[i] = p.relative();
                        // PCRE's default newline is LF only: without UNIX_LINES Java's '.' and '$' also treat CR and
                        // Latin-1 NEL (0x85) as line terminators
                        int flags = Pattern.UNIX_LINES;
                        for (PcreMatch.Flag f : p.flags()) {
                            switch (f) {
                                case CASELESS -> flags |= Pattern.CASE_INSENSITIVE;
                                case DOTALL -> flags |= Pattern.DOTALL;
                                case MULTILINE -> flags |= Pattern.MULTILINE;
                                case EXTENDED -> flags |= Pattern.COMMENTS;
                                case ANCHORED -> anchored[i] = true;
                                case RELATIVE -> {}
                                case DOLLAR_ENDONLY, UNGREEDY -> throw unsupported(sid, "pcre flag " + f.letter());
                            }
                        }
                        try {
                            matchers[i] = Pattern.compile(p.regex(), flags).matcher(view);
                        } catch (PatternSyntaxException e) {
                            throw new IllegalArgumentException(
                                    "sid " + sid + ": keyword pcre: regex not supported by java.util.regex: "
                                            + e.getDescription(),
                                    e);
                        }
                    }
                    case IsDataAt d -> {
                        kind[i] = KIND_ISDATAAT;
                        negated[i] = d.negated();
                        relative[i] = d.relative();
                        offset[i] = d.offset();
                    }
                    case Bsize b -> {
                        kind[i] = KIND_BSIZE;
                        bsize[i] = b.size();
                    }
                }
            }
        }

        boolean matches(PacketContext ctx, RuleEvaluator evaluator, boolean streamRule, boolean streamOnly) {
            if (streamRule && buffer == PAYLOAD_BUFFER) {
                if (ctx.streamArray != null) {
                    evaluator.matchStreamStart = ctx.streamStart;
                    evaluator.matchNewFrom = ctx.streamNewFrom;
                    try {
                        boolean m = matches(ctx.streamArray, ctx.streamOffset, ctx.streamLength, evaluator);
                        evaluator.streamMatched = m;
                        return m;
                    } finally {
                        evaluator.matchStreamStart = -1;
                        evaluator.matchNewFrom = -1;
                    }
                }
                // Suricata: a segment added to the stream is not matched on its own; only_stream never is
                if (ctx.payloadInStream || streamOnly) return false;
            }
            byte[] src = ctx.bufferArrays[buffer];
            if (src == null) return false;
            int instances = ctx.instanceCounts[buffer];
            if (instances == 0) return matches(src, ctx.bufferOffsets[buffer], ctx.bufferLengths[buffer], evaluator);
            // A multi-buffer matches when one instance does, each inspected on its own (Suricata multi-buffers).
            int[] offsets = ctx.instanceOffsets[buffer];
            int[] lengths = ctx.instanceLengths[buffer];
            for (int k = 0; k < instances; k++) {
                if (matches(src, offsets[k], lengths[k], evaluator)) return true;
            }
            return false;
        }

        private boolean matches(byte[] src, int base, int len, RuleEvaluator evaluator) {
            byte[] data = src;
            if (transforms.length > 0) {
                data = evaluator.scratch(len + extra);
                System.arraycopy(src, base, data, 0, len);
                base = 0;
                for (Transform t : transforms) {
                    switch (t) {
                        case TO_LOWERCASE -> {
                            for (int k = 0; k < len; k++) data[k] = lower(data[k]);
                        }
                        case STRIP_WHITESPACE -> {
                            int w = 0;
                            for (int k = 0; k < len; k++) {
                                byte b = data[k];
                                if (!isSpace(b)) data[w++] = b;
                            }
                            len = w;
                        }
                        case DOTPREFIX -> {
                            System.arraycopy(data, 0, data, 1, len);
                            data[0] = '.';
                            len++;
                        }
                    }
                }
            }
            return matchFrom(0, 0, -1, data, base, len, evaluator);
        }

        /**
         * Matches keywords {@code i..} with the previous match ending at {@code prevEnd}; backtracks contents (and, in
         * a stream, pcres). {@code maxEnd} is the furthest end of a positive match so far, -1 before any: in a stream
         * ({@code ev.matchNewFrom >= 0}) a match must end in the new bytes, or it was reported with an earlier segment.
         */
        private boolean matchFrom(int i, int prevEnd, int maxEnd, byte[] data, int base, int len, RuleEvaluator ev) {
            if (i == kind.length) return ev.matchNewFrom < 0 || maxEnd < 0 || maxEnd > ev.matchNewFrom;
            switch (kind[i]) {
                case KIND_BSIZE -> {
                    return bsize[i].matches(len) && matchFrom(i + 1, prevEnd, maxEnd, data, base, len, ev);
                }
                case KIND_ISDATAAT -> {
                    // absolute positions count from the stream's start in a stream (matchStreamStart > 0)
                    long at = relative[i] ? (long) prevEnd + offset[i] : offset[i] - Math.max(0, ev.matchStreamStart);
                    boolean has = at < len;
                    return has != negated[i] && matchFrom(i + 1, prevEnd, maxEnd, data, base, len, ev);
                }
                case KIND_PCRE -> {
                    Matcher m = matchers[i];
                    Latin1View view = ev.view();
                    view.set(data, base, len);
                    m.reset(view);
                    int from = relative[i] ? Math.min(prevEnd, len) : 0;
                    m.region(from, len);
                    boolean found = anchored[i] ? m.lookingAt() : m.find();
                    if (negated[i]) return !found && matchFrom(i + 1, prevEnd, maxEnd, data, base, len, ev);
                    while (found) {
                        int end = m.end();
                        if (matchFrom(i + 1, end, Math.max(maxEnd, end), data, base, len, ev)) return true;
                        // In a stream a later occurrence may be the one that reaches the new bytes; elsewhere the
                        // first occurrence decides, as before.
                        if (anchored[i] || ev.matchNewFrom < 0) return false;
                        found = m.find(); // the keywords after it use other matchers over the same bytes
                    }
                    return false;
                }
                default -> {
                    return matchContent(i, prevEnd, maxEnd, data, base, len, ev);
                }
            }
        }

        private boolean matchContent(int i, int prevEnd, int maxEnd, byte[] data, int base, int len, RuleEvaluator ev) {
            byte[] p = patterns[i];
            int start;
            long end; // exclusive limit for the match end
            boolean startsAt = startsWith[i];
            if (relative[i]) {
                int dist = distance[i] == Integer.MIN_VALUE ? 0 : distance[i];
                start = prevEnd + dist;
                end = within[i] >= 0 ? (long) prevEnd + dist + within[i] : len;
            } else if (ev.matchStreamStart > 0) {
                // In a stream whose lookback no longer starts at its first byte, absolute positions count from that
                // first byte (Suricata: depth relative to the stream start, DetectEngineContentInspection).
                long first = ev.matchStreamStart;
                if (depth[i] >= 0 && (long) offset[i] + depth[i] <= first)
                    return negated[i] && next(i, prevEnd, maxEnd, data, base, len, ev);
                if (startsAt && offset[i] < first) return negated[i] && next(i, prevEnd, maxEnd, data, base, len, ev);
                start = (int) Math.max(0, offset[i] - first);
                end = depth[i] >= 0 ? (long) offset[i] + depth[i] - first : len;
            } else {
                start = offset[i];
                end = depth[i] >= 0 ? (long) offset[i] + depth[i] : len;
            }
            if (start < 0) start = 0;
            if (end > len) end = len;
            int lastStart = (int) end - p.length;
            if (startsAt) lastStart = Math.min(lastStart, start);
            if (endsWith[i]) {
                if (len - p.length < start || len - p.length > lastStart) lastStart = -1;
                else start = len - p.length;
            }
            if (negated[i]) {
                for (int s = start; s <= lastStart; s++) {
                    if (equalsAt(p, data, base + s, nocase[i])) return false;
                }
                return next(i, prevEnd, maxEnd, data, base, len, ev);
            }
            for (int s = start; s <= lastStart; s++) {
                int matchEnd = s + p.length;
                if (equalsAt(p, data, base + s, nocase[i])
                        && matchFrom(i + 1, matchEnd, Math.max(maxEnd, matchEnd), data, base, len, ev)) {
                    return true;
                }
            }
            return false;
        }

        /** The keywords after {@code i}, which did not move the match position (a negated content). */
        private boolean next(int i, int prevEnd, int maxEnd, byte[] data, int base, int len, RuleEvaluator ev) {
            return matchFrom(i + 1, prevEnd, maxEnd, data, base, len, ev);
        }
    }

    private static boolean equalsAt(byte[] p, byte[] data, int at, boolean nocase) {
        if (nocase) {
            for (int k = 0; k < p.length; k++) if (lower(data[at + k]) != p[k]) return false;
        } else {
            for (int k = 0; k < p.length; k++) if (data[at + k] != p[k]) return false;
        }
        return true;
    }

    /** ASCII lowercase, as {@code nocase} compares (also the prefilter's suffix patterns, {@link SuffixIndex}). */
    static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0B || b == '\f';
    }
}
