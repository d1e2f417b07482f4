package org.gwlbinspect.stateful;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.detect.Buffer;
import org.gwlbinspect.detect.BufferInspection;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.engine.AlertSink;
import org.gwlbinspect.detect.engine.ConnectionState;
import org.gwlbinspect.detect.engine.Decision;
import org.gwlbinspect.detect.engine.FlowRuleState;
import org.gwlbinspect.detect.engine.PacketContext;
import org.gwlbinspect.detect.engine.RuleEvaluator;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.l7.AppProtocol;
import org.gwlbinspect.l7.AppProtocolDetector;
import org.gwlbinspect.l7.DnsParseStatus;
import org.gwlbinspect.l7.DnsQueryParser;
import org.gwlbinspect.l7.HttpRequestParser;
import org.gwlbinspect.l7.TlsClientHelloParser;
import org.gwlbinspect.policy.StreamExceptionPolicy;
import org.gwlbinspect.stream.StreamDataSink;
import org.gwlbinspect.stream.StreamEvent;
import org.gwlbinspect.stream.StreamEventCounters;
import org.gwlbinspect.stream.TcpStreamPool;
import org.gwlbinspect.verdict.Verdict;

/**
 * The stateful engine for one worker (policy.md §2.3–§2.8): per packet of a flow the stateless engine forwarded, it
 * updates the flow's connection state, reassembles the client's stream until its first application message is parsed,
 * fills the {@link PacketContext} (addresses, direction, established, app protocol, sticky buffers of a message
 * completed by this packet, payload) and runs the {@link RuleEvaluator}. A flow-scoped verdict is stored in the flow's
 * {@link PolicyWord}; later packets of the flow take it without inspection and are counted as the fast path.
 *
 * <p>Application messages are inspected on the packet that completes them (Suricata inspects a transaction when its
 * parser has it): until then the packets of a split ClientHello or request header are evaluated without its buffers,
 * so {@code aws:drop_established} drops them as NFW does (policy.md §5 "SNI split across TCP segments"); the client
 * retransmits once the flow is passed. After the first message the stream state and parsers go back to their pools:
 * later messages of a connection (HTTP keep-alive) are not parsed, and payload rules see single packets.
 *
 * <p>Stream exception policy (§2.8): a TCP flow picked up midstream, or one whose reassembly or parser state could not
 * be allocated or ran out of memory, is dropped ({@code DROP}), reset ({@code REJECT}), or inspected without its
 * application layer ({@code CONTINUE}: app-layer rules no longer match, {@code app-layer-protocol:failed} does).
 * A segment reassembly reports as unsafe (overlap with different bytes, beyond the window or the buffer limits) is
 * dropped unless the policy is {@code CONTINUE}: every byte the server can accept is then a byte that was inspected.
 *
 * <p>Not thread-safe: one instance per worker. Allocates only when the policy changes (a new evaluator).
 */
public final class StatefulInspector {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int CLIENT_STREAM = 0;
    private static final int PAYLOAD_SCRATCH = 65_536;

    private final StatefulFlows flows;
    private final AtomicLongArray counts;
    private final StreamEventCounters streamCounters;
    private final PacketContext ctx = new PacketContext();
    private final FlowRuleState ruleState = new FlowRuleState();
    private final AppProtocolDetector detector = new AppProtocolDetector();
    private final DnsQueryParser datagramDns = new DnsQueryParser();
    private final StreamFeed feed = new StreamFeed();
    private final byte[] payload = new byte[PAYLOAD_SCRATCH];
    private final byte[] ja3 = new byte[32];
    private final byte[] ja3Digest = new byte[16];
    /** Where a failed state acquisition on a SYN is counted: not an event, the first payload tries again. */
    private final StreamEventCounters uncounted = new StreamEventCounters();

    private AlertSink alerts = AlertSink.NONE;
    private final AlertSink countedAlerts = this::countAlert;

    private CompiledPolicy evaluatorPolicy;
    private RuleEvaluator evaluator;
    private long generation;
    private boolean inspectsPayload;

    // The packet being inspected, for the alert sink.
    private FlowTable table;
    private int slot;
    private AppParsers messageParsers;
    private boolean dnsDatagram;

    public StatefulInspector(StatefulFlows flows, StatefulCounters counters) {
        this.flows = flows;
        this.counts = counters.newWorker();
        this.streamCounters = counters.newStreamCounters();
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
        this.dnsDatagram = false;
        try {
            return inspectFlowPacket(packet, buf, table, slot, direction);
        } finally {
            this.table = null;
        }
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

        fillContext(packet, toServer, before, connection);
        StreamEvent event = StreamEvent.NONE;
        if (!appLayerOff && (word & PolicyWord.APP_DONE) == 0) {
            if (protocol == TCP && toServer) {
                event = reassemble(packet, buf, table, slot, word);
                word = table.policyState(slot);
                app = PolicyWord.app(word);
            } else if (protocol == UDP && toServer && packet.payloadLength() > 0) {
                app = inspectDatagram(packet, buf, table, slot, app);
            }
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
        ctx.appProtocol = app.ruleProtocol();
        ctx.appProtocolFailed = app == AppLayer.FAILED;
        if (inspectsPayload && packet.payloadLength() > 0) {
            int length = Math.min(packet.payloadLength(), payload.length);
            buf.getBytes(packet.payloadOffset(), payload, 0, length);
            ctx.setBuffer(Buffer.PAYLOAD, payload, 0, length);
        }

        long flowbits = PolicyWord.generation(word) == (int) (generation & 0xFFFF) ? flows.flowbits(slot) : 0;
        ruleState.load(flowbits, PolicyWord.verdictWord(word));
        Decision decision = evaluator.evaluate(ctx, ruleState, countedAlerts);
        flows.flowbits(slot, ruleState.flowbits());
        long updated = PolicyWord.withGeneration(0, generation);
        long mask = PolicyWord.GENERATION_FIELD;
        if (decision.flowScoped()) {
            updated = PolicyWord.withVerdict(updated, ruleState.verdict());
            mask |= PolicyWord.VERDICT_FIELD;
        }
        PolicyWord.update(table, slot, mask, updated);
        if (messageParsers != null) releaseMessageState(table, slot);
        if (unsafe && decision.packetVerdict() == org.gwlbinspect.detect.engine.Verdict.PASS) {
            return outcome(StatefulOutcome.STREAM_UNSAFE_DROP, Verdict.DROP);
        }
        return switch (decision.verdict()) {
            case NONE -> outcome(StatefulOutcome.NO_DECISION);
            case PASS -> outcome(StatefulOutcome.RULE_PASS);
            case DROP -> outcome(StatefulOutcome.DROP, Verdict.DROP);
            case REJECT -> outcome(StatefulOutcome.REJECT, Verdict.REJECT);
        };
    }

    private void fillContext(InnerPacket packet, boolean toServer, long before, long connection) {
        PacketContext c = ctx;
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
    }

    /**
     * Feeds a client→server TCP segment to the flow's stream. The state is taken on the client's SYN, so that
     * reassembly is anchored at the initial sequence number (a flow whose first data segment arrives out of order is
     * still read from its first byte); a flow that got none then tries again at its first payload.
     */
    private StreamEvent reassemble(InnerPacket packet, ByteBuf buf, FlowTable table, int slot, long word) {
        int length = packet.payloadLength();
        boolean syn = (packet.tcpFlags() & 0x02) != 0;
        if (length == 0 && !syn) return StreamEvent.NONE;
        TcpStreamPool streams = flows.streams();
        int handle = table.policyIndex(slot);
        if (handle == TcpStreamPool.NO_STREAM) {
            if (length == 0) {
                handle = streams.acquire(uncounted);
                if (handle == TcpStreamPool.NO_STREAM) return StreamEvent.NONE; // retried at the first payload
            } else {
                handle = streams.acquire(streamCounters);
                if (handle == TcpStreamPool.NO_STREAM) return StreamEvent.STATE_POOL_EXHAUSTED;
            }
            table.setPolicyIndex(slot, handle);
        }
        AppParsers parsers = null;
        if (length > 0) {
            int index = PolicyWord.parsers(word);
            if (index < 0) {
                index = flows.acquireParsers();
                if (index < 0) {
                    StatefulCounters.increment(counts, StatefulCounters.PARSERS_EXHAUSTED);
                    return StreamEvent.STATE_POOL_EXHAUSTED;
                }
                PolicyWord.update(table, slot, PolicyWord.PARSERS_FIELD, PolicyWord.withParsers(0, index));
            }
            parsers = flows.parsers(index);
        }
        feed.parsers = parsers;
        feed.srcPort = packet.srcPort();
        feed.dstPort = packet.dstPort();
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
                    parsers == null ? StreamDataSink.NONE : feed,
                    streamCounters);
        } finally {
            feed.parsers = null;
        }
        if (parsers != null) {
            AppLayer detected = parsers.detected();
            if (parsers.done()) {
                messageParsers = parsers;
                setMessageBuffers(parsers);
                StatefulCounters.increment(counts, StatefulCounters.APP_LAYER_BY_PROTOCOL + detected.ordinal());
                PolicyWord.update(
                        table,
                        slot,
                        PolicyWord.APP_FIELD | PolicyWord.APP_DONE,
                        PolicyWord.withApp(PolicyWord.APP_DONE, detected));
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
                    PolicyWord.APP_FIELD | PolicyWord.APP_DONE,
                    PolicyWord.withApp(PolicyWord.APP_DONE, app == AppLayer.NOT_YET ? AppLayer.UNKNOWN : app));
            if (messageParsers == null) releaseMessageState(table, slot);
        }
        return event;
    }

    /** Sets the sticky buffers of a completed first message on the packet that completed it. */
    private void setMessageBuffers(AppParsers parsers) {
        if (parsers.tlsHelloDone()) {
            TlsClientHelloParser tls = parsers.tls;
            ctx.tlsClientHello = true;
            ctx.sslVersion = tls.legacyVersion();
            if (tls.hasSni()) ctx.setBuffer(Buffer.TLS_SNI, tls.buffer(), tls.sniOffset(), tls.sniLength());
            if (tls.ja3Md5(ja3Digest)) {
                hex(ja3Digest, ja3);
                ctx.setBuffer(Buffer.JA3_HASH, ja3, 0, ja3.length);
            }
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
        } else if (parsers.dnsQueryDone()) {
            DnsQueryParser dns = parsers.dns;
            ctx.setBuffer(Buffer.DNS_QUERY, dns.query(), 0, dns.queryLength());
        }
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
                PolicyWord.update(table, slot, PolicyWord.APP_FIELD, PolicyWord.withApp(0, AppLayer.DNS));
            }
            return AppLayer.DNS;
        }
        if (app == AppLayer.NOT_YET) {
            // Suricata decides a UDP flow's protocol on its first datagram.
            StatefulCounters.increment(counts, StatefulCounters.APP_LAYER_BY_PROTOCOL + AppLayer.UNKNOWN.ordinal());
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

    /** Gives the flow's stream state and parser set back once its first message is done (or inspection ended). */
    private void releaseMessageState(FlowTable table, int slot) {
        int handle = table.policyIndex(slot);
        if (handle != TcpStreamPool.NO_STREAM) {
            table.setPolicyIndex(slot, TcpStreamPool.NO_STREAM);
            flows.streams().release(handle);
        }
        while (true) {
            long current = table.policyState(slot);
            int index = PolicyWord.parsers(current);
            if (index < 0) return;
            // Exactly one of this worker and the flow's end (StatefulFlows.onFlowEnd) clears the field and frees it.
            if (table.compareAndSetPolicyState(slot, current, PolicyWord.withParsers(current, -1))) {
                flows.releaseParsers(index);
                return;
            }
        }
    }

    private void usePolicy(CompiledPolicy policy, long policyGeneration) {
        if (evaluator != null) evaluator.close(); // its Hyperscan scratch now, rather than when the GC gets to it
        evaluator = new RuleEvaluator(policy);
        evaluatorPolicy = policy;
        generation = policyGeneration;
        boolean payloadRules = false;
        for (CompiledPolicy.CompiledRule rule : policy.rules()) {
            for (BufferInspection inspection : rule.signature().inspections()) {
                payloadRules |= inspection.buffer() == Buffer.PAYLOAD;
            }
        }
        inspectsPayload = payloadRules;
    }

    private void countAlert(
            int ruleIndex, org.gwlbinspect.detect.Action action, org.gwlbinspect.detect.engine.Verdict v) {
        StatefulCounters.increment(counts, StatefulCounters.ALERTS);
        alerts.alert(ruleIndex, action, v);
    }

    private Verdict outcome(StatefulOutcome outcome) {
        return outcome(outcome, Verdict.PASS);
    }

    private Verdict outcome(StatefulOutcome outcome, Verdict verdict) {
        StatefulCounters.increment(counts, outcome.ordinal());
        return verdict;
    }

    private static void hex(byte[] digest, byte[] out) {
        for (int i = 0; i < digest.length; i++) {
            out[2 * i] = HEX[(digest[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[digest[i] & 0xF];
        }
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    // ---- what the alert sink reads about the packet being inspected ------------------------------------------------

    PacketContext context() {
        return ctx;
    }

    FlowTable table() {
        return table;
    }

    int slot() {
        return slot;
    }

    /** The parsers of the message this packet completed, null if none. */
    AppParsers messageParsers() {
        return messageParsers;
    }

    /** The UDP DNS query parser, when this packet was a DNS query datagram. */
    DnsQueryParser datagramDns() {
        return dnsDatagram ? datagramDns : null;
    }

    /** Feeds reassembled client bytes to the flow's parsers. */
    private final class StreamFeed implements StreamDataSink {
        AppParsers parsers;
        int srcPort;
        int dstPort;

        @Override
        public void onStreamData(ByteBuf buffer, int offset, int length, long streamOffset) {
            if (parsers != null) parsers.feed(buffer, offset, length, detector, srcPort, dstPort);
        }
    }
}
