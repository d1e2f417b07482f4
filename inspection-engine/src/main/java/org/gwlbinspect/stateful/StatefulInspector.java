package org.gwlbinspect.stateful;

import io.netty.buffer.ByteBuf;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.buffer.ByteBufs;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.BufferInspection;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.Condition;
import org.gwlbinspect.detect.DestinationBindingMode;
import org.gwlbinspect.detect.RuleProtocol;
import org.gwlbinspect.detect.RuleType;
import org.gwlbinspect.detect.Signature;
import org.gwlbinspect.detect.engine.AlertSink;
import org.gwlbinspect.detect.engine.ConnectionState;
import org.gwlbinspect.detect.engine.Decision;
import org.gwlbinspect.detect.engine.FlowRuleState;
import org.gwlbinspect.detect.engine.PacketContext;
import org.gwlbinspect.detect.engine.ResolvedNames;
import org.gwlbinspect.detect.engine.RuleEvaluator;
import org.gwlbinspect.detect.engine.StreamMatchState;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flowlog.FlowRecords;
import org.gwlbinspect.l7.AppProtocol;
import org.gwlbinspect.l7.AppProtocolDetector;
import org.gwlbinspect.l7.DnsAnswerParser;
import org.gwlbinspect.l7.DnsParseStatus;
import org.gwlbinspect.l7.DnsQueryParser;
import org.gwlbinspect.l7.HttpHeaderBuffers;
import org.gwlbinspect.l7.HttpRequestParser;
import org.gwlbinspect.l7.TlsClientHelloParser;
import org.gwlbinspect.l7.TlsRecordTracker;
import org.gwlbinspect.l7.TlsServerHelloParser;
import org.gwlbinspect.policy.StatefulDefaultAction;
import org.gwlbinspect.policy.StreamExceptionPolicy;
import org.gwlbinspect.stream.StreamDataSink;
import org.gwlbinspect.stream.StreamEvent;
import org.gwlbinspect.stream.StreamEventCounters;
import org.gwlbinspect.stream.StreamReassembler;
import org.gwlbinspect.stream.TcpStreamPool;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.Enforcement;
import org.gwlbinspect.verdict.PacketInspector;
import org.gwlbinspect.verdict.Verdict;

/**
 * The stateful engine for one worker (policy.md §2.3–§2.8): per packet of a flow the stateless engine forwarded, it
 * updates the flow's connection state, reassembles the client's stream until its first application message is parsed
 * (and, for TLS, the server's stream until its certificate), fills the {@link PacketContext} (addresses, direction,
 * established, app protocol, sticky buffers of a message completed by this packet, payload) and runs the {@link
 * RuleEvaluator}. A flow-scoped verdict is stored in the flow's {@link PolicyWord}; later packets of the flow take it
 * without inspection and are counted as the fast path.
 *
 * <p>Application messages are inspected on the packet that completes them (Suricata inspects a transaction when its
 * parser has it): until then the packets of a split ClientHello or request header are evaluated without its buffers,
 * so {@code aws:drop_established} drops them as NFW does (policy.md §5 "SNI split across TCP segments"); the client
 * retransmits once the flow is passed. Buffers: the ClientHello's {@code tls.sni}, {@code ja3.hash}, {@code
 * ja3.string}; the request's {@code http.*} buffers ({@code http.request_header} one instance per header); the DNS
 * query; and, on the server packet that completes a TLS ≤ 1.2 Certificate, {@code tls.cert_subject} and {@code
 * tls.cert_issuer} (TLS 1.3 encrypts it: parsing stops at the ServerHello, and the rules cannot match).
 *
 * <p>A flow whose ClientHello left it undecided keeps its stream state and parser set until the server's handshake is
 * parsed as far as it goes (certificate, TLS 1.3, a malformed or oversized flight, the stream depth); a flow decided
 * on its ClientHello (a pass takes the fast path, as in NFW) or whose ClientHello packet was dropped gives them back at
 * once, and the flow's end in any case. Two exceptions keep the client's stream: under a policy with HTTP rules, an
 * HTTP connection's later requests are parsed too (each body skipped by its framing; a request pipelined behind
 * another in the bytes received is evaluated as a transaction of its own, app-layer rules only), the parser set and
 * the stream state going back to their pools between requests (the next request resumes at the sequence number the
 * previous one ended at, {@link TcpStreamPool#resume}); and under a policy with stream payload rules (policy.md §3.3) both directions
 * are reassembled to the flow's end and those rules match the stream ({@link StreamMatchState}), in the directions
 * whose packets one of them can match by its header ({@link StreamRuleHeaders}). The version the
 * server negotiated is kept in the policy word for the EVE {@code tls.version} of later alerts.
 *
 * <p>Encrypted TLS ({@link EncryptionHandling}, docs/encrypted-tls.md): under stream payload rules and the default
 * handling, each direction's TLS record layer is walked ({@link TlsRecordTracker}) from its first byte; the passed
 * packet that completes the flow's first application_data record after the server's hello, both walks intact, ends
 * payload inspection of the flow (Suricata 7's {@code PKT_NOPAYLOAD_INSPECTION}) and gives its stream state back.
 * Later packets are evaluated without payload or stream: app-layer, IP-only, packet and flowbits rules still run.
 *
 * <p>Stream exception policy (§2.8): a TCP flow picked up midstream, or one whose reassembly or parser state could not
 * be allocated or ran out of memory, is dropped ({@code DROP}), reset ({@code REJECT}), or inspected without its
 * application layer ({@code CONTINUE}: app-layer rules no longer match, {@code app-layer-protocol:failed} does).
 * A segment reassembly reports as unsafe (overlap with different bytes, beyond the window or the buffer limits) is
 * dropped unless the policy is {@code CONTINUE}: every byte the server can accept is then a byte that was inspected.
 *
 * <p>Destination binding (docs/destination-binding.md), when the policy uses it: before the fast path (a DNS flow
 * passed on its first query still carries later queries and answers), the DNS queries a client sends to port 53 are
 * remembered on the flow and the answers that match one bind their names to their addresses in the shared {@link
 * ResolvedAddresses}; a pass rule that matched {@code tls.sni} or {@code http.host} is then checked against it on the
 * packet that completed the message (an alert with {@code destination_binding}, and in {@code enforce} a flow drop),
 * and {@code resolved.domain} rules ask it through the packet context.
 *
 * <p>Not thread-safe: one instance per worker. Allocates only when the policy changes (a new evaluator).
 */
public final class StatefulInspector {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int CLIENT_STREAM = 0;
    private static final int SERVER_STREAM = 1;
    private static final int PAYLOAD_SCRATCH = 65_536;

    /** The reason of the last verdict that was not PASS (set with it, read by the data path right after). */
    private DropReason dropReason = DropReason.POLICY_DROP;

    private final StatefulFlows flows;
    private final AtomicLongArray counts;
    private final StreamEventCounters streamCounters;
    private final PacketContext ctx = new PacketContext();
    private final FlowRuleState ruleState = new FlowRuleState();
    private final AppProtocolDetector detector = new AppProtocolDetector();
    private final DnsQueryParser datagramDns = new DnsQueryParser();
    private final StreamPayload streamPayload = new StreamPayload();
    private final RecordWalk recordWalk = new RecordWalk();
    private final StreamFeed feed = new StreamFeed();
    private final ServerStreamFeed serverFeed = new ServerStreamFeed();
    private final byte[] payload = new byte[PAYLOAD_SCRATCH];
    private final byte[] ja3String = new byte[TlsClientHelloParser.ja3MaxLength(TlsClientHelloParser.DEFAULT_CAPACITY)];
    private final byte[] ja3Hex = new byte[32];
    private final byte[] ja3Digest = new byte[16];
    private final MessageDigest md5;
    private final HttpHeaderBuffers httpHeaders = new HttpHeaderBuffers(HttpRequestParser.DEFAULT_CAPACITY);
    // Destination binding (docs/destination-binding.md).
    private final DnsQueryParser observedQuery = new DnsQueryParser();
    private final DnsAnswerParser observedAnswer = new DnsAnswerParser();
    private final FlowKey keyScratch = new FlowKey();
    private final byte[] bindingName = new byte[ResolvedAddresses.NAME_BYTES];
    private int bindingNameLength;
    /** Set while the alert of a failed binding check is logged. */
    private BindingResult bindingResult;
    /** Per rule index: the binding mode of the flows it passes (OFF for rules that do not pass on a name). */
    private DestinationBindingMode[] ruleBinding = new DestinationBindingMode[0];
    /** The policy checks bindings or has resolved.domain rules, and answers are observed: DNS is read for them. */
    private boolean observesDns;
    /** The policy has resolved.domain rules: the packet context carries the flow's endpoint. */
    private boolean resolvedDomainRules;
    /** When the first packet was seen, for destinationBinding.startupGrace; Long.MIN_VALUE before. */
    private long firstSeenNanos = Long.MIN_VALUE;

    /**
     * One inspected packet in this many is timed for the inspection-time histogram (each counted this many times);
     * the inspected-packet count stays exact. A power of two, so the sum of times stays a whole estimate.
     */
    static final int TIMING_SAMPLE = 16;

    /** Inspected packets to go before the next timed one: the 16th, 32nd, ... inspected packet is timed. */
    private int untilTimed = TIMING_SAMPLE - 1;

    /** Where a failed state acquisition on a SYN is counted: not an event, the first payload tries again. */
    private final StreamEventCounters uncounted = new StreamEventCounters();

    private AlertSink alerts = AlertSink.NONE;
    private final AlertSink countedAlerts = this::countAlert;

    /** Monitor mode (docs/learning-mode.md): verdicts are taken and logged, the caller passes the packet. */
    private boolean monitor;
    /** A default alert action logged on the packet being evaluated. */
    private boolean defaultAlerted;
    /**
     * The alert index (negated sid) under which monitor mode logs the policy's default drop action when its alert
     * variant did not log: sid 2, 4, 6 or 8 (policy.md §4); 0 when the policy has no default drop.
     */
    private int monitorDefaultAlert;

    private CompiledPolicy evaluatorPolicy;
    private volatile RuleHits ruleHits;
    private RuleEvaluator evaluator;
    private long generation;
    private boolean inspectsPayload;
    /** The policy has stream or packet-stream payload rules: TCP flows keep their reassembly for them. */
    private boolean inspectsStreams;
    /** The headers of those rules: a flow direction none can match is reassembled but not matched. */
    private StreamRuleHeaders streamRuleHeaders;
    /**
     * TLS flows stop payload inspection once encrypted ({@link EncryptionHandling#DEFAULT}) and the policy has payload
     * rules that keep their streams: the record layer of both directions is walked until then.
     */
    private boolean walksRecords;
    /** Some payload rule matches packets (packet rules): the packet's payload is copied for it. */
    private boolean packetPayloadRules;
    /** Some rule inspects HTTP: every request of a keep-alive connection is parsed, not just the first. */
    private boolean inspectsHttp;
    /** Per Buffer ordinal: a rule of the policy inspects it, so it is worth filling. */
    private boolean[] inspectedBuffers = new boolean[Buffer.values().length];

    // The packet being inspected, for the alert sink.
    private FlowTable table;
    private int slot;
    private AppParsers messageParsers;
    private AppParsers serverParsers;
    private boolean dnsDatagram;
    private long nowNanos;
    private AppLayer appLayer = AppLayer.NOT_YET;
    private FlowRecords flowRecords = FlowRecords.disabled();

    public StatefulInspector(StatefulFlows flows, StatefulCounters counters) {
        this.flows = flows;
        this.counts = counters.newWorker();
        this.streamCounters = counters.newStreamCounters();
        counters.register(this);
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by the Java SE specification", e); // ja3.hash
        }
    }

    /**
     * Builds the evaluator for {@code policy} now, off the data path (at worker creation), so the first packet does not
     * pay for it. After a reload each worker builds the new one on its first packet under that policy.
     */
    public void prepare(CompiledPolicy policy, long policyGeneration) {
        if (policy != null && policy != evaluatorPolicy && policy.hasStatefulEngine()) {
            usePolicy(policy, policyGeneration);
        }
    }

    /** Where the detected application protocol of each flow is recorded for its netflow records. */
    public void flowRecords(FlowRecords records) {
        this.flowRecords = records;
    }

    /**
     * Monitor mode (set once, before the first packet, by the worker's {@code PolicyInspector}): a default drop action
     * logs under its alert variant's sid even when the policy has none, so that a learning run records every name the
     * policy would have dropped; and a drop or reject of a flow whose first message was inspected decides the flow,
     * so that its later packets, which enforcement would never have seen, do not log it again.
     */
    public void enforcement(Enforcement enforcement) {
        this.monitor = enforcement == Enforcement.MONITOR;
    }

    /** Whether verdicts are only logged (the alerts then carry what enforcement would have done). */
    boolean monitor() {
        return monitor;
    }

    /** Where this worker's logged matches go (EVE alerts); {@link AlertSink#NONE} by default. */
    public void alertSink(AlertSink sink) {
        this.alerts = sink;
    }

    /**
     * Inspects one packet of a flow that the stateless engine forwarded.
     *
     * @param policy the policy in force for this packet, from which the evaluator is built when it changes
     * @param policyGeneration a number that changes with every installed policy (flowbits do not carry over)
     * @param direction the packet's direction as the flow table numbers it
     */
    public Verdict inspect(
            CompiledPolicy policy,
            long policyGeneration,
            InnerPacket packet,
            ByteBuf buf,
            FlowTable table,
            int slot,
            int direction,
            long nowNanos) {
        if (policy != evaluatorPolicy) usePolicy(policy, policyGeneration);
        if (firstSeenNanos == Long.MIN_VALUE) firstSeenNanos = nowNanos;
        // Before the fast path: a DNS flow passed on its first query still carries the later queries and answers.
        if (observesDns
                && (packet.protocol() == UDP || packet.protocol() == TCP)
                && packet.payloadLength() > 0
                && (!packet.isFragment() || packet.isFirstFragment())) {
            observeDns(packet, buf, table, slot, direction, nowNanos);
        }
        long word = table.policyState(slot);
        org.gwlbinspect.detect.engine.Verdict flowVerdict = PolicyWord.verdict(word);
        if (flowVerdict == org.gwlbinspect.detect.engine.Verdict.PASS) return outcome(StatefulOutcome.FLOW_PASSED);
        if (flowVerdict != org.gwlbinspect.detect.engine.Verdict.NONE) {
            return outcome(StatefulOutcome.FLOW_DROPPED, Verdict.DROP);
        }
        if (packet.isFragment() && !packet.isFirstFragment()) return outcome(StatefulOutcome.FRAGMENT);
        this.table = table;
        this.slot = slot;
        this.messageParsers = null;
        this.serverParsers = null;
        this.dnsDatagram = false;
        this.nowNanos = nowNanos;
        // The stage's own time (nowNanos is when the worker read the datagram), measured on 1 packet in
        // TIMING_SAMPLE: two System.nanoTime() calls cost 2-3 % of an inspected packet under kvm-clock.
        boolean timed = --untilTimed < 0;
        long started = timed ? System.nanoTime() : 0;
        try {
            return inspectFlowPacket(packet, buf, table, slot, direction);
        } finally {
            this.table = null;
            StatefulCounters.increment(counts, StatefulCounters.INSPECTED);
            if (timed) recordTime(System.nanoTime() - started);
        }
    }

    /**
     * Adds one timed packet's time to the stage's histogram as TIMING_SAMPLE packets of that time: the packets not
     * timed since the last sample are taken to cost what this one did, so the sum and the buckets estimate every
     * inspected packet (the buckets' total is the inspected count rounded down to a multiple of TIMING_SAMPLE).
     */
    private void recordTime(long spent) {
        untilTimed = TIMING_SAMPLE - 1;
        int nanos = StatefulCounters.INSPECTION_NANOS;
        counts.setRelease(nanos, counts.getPlain(nanos) + Math.max(spent, 0) * TIMING_SAMPLE);
        int bucket = StatefulCounters.TIME_BUCKETS + StatefulCounters.timeBucket(spent);
        counts.setRelease(bucket, counts.getPlain(bucket) + TIMING_SAMPLE); // single writer: this worker
    }

    private Verdict inspectFlowPacket(InnerPacket packet, ByteBuf buf, FlowTable table, int slot, int direction) {
        boolean toServer = direction == table.initiatorDirection(slot);
        int protocol = packet.protocol();
        int tcpFlags = packet.tcpFlags();

        // Connection state, as one CAS on the word (the other direction may be updating it on another worker).
        long before;
        long word;
        while (true) {
            long current = table.policyState(slot);
            before = PolicyWord.connection(current);
            // An ICMP error attributed to the flow it quotes says nothing about that flow's handshake.
            long after = packet.isIcmpError() ? before : ConnectionState.update(before, protocol, toServer, tcpFlags);
            word = PolicyWord.withConnection(current, after);
            if (word == current || table.compareAndSetPolicyState(slot, current, word)) break;
        }
        long connection = PolicyWord.connection(word);
        StreamExceptionPolicy exceptionPolicy =
                evaluatorPolicy.policy().engineOptions().streamExceptionPolicy();
        AppLayer app = PolicyWord.app(word);
        boolean appLayerOff = app == AppLayer.FAILED;

        if (protocol == TCP && ConnectionState.midstream(connection) && !appLayerOff) {
            if (ConnectionState.firstInDirection(before, toServer) && (before & PolicyWord.CONNECTION_MASK) == 0) {
                StatefulCounters.increment(counts, StatefulCounters.MIDSTREAM);
            }
            Verdict exception = streamException(table, slot, exceptionPolicy);
            if (exception != null) return exception;
            app = AppLayer.FAILED;
            appLayerOff = true;
        }

        fillContext(packet, toServer, before, connection, (word & PolicyWord.PAYLOAD_OFF) == 0);
        StreamEvent event = StreamEvent.NONE;
        boolean clientPending = (word & PolicyWord.APP_DONE) == 0;
        // Stream payload rules need every segment of both directions in order, after the first message too, and also
        // when the application layer failed (a malformed first message must not turn stream matching off); a flow
        // that never got reassembly (midstream CONTINUE) or lost it (stream exception) is matched per packet.
        // A TLS flow whose encrypted part started is not reassembled any more: nothing inspects its bytes.
        boolean payloadOff = (word & PolicyWord.PAYLOAD_OFF) != 0;
        boolean keepsStream = inspectsStreams
                && protocol == TCP
                && !payloadOff
                && (!appLayerOff || table.policyIndex(slot) != TcpStreamPool.NO_STREAM);
        boolean httpNext = (word & PolicyWord.HTTP_NEXT) != 0;
        if ((!appLayerOff || keepsStream) && protocol == TCP) {
            boolean parse = !appLayerOff && (clientPending || httpNext);
            if (toServer && (parse || keepsStream)) {
                event = reassemble(packet, buf, table, slot, word, parse);
                word = table.policyState(slot);
                app = PolicyWord.app(word);
            } else if (!toServer
                    && (keepsStream || (!appLayerOff && (clientPending || (word & PolicyWord.SERVER_PENDING) != 0)))) {
                event = reassembleServer(packet, buf, table, slot, word);
                word = table.policyState(slot);
                app = PolicyWord.app(word);
            }
        } else if (!appLayerOff && clientPending && protocol == UDP && toServer && packet.payloadLength() > 0) {
            app = inspectDatagram(packet, buf, table, slot, app);
        }
        // An unsafe segment is still evaluated when it completed a message (its buffers hold the bytes inspected
        // first),
        // so that a message cannot skip its rules by ending on a conflicting segment; the segment itself is dropped.
        boolean unsafe =
                event.effect() == StreamEvent.Effect.PACKET_UNSAFE && exceptionPolicy != StreamExceptionPolicy.CONTINUE;
        switch (event.effect()) {
            case STREAM_EXCEPTION -> {
                releaseMessageState(table, slot);
                Verdict exception = streamException(table, slot, exceptionPolicy);
                if (exception != null) return exception;
                app = AppLayer.FAILED;
            }
            default -> {}
        }
        appLayer = app;
        long now = table.policyState(slot);
        ctx.appMessagePending = protocol == TCP
                && app != AppLayer.FAILED
                && (now & PolicyWord.APP_DONE) == 0
                && PolicyWord.parsers(now) >= 0;
        ctx.appProtocol = app.ruleProtocol();
        ctx.appProtocolFailed = app == AppLayer.FAILED;
        if (streamPayload.hasData()) {
            StreamPayload p = streamPayload;
            if (p.collects) ctx.setStream(p.bytes, 0, p.length, p.newStart - p.newFrom, p.newFrom);
            // new stream bytes that no stream rule can match in this direction: neither copied nor scanned, but the
            // segment went into its stream, so its payload is not block-scanned for the stream rules either
            else ctx.payloadInStream = true;
        } else if (streamPayload.active
                && (event == StreamEvent.OUT_OF_ORDER || event == StreamEvent.OVERLAP_CONFLICT)) {
            ctx.payloadInStream = true; // buffered, or contradicting bytes: matched with the stream, not alone
        }
        streamPayload.active = false;
        if (inspectsPayload
                && ctx.payloadInspection
                && packet.payloadLength() > 0
                && (packetPayloadRules || !ctx.payloadInStream)) {
            int length = Math.min(packet.payloadLength(), payload.length);
            ByteBufs.copy(buf, packet.payloadOffset(), payload, 0, length);
            ctx.setBuffer(Buffer.PAYLOAD, payload, 0, length);
        }

        long flowbits = PolicyWord.generation(word) == (int) (generation & 0xFFFF) ? flows.flowbits(slot) : 0;
        ruleState.load(flowbits, PolicyWord.verdictWord(word));
        boolean undecided = ruleState.verdict() == org.gwlbinspect.detect.engine.Verdict.NONE;
        defaultAlerted = false;
        Decision decision = evaluator.evaluate(ctx, ruleState, countedAlerts);
        int decidedBy = evaluator.decidingRule();
        boolean bindingDrop = false;
        if (decidedBy >= 0
                && decision.verdict() == org.gwlbinspect.detect.engine.Verdict.PASS
                && ruleBinding[decidedBy] != DestinationBindingMode.OFF) {
            bindingDrop = bindingFails(ruleBinding[decidedBy], decidedBy, table, slot);
            if (bindingDrop) decision = Decision.DROP_FLOW;
        }
        if (decidedBy >= 0) ruleHits.hit(decidedBy);
        else if (decision.verdict() == org.gwlbinspect.detect.engine.Verdict.DROP) {
            StatefulCounters.increment(counts, StatefulCounters.DEFAULT_ACTION_DROPS);
            if (monitor && undecided && !defaultAlerted && monitorDefaultAlert != 0) {
                countedAlerts.alert(
                        monitorDefaultAlert,
                        org.gwlbinspect.detect.Action.ALERT,
                        org.gwlbinspect.detect.engine.Verdict.DROP);
            }
        }
        if (messageParsers != null && messageParsers.httpKeepAlive()) {
            decision = nextRequests(decision, messageParsers);
        }
        org.gwlbinspect.detect.engine.Verdict settled = monitor
                ? monitorSettles(decision, protocol, table.policyState(slot))
                : org.gwlbinspect.detect.engine.Verdict.NONE;
        if (settled != org.gwlbinspect.detect.engine.Verdict.NONE) {
            decision =
                    settled == org.gwlbinspect.detect.engine.Verdict.DROP ? Decision.DROP_FLOW : Decision.REJECT_FLOW;
        }
        flows.flowbits(slot, ruleState.flowbits());
        long updated = PolicyWord.withGeneration(0, generation);
        long mask = PolicyWord.GENERATION_FIELD;
        if (decision.flowScoped()) {
            updated = PolicyWord.withVerdict(
                    updated,
                    bindingDrop
                            ? org.gwlbinspect.detect.engine.Verdict.DROP
                            : settled != org.gwlbinspect.detect.engine.Verdict.NONE ? settled : ruleState.verdict());
            mask |= PolicyWord.VERDICT_FIELD;
        }
        PolicyWord.update(table, slot, mask, updated);
        // The stream and parsers go back once neither direction awaits a message: the flow is decided (later packets
        // take the fast path), or its messages are done. A ClientHello leaves the server's certificate pending,
        // unless the packet that completed it is dropped: the server cannot answer a hello it did not receive.
        boolean dropped = unsafe || decision.packetVerdict() != org.gwlbinspect.detect.engine.Verdict.PASS;
        long after = table.policyState(slot);
        if (decision.flowScoped()) {
            releaseMessageState(table, slot);
        } else if ((after & PolicyWord.HTTP_NEXT) != 0) {
            // A keep-alive connection keeps its stream; its parser set only while a request or body is in progress.
            int index = PolicyWord.parsers(after);
            AppParsers current = index >= 0 ? flows.parsers(index) : null;
            if (current != null && current.httpStopped()) {
                PolicyWord.update(table, slot, PolicyWord.HTTP_NEXT, 0);
                if (inspectsStreams && protocol == TCP) releaseParsers(table, slot);
                else releaseMessageState(table, slot);
            } else if (current != null && current.httpIdle()) {
                releaseParsers(table, slot);
                // Idle between requests: the stream state goes back too (so capacityStreams still bounds connections
                // being set up), keeping the sequence number the next request starts at. Only on the client's own
                // worker, the one that owns that direction's state.
                int handle = table.policyIndex(slot);
                StreamReassembler client =
                        toServer && !inspectsStreams ? flows.streams().direction(handle, CLIENT_STREAM) : null;
                if (client != null && client.isInspecting() && client.bufferedSegments() == 0) {
                    flows.resumeSequence(slot, client.nextSequence());
                    table.setPolicyIndex(slot, TcpStreamPool.NO_STREAM);
                    flows.streams().release(handle);
                }
            }
        } else if (serverParsers != null
                || (messageParsers != null
                        && (dropped || (table.policyState(slot) & PolicyWord.SERVER_PENDING) == 0))) {
            // Stream payload rules keep the flow's reassembly to its end; the parsers go back in any case.
            if (inspectsStreams && protocol == TCP) releaseParsers(table, slot);
            else releaseMessageState(table, slot);
        }
        if (recordWalk.applicationData && !dropped) encryptionStarted(table, slot);
        if (unsafe && decision.packetVerdict() == org.gwlbinspect.detect.engine.Verdict.PASS) {
            return outcome(StatefulOutcome.STREAM_UNSAFE_DROP, Verdict.DROP);
        }
        if (bindingDrop) return outcome(StatefulOutcome.DESTINATION_BINDING_DROP, Verdict.DROP);
        return switch (decision.verdict()) {
            case NONE -> outcome(StatefulOutcome.NO_DECISION);
            case PASS -> outcome(StatefulOutcome.RULE_PASS);
            case DROP -> outcome(StatefulOutcome.DROP, Verdict.DROP);
            case REJECT -> outcome(StatefulOutcome.REJECT, Verdict.REJECT);
        };
    }

    /**
     * Monitor mode: the packet-scoped drop or reject that decides the flow as if it were flow-scoped, or NONE. Under
     * enforcement such a drop ends a TCP connection in practice (the client retransmits the dropped bytes until it
     * gives up) and the flow's later packets never come; in monitor mode they do, and every one of them would be
     * dropped and logged again ({@code aws:drop_established} acts per packet). Only once the flow's first application
     * message was inspected (its name logged), or for a protocol without one: before that, the drops of handshake
     * packets or of the first segments of a split ClientHello still leave the message to be inspected and logged
     * with its name. DNS over UDP stays per packet, each query a message of its own.
     */
    private static org.gwlbinspect.detect.engine.Verdict monitorSettles(Decision decision, int protocol, long word) {
        org.gwlbinspect.detect.engine.Verdict verdict = decision.verdict();
        if (decision.flowScoped()
                || (verdict != org.gwlbinspect.detect.engine.Verdict.DROP
                        && verdict != org.gwlbinspect.detect.engine.Verdict.REJECT)) {
            return org.gwlbinspect.detect.engine.Verdict.NONE;
        }
        boolean messageDone = (word & PolicyWord.APP_DONE) != 0;
        return messageDone || (protocol != TCP && protocol != UDP)
                ? verdict
                : org.gwlbinspect.detect.engine.Verdict.NONE;
    }

    private void fillContext(
            InnerPacket packet, boolean toServer, long before, long connection, boolean payloadInspection) {
        PacketContext c = ctx;
        c.payloadInspection = payloadInspection;
        c.clearBuffers();
        c.ipVersion = packet.ipVersion();
        c.srcHi = packet.srcAddrHi();
        c.srcLo = packet.srcAddrLo();
        c.dstHi = packet.dstAddrHi();
        c.dstLo = packet.dstAddrLo();
        c.srcPort = packet.srcPort();
        c.dstPort = packet.dstPort();
        c.ipProtocol = packet.protocol();
        c.ttl = packet.ipVersion() == 4 ? packet.ipv4().ttl() : packet.ipv6().hopLimit();
        c.toServer = toServer;
        // The ACK that completes a handshake is still a setup packet: NFW passes the whole three-way handshake under
        // aws:drop_established (policy.md §2.4), so a TCP packet counts as established only after it. A flow picked up
        // midstream is established from its first packet; UDP once both directions were seen, this packet included.
        boolean tcp = packet.protocol() == TCP;
        c.established =
                ConnectionState.established(tcp && !ConnectionState.midstream(connection) ? before : connection);
        c.firstPacketInDirection = ConnectionState.firstInDirection(before, toServer);
        c.tcpFlags = packet.tcpFlags();
        c.payloadLength = packet.payloadLength();
        c.tlsClientHello = false;
        c.sslVersion = 0;
        c.nowNanos = nowNanos;
        c.endpointId = resolvedDomainRules ? table.readKey(slot, keyScratch).endpointId() : 0;
        evaluator.clearStreamCandidates();
        streamPayload.active = false;
        streamPayload.length = 0;
        streamPayload.newStart = -1;
        recordWalk.active = false;
        recordWalk.applicationData = false;
    }

    /**
     * The packet (passed) completed an application_data record of a TLS flow: Suricata 7's trigger for {@code
     * encryption-handling: default} ({@code app-layer-ssl.c} {@code SSLv3Decode} sets {@code
     * APP_LAYER_PARSER_NO_INSPECTION_PAYLOAD}; docs/encrypted-tls.md). Only once the ClientHello was parsed and the
     * server answered with its hello (Suricata waits for the ServerHello only after a 0-RTT offer; waiting always keeps
     * inspecting a client that sends records nobody answered), and the server's handshake is parsed as far as it goes.
     * This packet was inspected in full, as in Suricata (the flow's flag reaches packets from the next one on); later
     * packets of both directions are not inspected by payload rules, and the stream state goes back to the pool now:
     * no rule reads the flow's bytes any more, so neither reassembly nor its evasion checks serve anything.
     */
    private void encryptionStarted(FlowTable table, int slot) {
        long word = table.policyState(slot);
        if (PolicyWord.app(word) != AppLayer.TLS
                || (word & PolicyWord.APP_DONE) == 0
                || (word & (PolicyWord.SERVER_PENDING | PolicyWord.PAYLOAD_OFF)) != 0
                || PolicyWord.tlsVersion(word) == 0
                || PolicyWord.verdict(word) != org.gwlbinspect.detect.engine.Verdict.NONE) {
            return;
        }
        // A direction that broke the record layer (a ClientHello, then cleartext) makes Suricata's TLS parser fail,
        // which turns the flow's app layer off before any application_data record can switch its payload inspection
        // off: such a flow stays inspected whatever its other direction sends.
        int handle = table.policyIndex(slot);
        if (handle == TcpStreamPool.NO_STREAM || !flows.recordLayerIntact(handle)) return;
        PolicyWord.update(table, slot, PolicyWord.PAYLOAD_OFF, PolicyWord.PAYLOAD_OFF);
        StatefulCounters.increment(counts, StatefulCounters.ENCRYPTED_FLOWS);
        releaseMessageState(table, slot);
    }

    /**
     * Feeds a client→server TCP segment to the flow's stream. The state is taken on the client's SYN, so that
     * reassembly is anchored at the initial sequence number (a flow whose first data segment arrives out of order is
     * still read from its first byte); a flow that got none then tries again at its first payload.
     */
    private StreamEvent reassemble(
            InnerPacket packet, ByteBuf buf, FlowTable table, int slot, long word, boolean parse) {
        int length = packet.payloadLength();
        boolean syn = (packet.tcpFlags() & 0x02) != 0;
        if (length == 0 && !syn) return StreamEvent.NONE;
        TcpStreamPool streams = flows.streams();
        int handle = table.policyIndex(slot);
        if (handle == TcpStreamPool.NO_STREAM) {
            if (length == 0) {
                handle = streams.acquire(uncounted);
                if (handle == TcpStreamPool.NO_STREAM) return StreamEvent.NONE; // retried at the first payload
            } else if ((word & PolicyWord.HTTP_NEXT) != 0 && !inspectsStreams) {
                // The next request of a keep-alive connection that gave its state back between requests: resume at
                // the byte after the previous request. No state free: the connection is not broken, its later
                // requests are no longer parsed (counted as a pool exhaustion).
                handle = streams.acquire(streamCounters);
                if (handle == TcpStreamPool.NO_STREAM) {
                    PolicyWord.update(table, slot, PolicyWord.HTTP_NEXT, 0);
                    return StreamEvent.NONE;
                }
                streams.resume(handle, CLIENT_STREAM, flows.resumeSequence(slot) & 0xFFFF_FFFFL);
            } else {
                handle = streams.acquire(streamCounters);
                if (handle == TcpStreamPool.NO_STREAM) return StreamEvent.STATE_POOL_EXHAUSTED;
            }
            table.setPolicyIndex(slot, handle);
        }
        AppParsers parsers = null;
        boolean httpNext = (word & PolicyWord.HTTP_NEXT) != 0;
        if (length > 0 && parse) {
            int index = PolicyWord.parsers(word);
            if (index < 0) {
                index = flows.acquireParsers();
                if (index < 0 && httpNext) {
                    // A later request of a keep-alive connection: the connection is not broken, its later requests
                    // are no longer parsed (counted), as when their framing cannot be followed.
                    StatefulCounters.increment(counts, StatefulCounters.PARSERS_EXHAUSTED);
                    PolicyWord.update(table, slot, PolicyWord.HTTP_NEXT, 0);
                    httpNext = false;
                } else if (index < 0) {
                    StatefulCounters.increment(counts, StatefulCounters.PARSERS_EXHAUSTED);
                    return StreamEvent.STATE_POOL_EXHAUSTED;
                } else {
                    PolicyWord.update(table, slot, PolicyWord.PARSERS_FIELD, PolicyWord.withParsers(0, index));
                    if (httpNext) flows.parsers(index).continueHttp();
                    else flows.parsers(index).keepHttpAlive(inspectsHttp);
                }
            }
            if (index >= 0) parsers = flows.parsers(index);
        }
        feed.parsers = parsers;
        feed.srcPort = packet.srcPort();
        feed.dstPort = packet.dstPort();
        boolean matches = inspectsStreams && length > 0;
        if (matches)
            streamPayload.begin(
                    handle, CLIENT_STREAM, evaluator.inspectsStream(true) && streamRuleHeaders.canMatch(ctx));
        if (matches && walksRecords(word)) recordWalk.begin(handle, CLIENT_STREAM);
        StreamEvent event;
        try {
            event = streams.accept(
                    handle,
                    CLIENT_STREAM,
                    packet.tcp().sequenceNumber(),
                    packet.tcp().acknowledgmentNumber(),
                    packet.tcpFlags(),
                    buf,
                    packet.payloadOffset(),
                    length,
                    parsers == null && !matches ? StreamDataSink.NONE : feed,
                    streamCounters);
        } finally {
            feed.parsers = null;
        }
        if (parsers != null && httpNext) {
            // a later request of a keep-alive connection: inspected on the packet that completes it, like the first
            if (parsers.httpRequestDone()) {
                messageParsers = parsers;
                setMessageBuffers(parsers);
            }
        } else if (parsers != null) {
            AppLayer detected = parsers.detected();
            if (parsers.done()) {
                messageParsers = parsers;
                setMessageBuffers(parsers);
                StatefulCounters.increment(counts, StatefulCounters.APP_LAYER_BY_PROTOCOL + detected.ordinal());
                flowRecords.setAppProto(slot, detected.protocol());
                // A ClientHello's flow keeps its stream and parsers for the server's certificate (tls.cert_*).
                long pending = parsers.tlsHelloDone() ? PolicyWord.SERVER_PENDING : 0;
                // An HTTP connection's later requests are parsed too, when the policy has HTTP rules (Suricata
                // inspects every transaction): its client stream stays reassembled.
                if (parsers.httpRequestDone() && parsers.httpKeepAlive()) pending |= PolicyWord.HTTP_NEXT;
                PolicyWord.update(
                        table,
                        slot,
                        PolicyWord.APP_FIELD | PolicyWord.APP_DONE | PolicyWord.SERVER_PENDING | PolicyWord.HTTP_NEXT,
                        PolicyWord.withApp(PolicyWord.APP_DONE | pending, detected));
            } else if (detected != AppLayer.NOT_YET) {
                PolicyWord.update(table, slot, PolicyWord.APP_FIELD, PolicyWord.withApp(0, detected));
            }
        }
        if (event.effect() == StreamEvent.Effect.INSPECTION_COMPLETE) {
            long now = table.policyState(slot);
            AppLayer app = PolicyWord.app(now);
            PolicyWord.update(
                    table,
                    slot,
                    PolicyWord.APP_FIELD | PolicyWord.APP_DONE | PolicyWord.HTTP_NEXT,
                    PolicyWord.withApp(PolicyWord.APP_DONE, app == AppLayer.NOT_YET ? AppLayer.UNKNOWN : app));
            if (messageParsers == null) {
                if (inspectsStreams) releaseParsers(table, slot); // the other direction may still be matched
                else releaseMessageState(table, slot);
            }
        }
        return event;
    }

    /** Sets the sticky buffers of a completed message on the packet that completed it; keeps the flow's name. */
    private void setMessageBuffers(AppParsers parsers) {
        if (parsers.tlsHelloDone() && parsers.tls.hasSni()) {
            TlsClientHelloParser tls = parsers.tls;
            flows.names().keep(slot, FlowNames.Kind.TLS_SNI, tls.buffer(), tls.sniOffset(), tls.sniLength());
        } else if (parsers.httpRequestDone() && parsers.http.hasHost()) {
            HttpRequestParser http = parsers.http;
            flows.names().keep(slot, FlowNames.Kind.HTTP_HOST, http.host(), 0, http.hostLength());
        }
        if (parsers.tlsHelloDone()) {
            TlsClientHelloParser tls = parsers.tls;
            ctx.tlsClientHello = true;
            ctx.sslVersion = tls.legacyVersion();
            if (tls.hasSni()) ctx.setBuffer(Buffer.TLS_SNI, tls.buffer(), tls.sniOffset(), tls.sniLength());
            if (inspects(Buffer.JA3_STRING) || inspects(Buffer.JA3_HASH)) setJa3(tls);
        } else if (parsers.httpRequestDone()) {
            HttpRequestParser http = parsers.http;
            byte[] b = http.buffer();
            if (http.hasHost()) {
                ctx.setBuffer(Buffer.HTTP_HOST, http.host(), 0, http.hostLength());
                if (http.hostRawOffset() >= 0) {
                    ctx.setBuffer(Buffer.HTTP_HOST_RAW, b, http.hostRawOffset(), http.hostRawLength());
                }
            }
            ctx.setBuffer(Buffer.HTTP_METHOD, b, http.methodOffset(), http.methodLength());
            ctx.setBuffer(Buffer.HTTP_URI_RAW, b, http.uriOffset(), http.uriLength());
            ctx.setBuffer(Buffer.HTTP_URI, http.normalizedUri(), 0, http.normalizedUriLength());
            if (http.userAgentOffset() >= 0) {
                ctx.setBuffer(Buffer.HTTP_USER_AGENT, b, http.userAgentOffset(), http.userAgentLength());
            }
            ctx.setBuffer(Buffer.HTTP_HEADER_NAMES, http.headerNames(), 0, http.headerNamesLength());
            if ((inspects(Buffer.HTTP_HEADER) || inspects(Buffer.HTTP_REQUEST_HEADER))
                    && http.writeHeaderBuffers(httpHeaders)) {
                HttpHeaderBuffers h = httpHeaders;
                if (h.headerLength() > 0) ctx.setBuffer(Buffer.HTTP_HEADER, h.bytes(), 0, h.headerLength());
                ctx.setBufferInstances(
                        Buffer.HTTP_REQUEST_HEADER,
                        h.bytes(),
                        h.instanceOffsets(),
                        h.instanceLengths(),
                        h.instanceCount());
            }
        } else if (parsers.dnsQueryDone()) {
            DnsQueryParser dns = parsers.dns;
            ctx.setBuffer(Buffer.DNS_QUERY, dns.query(), 0, dns.queryLength());
        }
    }

    /**
     * The packet completed a request of a keep-alive connection, now inspected: parses and inspects the requests that
     * follow it in the bytes already received (pipelined), each as a transaction of its own, until one decides the
     * flow or more bytes are needed. The packet gets the most severe verdict.
     */
    private Decision nextRequests(Decision decision, AppParsers parsers) {
        while (!decision.flowScoped() && parsers.nextHttpRequest()) {
            for (Buffer buffer : BUFFERS) if (buffer.protocol() == RuleProtocol.HTTP) ctx.clearBuffer(buffer);
            ctx.dropStream(); // stream and packet rules were evaluated for this packet already
            setMessageBuffers(parsers);
            Decision next = evaluator.evaluateTransaction(ctx, ruleState, countedAlerts);
            int decidedBy = evaluator.decidingRule();
            if (decidedBy >= 0) ruleHits.hit(decidedBy);
            if (next.flowScoped()
                    || (decision.packetVerdict() == org.gwlbinspect.detect.engine.Verdict.PASS
                            && next.packetVerdict() != org.gwlbinspect.detect.engine.Verdict.PASS)) {
                decision = next;
            }
        }
        return decision;
    }

    private static final Buffer[] BUFFERS = Buffer.values();

    /** {@code ja3.string} and {@code ja3.hash} (its MD5 in lowercase hex), written into this worker's arrays. */
    private void setJa3(TlsClientHelloParser tls) {
        int length = tls.writeJa3(ja3String);
        if (length < 0) return;
        ctx.setBuffer(Buffer.JA3_STRING, ja3String, 0, length);
        md5.update(ja3String, 0, length);
        try {
            md5.digest(ja3Digest, 0, ja3Digest.length);
        } catch (DigestException e) {
            throw new IllegalStateException("an MD5 digest is 16 bytes", e);
        }
        hex(ja3Digest, ja3Hex);
        ctx.setBuffer(Buffer.JA3_HASH, ja3Hex, 0, ja3Hex.length);
    }

    private boolean inspects(Buffer buffer) {
        return inspectedBuffers[buffer.ordinal()];
    }

    /**
     * Feeds a server→client TCP segment to the flow's stream: from the SYN-ACK on, so that the direction is anchored
     * at the server's initial sequence number, and into the parser set's {@link TlsServerHelloParser} once the flow's
     * ClientHello is done and the certificate is awaited. Until then the bytes are not inspected (no TLS server speaks
     * first) and only an event that stops inspection of an awaited certificate counts; after it, the segment is
     * treated like a client segment (an unsafe one is dropped, a stream exception applies the policy).
     */
    private StreamEvent reassembleServer(InnerPacket packet, ByteBuf buf, FlowTable table, int slot, long word) {
        int handle = table.policyIndex(slot);
        if (handle == TcpStreamPool.NO_STREAM) return StreamEvent.NONE; // the client's SYN got no state
        int index = PolicyWord.parsers(word);
        AppParsers parsers = (word & PolicyWord.SERVER_PENDING) != 0 && index >= 0 ? flows.parsers(index) : null;
        serverFeed.parsers = parsers;
        int versionBefore = parsers == null ? 0 : parsers.serverTls.negotiatedVersion();
        boolean matches = inspectsStreams && packet.payloadLength() > 0;
        if (matches)
            streamPayload.begin(
                    handle, SERVER_STREAM, evaluator.inspectsStream(false) && streamRuleHeaders.canMatch(ctx));
        if (matches && walksRecords(word)) recordWalk.begin(handle, SERVER_STREAM);
        StreamEvent event;
        try {
            event = flows.streams()
                    .accept(
                            handle,
                            SERVER_STREAM,
                            packet.tcp().sequenceNumber(),
                            packet.tcp().acknowledgmentNumber(),
                            packet.tcpFlags(),
                            buf,
                            packet.payloadOffset(),
                            packet.payloadLength(),
                            parsers == null && !matches ? StreamDataSink.NONE : serverFeed,
                            streamCounters);
        } finally {
            serverFeed.parsers = null;
        }
        // Until then the server's bytes are inspected only by stream payload rules, if the policy has any.
        if (parsers == null) return inspectsStreams ? event : StreamEvent.NONE;
        TlsServerHelloParser server = parsers.serverTls;
        int version = server.negotiatedVersion();
        if (versionBefore == 0 && version != 0) {
            ctx.sslVersion = version; // ssl_version of a to_client packet: the ServerHello's (Suricata app-layer-ssl)
            PolicyWord.update(table, slot, PolicyWord.TLS_VERSION_FIELD, PolicyWord.withTlsVersion(0, version));
        }
        boolean stopped = event.effect() == StreamEvent.Effect.INSPECTION_COMPLETE;
        if (parsers.serverDone() || stopped) {
            serverParsers = parsers;
            if (server.hasCertificate()) {
                ctx.setBuffer(Buffer.TLS_CERT_SUBJECT, server.subject(), 0, server.subjectLength());
                ctx.setBuffer(Buffer.TLS_CERT_ISSUER, server.issuer(), 0, server.issuerLength());
            }
            PolicyWord.update(table, slot, PolicyWord.SERVER_PENDING, 0);
        }
        return event;
    }

    /**
     * Whether a segment of the flow goes through its direction's {@link TlsRecordTracker}: while the flow is, or may
     * still turn out to be, TLS (the walk starts at the stream's first byte, before the ClientHello is parsed).
     */
    private boolean walksRecords(long word) {
        AppLayer app = PolicyWord.app(word);
        return walksRecords && (app == AppLayer.NOT_YET || app == AppLayer.TLS);
    }

    /** DNS over UDP: every client datagram is a message of its own. */
    private AppLayer inspectDatagram(InnerPacket packet, ByteBuf buf, FlowTable table, int slot, AppLayer app) {
        if (app != AppLayer.NOT_YET && app != AppLayer.DNS) return app;
        int offset = packet.payloadOffset();
        int length = packet.payloadLength();
        AppProtocol detected = detector.detectUdp(buf, offset, length, packet.srcPort(), packet.dstPort());
        if (detected == AppProtocol.DNS
                && datagramDns.parseDatagram(buf, offset, length) == DnsParseStatus.DONE
                && !datagramDns.isResponse()) {
            ctx.setBuffer(Buffer.DNS_QUERY, datagramDns.query(), 0, datagramDns.queryLength());
            dnsDatagram = true;
            if (app == AppLayer.NOT_YET) {
                StatefulCounters.increment(counts, StatefulCounters.APP_LAYER_BY_PROTOCOL + AppLayer.DNS.ordinal());
                flowRecords.setAppProto(slot, AppProtocol.DNS);
                PolicyWord.update(table, slot, PolicyWord.APP_FIELD, PolicyWord.withApp(0, AppLayer.DNS));
            }
            return AppLayer.DNS;
        }
        if (app == AppLayer.NOT_YET) {
            // Suricata decides a UDP flow's protocol on its first datagram.
            StatefulCounters.increment(counts, StatefulCounters.APP_LAYER_BY_PROTOCOL + AppLayer.UNKNOWN.ordinal());
            flowRecords.setAppProto(slot, AppProtocol.UNKNOWN);
            PolicyWord.update(
                    table,
                    slot,
                    PolicyWord.APP_FIELD | PolicyWord.APP_DONE,
                    PolicyWord.withApp(PolicyWord.APP_DONE, AppLayer.UNKNOWN));
            return AppLayer.UNKNOWN;
        }
        return app;
    }

    /**
     * Applies the stream exception policy to the flow: DROP and REJECT decide the flow (returned), CONTINUE turns its
     * application layer off and returns null so inspection goes on.
     */
    private Verdict streamException(FlowTable table, int slot, StreamExceptionPolicy policy) {
        switch (policy) {
            case DROP -> {
                PolicyWord.update(
                        table,
                        slot,
                        PolicyWord.VERDICT_FIELD,
                        PolicyWord.withVerdict(0, org.gwlbinspect.detect.engine.Verdict.DROP));
                return outcome(StatefulOutcome.STREAM_EXCEPTION_DROP, Verdict.DROP);
            }
            case REJECT -> {
                PolicyWord.update(
                        table,
                        slot,
                        PolicyWord.VERDICT_FIELD,
                        PolicyWord.withVerdict(0, org.gwlbinspect.detect.engine.Verdict.REJECT));
                return outcome(StatefulOutcome.STREAM_EXCEPTION_REJECT, Verdict.REJECT);
            }
            default -> {
                PolicyWord.update(
                        table,
                        slot,
                        PolicyWord.APP_FIELD | PolicyWord.APP_DONE,
                        PolicyWord.withApp(PolicyWord.APP_DONE, AppLayer.FAILED));
                releaseMessageState(table, slot);
                return null;
            }
        }
    }

    /**
     * Gives the flow's stream state and parser set back once its messages are done, the flow is decided, or inspection
     * ended; the server's certificate is no longer awaited.
     */
    private void releaseMessageState(FlowTable table, int slot) {
        int handle = table.policyIndex(slot);
        if (handle != TcpStreamPool.NO_STREAM) {
            table.setPolicyIndex(slot, TcpStreamPool.NO_STREAM);
            flows.streams().release(handle);
        }
        releaseParsers(table, slot);
    }

    /** Gives the flow's parser set back; the server's certificate is no longer awaited. */
    private void releaseParsers(FlowTable table, int slot) {
        while (true) {
            long current = table.policyState(slot);
            int index = PolicyWord.parsers(current);
            long next = PolicyWord.withParsers(current, -1) & ~PolicyWord.SERVER_PENDING;
            if (next == current) return;
            // Exactly one of this worker and the flow's end (StatefulFlows.onFlowEnd) clears the field and frees it.
            if (table.compareAndSetPolicyState(slot, current, next)) {
                if (index >= 0) flows.releaseParsers(index);
                return;
            }
        }
    }

    private void usePolicy(CompiledPolicy policy, long policyGeneration) {
        if (evaluator != null) evaluator.close(); // its Hyperscan scratch now, rather than when the GC gets to it
        evaluator = new RuleEvaluator(policy);
        evaluatorPolicy = policy;
        ruleHits = new RuleHits(policy);
        generation = policyGeneration;
        boolean[] inspected = new boolean[Buffer.values().length];
        for (CompiledPolicy.CompiledRule rule : policy.rules()) {
            for (BufferInspection inspection : rule.signature().inspections()) {
                inspected[inspection.buffer().ordinal()] = true;
            }
        }
        inspectedBuffers = inspected;
        inspectsPayload = inspected[Buffer.PAYLOAD.ordinal()];
        inspectsStreams = evaluator.inspectsStreams();
        streamRuleHeaders = StreamRuleHeaders.of(policy);
        walksRecords = inspectsStreams && flows.encryptionHandling() == EncryptionHandling.DEFAULT;
        boolean packetRules = false;
        for (CompiledPolicy.CompiledRule rule : policy.rules()) {
            RuleType type = rule.signature().type();
            if (type == RuleType.STREAM || type == RuleType.PACKET_STREAM) continue;
            for (BufferInspection inspection : rule.signature().inspections()) {
                packetRules |= inspection.buffer() == Buffer.PAYLOAD;
            }
        }
        packetPayloadRules = packetRules;
        boolean http = false;
        for (CompiledPolicy.CompiledRule rule : policy.rules()) {
            http |= rule.signature().protocol() == RuleProtocol.HTTP;
            for (BufferInspection inspection : rule.signature().inspections()) {
                http |= inspection.buffer().protocol() == RuleProtocol.HTTP;
            }
        }
        inspectsHttp = http;
        int defaultDropAlert = 0;
        for (StatefulDefaultAction action : policy.policy().statefulDefaultActions()) {
            switch (action) {
                case DROP_STRICT -> defaultDropAlert = RuleEvaluator.DEFAULT_ALERT_STRICT;
                case DROP_ESTABLISHED -> defaultDropAlert = RuleEvaluator.DEFAULT_ALERT_ESTABLISHED;
                case DROP_ESTABLISHED_APP_LAYER -> defaultDropAlert = RuleEvaluator.DEFAULT_ALERT_ESTABLISHED_APP_LAYER;
                case DROP_ESTABLISHED_APP_LAYER_TO_SERVER ->
                    defaultDropAlert = RuleEvaluator.DEFAULT_ALERT_ESTABLISHED_APP_LAYER_TO_SERVER;
                default -> {}
            }
        }
        monitorDefaultAlert = defaultDropAlert;
        DestinationBindingMode global = flows.bindingConfig().mode();
        DestinationBindingMode[] modes =
                new DestinationBindingMode[policy.rules().size()];
        boolean anyBinding = false;
        boolean anyResolved = false;
        for (int i = 0; i < modes.length; i++) {
            Signature sig = policy.rules().get(i).signature();
            DestinationBindingMode mode = DestinationBindingMode.OFF;
            if (sig.action() == org.gwlbinspect.detect.Action.PASS
                    && (sig.inspection(Buffer.TLS_SNI).isPresent()
                            || sig.inspection(Buffer.HTTP_HOST).isPresent()
                            || sig.inspection(Buffer.HTTP_HOST_RAW).isPresent())) {
                mode = global;
            }
            for (Condition c : sig.conditions()) {
                if (c instanceof Condition.DestinationBinding b) mode = b.mode();
                anyResolved |= c instanceof Condition.ResolvedDomain;
            }
            modes[i] = mode;
            anyBinding |= mode != DestinationBindingMode.OFF;
        }
        ruleBinding = modes;
        resolvedDomainRules = anyResolved;
        ResolvedAddresses map = anyBinding || anyResolved ? flows.enableBinding() : flows.resolved();
        observesDns = map != null && (anyBinding || anyResolved);
        ctx.resolvedNames = map != null ? map : ResolvedNames.NONE;
    }

    // ---- destination binding ---------------------------------------------------------------------------------------

    private static final int DNS_PORT = 53;

    /**
     * Reads a DNS datagram of the flow for destination binding: a query the client sends is remembered (ID, type,
     * name); a response binds its addresses to its names for the client only when it answers such a query, comes from
     * the server the client queried (the flow's other end, a trusted resolver) and travels server → client.
     */
    private void observeDns(InnerPacket packet, ByteBuf buf, FlowTable table, int slot, int direction, long nowNanos) {
        boolean fromClient = direction == table.initiatorDirection(slot);
        if ((fromClient ? packet.dstPort() : packet.srcPort()) != DNS_PORT) return;
        int offset = packet.payloadOffset();
        int length = packet.payloadLength();
        if (packet.protocol() == UDP) {
            if (fromClient) observeQuery(buf, offset, length, slot);
            else observeAnswer(packet, buf, offset, length, table, slot, nowNanos);
            return;
        }
        // DNS over TCP (RFC 7766): the messages this segment holds whole, each behind its 2-byte length. A message
        // split across segments is not read (its answer binds nothing); one that starts mid-segment is not found.
        int end = offset + length;
        for (int i = 0; i < MAX_TCP_DNS_MESSAGES && end - offset >= 2 + DnsQueryParser.HEADER_LENGTH; i++) {
            int size = buf.getUnsignedShort(offset);
            if (size > end - offset - 2) return;
            if (fromClient) observeQuery(buf, offset + 2, size, slot);
            else observeAnswer(packet, buf, offset + 2, size, table, slot, nowNanos);
            offset += 2 + size;
        }
    }

    /** DNS messages read from one TCP segment at most: bounds the work a segment of tiny messages can cause. */
    private static final int MAX_TCP_DNS_MESSAGES = 8;

    private void observeQuery(ByteBuf buf, int offset, int length, int slot) {
        DnsQueryParser q = observedQuery;
        if (q.parseDatagram(buf, offset, length) != DnsParseStatus.DONE || q.isResponse()) return;
        flows.recordQuery(slot, queryKey(q.transactionId(), q.queryType(), q.query(), q.queryLength()));
    }

    private void observeAnswer(
            InnerPacket packet, ByteBuf buf, int offset, int length, FlowTable table, int slot, long nowNanos) {
        if (!flows.bindingConfig().trustsResolver(packet.ipVersion(), packet.srcAddrHi(), packet.srcAddrLo())) {
            StatefulCounters.increment(
                    counts, StatefulCounters.DNS_ANSWERS + DnsAnswerOutcome.UNTRUSTED_RESOLVER.ordinal());
            return;
        }
        DnsAnswerParser a = observedAnswer;
        DnsParseStatus status = a.parse(buf, offset, length);
        if (status == DnsParseStatus.MALFORMED) {
            StatefulCounters.increment(counts, StatefulCounters.DNS_ANSWERS + DnsAnswerOutcome.MALFORMED.ordinal());
            StatefulCounters.increment(
                    counts,
                    StatefulCounters.DNS_ANSWERS_MALFORMED + a.malformedReason().ordinal());
            return;
        }
        if (status != DnsParseStatus.DONE) return;
        long key = queryKey(a.transactionId(), a.questionType(), a.chainBytes(), a.chainLength(0));
        if (!flows.takeQuery(slot, key)) {
            StatefulCounters.increment(counts, StatefulCounters.DNS_ANSWERS + DnsAnswerOutcome.UNMATCHED.ordinal());
            return;
        }
        StatefulCounters.increment(counts, StatefulCounters.DNS_ANSWERS + DnsAnswerOutcome.ACCEPTED.ordinal());
        ResolvedAddresses resolved = flows.resolved();
        long endpoint = table.readKey(slot, keyScratch).endpointId();
        for (int i = 0; i < a.addressCount(); i++) {
            for (int n = 0; n < a.chainCount(); n++) {
                resolved.record(
                        endpoint,
                        packet.ipVersion(),
                        packet.dstAddrHi(),
                        packet.dstAddrLo(), // the client: this answer travels to it
                        a.chainBytes(),
                        a.chainOffset(n),
                        a.chainLength(n),
                        a.addressVersion(i),
                        a.addressHi(i),
                        a.addressLo(i),
                        a.addressTtlSeconds(i),
                        nowNanos);
            }
        }
    }

    /** A query as the flow remembers it: ID, type and a hash of the name, ASCII case folded (resolvers echo 0x20). */
    static long queryKey(int id, int type, byte[] name, int length) {
        int h = 0x811C9DC5;
        for (int i = 0; i < length; i++) {
            byte b = name[i];
            h = (h ^ (b >= 'A' && b <= 'Z' ? b + 32 : b & 0xFF)) * 0x01000193;
        }
        return 1L << 63 | (long) (id & 0xFFFF) << 47 | (long) (type & 0xFFFF) << 31 | (h & 0x7FFF_FFFFL);
    }

    /**
     * Checks the name the deciding pass rule matched (the SNI or HTTP host of the message this packet completed)
     * against the flow's destination; logs a failure as an alert with {@code destination_binding}. Returns whether the
     * flow is to be dropped instead.
     */
    private boolean bindingFails(DestinationBindingMode mode, int ruleIndex, FlowTable table, int slot) {
        AppParsers parsers = messageParsers;
        if (parsers == null) return false;
        byte[] src;
        int offset;
        int length;
        if (parsers.tlsHelloDone() && parsers.tls.hasSni()) {
            src = parsers.tls.buffer();
            offset = parsers.tls.sniOffset();
            length = parsers.tls.sniLength();
        } else if (parsers.httpRequestDone() && parsers.http.hasHost()) {
            src = parsers.http.host();
            offset = 0;
            length = parsers.http.hostLength();
        } else {
            return false;
        }
        if (length > 0 && src[offset + length - 1] == '.') length--; // "example.com." is the same DNS name
        length = Math.min(length, bindingName.length);
        for (int i = 0; i < length; i++) {
            byte b = src[offset + i];
            bindingName[i] = b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
        }
        bindingNameLength = length;
        PacketContext c = ctx;
        ResolvedAddresses resolved = flows.resolved();
        BindingResult result = resolved == null
                ? BindingResult.UNRESOLVED
                : resolved.check(
                        table.readKey(slot, keyScratch).endpointId(),
                        c.ipVersion,
                        c.toServer ? c.srcHi : c.dstHi,
                        c.toServer ? c.srcLo : c.dstLo,
                        bindingName,
                        0,
                        length,
                        c.ipVersion,
                        c.toServer ? c.dstHi : c.srcHi,
                        c.toServer ? c.dstLo : c.srcLo,
                        nowNanos);
        StatefulCounters.increment(counts, StatefulCounters.BINDING_CHECKS + result.ordinal());
        if (result == BindingResult.BOUND) return false;
        // A client may still use an answer it cached before the appliance started: unresolved only alerts until then.
        boolean inGrace =
                nowNanos - firstSeenNanos < flows.bindingConfig().startupGrace().toNanos();
        boolean drop = mode == DestinationBindingMode.ENFORCE && (result == BindingResult.MISMATCH || !inGrace);
        bindingResult = result;
        try {
            countedAlerts.alert(
                    ruleIndex,
                    org.gwlbinspect.detect.Action.PASS,
                    drop ? org.gwlbinspect.detect.engine.Verdict.DROP : org.gwlbinspect.detect.engine.Verdict.PASS);
        } finally {
            bindingResult = null;
        }
        return drop;
    }

    /** The result of the failed binding check being logged, null otherwise (read by the alert sink). */
    BindingResult bindingResult() {
        return bindingResult;
    }

    /** The name of the failed binding check being logged: lowercased, in {@link #bindingName()}. */
    byte[] bindingName() {
        return bindingName;
    }

    int bindingNameLength() {
        return bindingNameLength;
    }

    private void countAlert(
            int ruleIndex, org.gwlbinspect.detect.Action action, org.gwlbinspect.detect.engine.Verdict v) {
        StatefulCounters.increment(counts, StatefulCounters.ALERTS);
        if (ruleIndex < 0) defaultAlerted = true;
        if (ruleIndex >= 0 && action == org.gwlbinspect.detect.Action.ALERT) ruleHits.hit(ruleIndex);
        alerts.alert(ruleIndex, action, v);
    }

    private Verdict outcome(StatefulOutcome outcome) {
        return outcome(outcome, Verdict.PASS);
    }

    private Verdict outcome(StatefulOutcome outcome, Verdict verdict) {
        StatefulCounters.increment(counts, outcome.ordinal());
        if (verdict != Verdict.PASS) dropReason = outcome.dropReason();
        return verdict;
    }

    /** Why the last packet this stage did not pass was dropped ({@link PacketInspector#dropReason()}). */
    public DropReason dropReason() {
        return dropReason;
    }

    private static void hex(byte[] digest, byte[] out) {
        for (int i = 0; i < digest.length; i++) {
            out[2 * i] = HEX[(digest[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[digest[i] & 0xF];
        }
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    // ---- what the alert sink reads about the packet being inspected ------------------------------------------------

    RuleHits ruleHits() {
        return ruleHits;
    }

    PacketContext context() {
        return ctx;
    }

    CompiledPolicy policy() {
        return evaluatorPolicy;
    }

    long nowNanos() {
        return nowNanos;
    }

    /** The application protocol the packet was evaluated with. */
    AppLayer appLayer() {
        return appLayer;
    }

    FlowTable table() {
        return table;
    }

    /** The names flows announced (SNI, HTTP host), for alerts on packets after the message. */
    FlowNames flowNames() {
        return flows.names();
    }

    int slot() {
        return slot;
    }

    /** The parsers of the message this packet completed, null if none. */
    AppParsers messageParsers() {
        return messageParsers;
    }

    /** The parsers whose server handshake this packet completed (certificate, TLS 1.3 or given up), null if none. */
    AppParsers serverParsers() {
        return serverParsers;
    }

    /** The UDP DNS query parser, when this packet was a DNS query datagram. */
    DnsQueryParser datagramDns() {
        return dnsDatagram ? datagramDns : null;
    }

    /** Feeds reassembled server bytes to the flow's server handshake parser and to stream payload matching. */
    private final class ServerStreamFeed implements StreamDataSink {
        AppParsers parsers;

        @Override
        public void onStreamData(ByteBuf buffer, int offset, int length, long streamOffset) {
            if (parsers != null) parsers.feedServer(buffer, offset, length, streamOffset);
            streamPayload.onStreamData(buffer, offset, length, streamOffset);
            recordWalk.onStreamData(buffer, offset, length, streamOffset);
        }

        @Override
        public void onSegmentEnd(long nextStreamOffset) {
            streamPayload.onSegmentEnd();
            recordWalk.onSegmentEnd();
        }
    }

    /** Feeds reassembled client bytes to the flow's parsers and to stream payload matching. */
    private final class StreamFeed implements StreamDataSink {
        AppParsers parsers;
        int srcPort;
        int dstPort;

        @Override
        public void onStreamData(ByteBuf buffer, int offset, int length, long streamOffset) {
            if (parsers != null) parsers.feed(buffer, offset, length, detector, srcPort, dstPort);
            streamPayload.onStreamData(buffer, offset, length, streamOffset);
            recordWalk.onStreamData(buffer, offset, length, streamOffset);
        }

        @Override
        public void onSegmentEnd(long nextStreamOffset) {
            streamPayload.onSegmentEnd();
            recordWalk.onSegmentEnd();
        }
    }

    /**
     * A segment's view of its direction's stream for stream payload rules: the direction's lookback followed by the
     * bytes the segment made contiguous, in this worker's array. The flow's {@link StreamMatchState} is read and
     * written only inside the reassembly callbacks, while this worker holds the direction. In a direction no stream
     * rule can match (by the flow keywords, {@link RuleEvaluator#inspectsStream}, or by the rules' headers,
     * {@link StreamRuleHeaders}) it only notes that the segment delivered new bytes: no lookback, no copy, no scan,
     * and the direction's match state and Hyperscan stream are never opened.
     */
    private final class StreamPayload {
        /** Reassembly of this segment collects for payload matching (set per segment, before the callbacks). */
        boolean active;
        /** Some stream rule can match this direction: the bytes are collected and scanned (set with active). */
        boolean collects;

        private int handle;
        private int direction;
        private StreamMatchState state;
        byte[] bytes = new byte[StreamMatchState.LOOKBACK_BYTES + PAYLOAD_SCRATCH];
        int length;
        int newFrom;
        /** Stream offset of the first new byte, -1 until the segment delivered one. */
        long newStart = -1;

        void begin(int handle, int direction, boolean collects) {
            this.active = true;
            this.collects = collects;
            this.handle = handle;
            this.direction = direction;
            this.state = null;
            this.length = 0;
            this.newStart = -1;
        }

        void onStreamData(ByteBuf buffer, int offset, int length, long streamOffset) {
            if (!active) return;
            if (!collects) {
                if (newStart < 0) newStart = streamOffset;
                return;
            }
            if (newStart < 0) {
                state = flows.streamMatch(handle, direction);
                newStart = streamOffset;
                this.length = state.copyLookback(bytes, streamOffset);
                newFrom = this.length;
            }
            if (this.length + length > bytes.length) {
                // bigger than any segment before (a gap filled with many buffered bytes): grows once, never shrinks
                bytes = java.util.Arrays.copyOf(bytes, Math.max(this.length + length, bytes.length * 2));
            }
            ByteBufs.copy(buffer, offset, bytes, this.length, length);
            this.length += length;
        }

        void onSegmentEnd() {
            if (!active || !collects || newStart < 0) return;
            evaluator.scanStream(state, bytes, newFrom, length, newStart);
            state.keepLookback(bytes, length, newStart + (length - newFrom));
            state = null;
        }

        boolean hasData() {
            return active && newStart >= 0;
        }
    }

    /**
     * A segment's pass through its direction's {@link TlsRecordTracker}, which is read and written only inside the
     * reassembly callbacks, while this worker holds the direction (as {@link StreamPayload}'s state).
     */
    private final class RecordWalk {
        /** This segment is walked (set per segment, before the callbacks). */
        boolean active;
        /** The packet completed a non-empty application_data record (read after the segment). */
        boolean applicationData;

        private int handle;
        private int direction;
        private TlsRecordTracker tracker;

        void begin(int handle, int direction) {
            this.active = true;
            this.handle = handle;
            this.direction = direction;
            this.tracker = null;
        }

        void onStreamData(ByteBuf buffer, int offset, int length, long streamOffset) {
            if (!active) return;
            if (tracker == null) tracker = flows.recordTracker(handle, direction);
            tracker.feed(buffer, offset, length, streamOffset);
        }

        void onSegmentEnd() {
            if (!active) return;
            if (tracker != null && tracker.takeApplicationData()) applicationData = true;
            tracker = null;
            active = false;
        }
    }
}
