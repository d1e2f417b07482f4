package org.gwlbinspect.stateful;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.detect.Action;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.MetadataEntry;
import org.gwlbinspect.detect.Signature;
import org.gwlbinspect.detect.engine.AlertSink;
import org.gwlbinspect.detect.engine.PacketContext;
import org.gwlbinspect.detect.engine.RuleEvaluator;
import org.gwlbinspect.detect.engine.Verdict;
import org.gwlbinspect.eve.EpochClock;
import org.gwlbinspect.eve.EveProducer;
import org.gwlbinspect.eve.EveRecord;
import org.gwlbinspect.eve.FlowIds;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flowlog.FlowRecords;
import org.gwlbinspect.l7.DnsQueryParser;
import org.gwlbinspect.l7.HttpRequestParser;
import org.gwlbinspect.l7.TlsClientHelloParser;

/**
 * Writes one EVE {@code alert} record per logged match (policy.md §4) into the worker's ring, in NFW's shape: the
 * rule's sid, rev, msg, classtype category and severity, {@code alert.action} {@code blocked} when the packet is
 * dropped or rejected, the packet's {@code verdict}, and the {@code tls} / {@code http} / {@code dns} fields of the
 * message the packet completed. Default alert actions log as sid 2 ({@code aws:alert_strict}) and sid 4 ({@code
 * aws:alert_established}) under the policy's ARN. The flow is marked alerted for its netflow records. In monitor mode a
 * drop or reject is logged {@code allowed} with verdict {@code alert} and a {@code would_verdict} object.
 *
 * <p>One per worker, on the worker thread. Allocates only when the policy changes (rule metadata rendered once); a
 * full ring loses the record, counted by the {@link EveProducer}. {@code tls.version} is the version the server
 * negotiated once its ServerHello was parsed, {@code UNDETERMINED} before (on the ClientHello). The other application
 * fields are those of the packet that completed the message (the server's certificate packet carries the SNI too);
 * alerts on later packets of the flow carry {@code app_proto}, the TLS version and the flow's {@code tls.sni} or {@code
 * http.hostname}, kept in {@link FlowNames} (bounded: a flow that found no free name logs without it).
 */
public final class EveAlerts implements AlertSink {
    private static final String ALERT_STRICT = "aws:alert_strict action";
    private static final String ALERT_ESTABLISHED = "aws:alert_established action";
    private static final int DEFAULT_SEVERITY = 3;

    private final StatefulInspector inspector;
    private final EveProducer producer;
    private final EpochClock clock;
    private final FlowRecords flowRecords;
    private CompiledPolicy metadataFor;
    private String[] metadata = new String[0];

    /**
     * @param producer this worker's ring, or null to only mark flows alerted (logs disabled)
     */
    public EveAlerts(StatefulInspector inspector, EveProducer producer, EpochClock clock, FlowRecords flowRecords) {
        this.inspector = inspector;
        this.producer = producer;
        this.clock = clock;
        this.flowRecords = flowRecords;
        inspector.alertSink(this);
    }

    @Override
    public void alert(int ruleIndex, Action action, Verdict packetVerdict) {
        FlowTable table = inspector.table();
        int slot = inspector.slot();
        flowRecords.markAlerted(slot);
        if (producer == null) return;
        CompiledPolicy policy = inspector.policy();
        if (policy != metadataFor) renderMetadata(policy);
        EveRecord r = producer.claim(EveRecord.EventType.ALERT);
        if (r == null) return; // counted as lost by the producer
        PacketContext c = inspector.context();
        r.timestampMicros(clock.epochMicros(inspector.nowNanos()))
                .flowId(FlowIds.of(slot, table.generation(slot)))
                .ports(c.srcPort, c.dstPort)
                .proto(c.ipProtocol)
                .appProto(inspector.appLayer().eve())
                .direction(c.toServer ? EveRecord.Direction.TO_SERVER : EveRecord.Direction.TO_CLIENT);
        if (c.ipVersion == 4) r.ipv4(c.srcLo, c.dstLo);
        else r.ipv6(c.srcHi, c.srcLo, c.dstHi, c.dstLo);
        boolean blocks = packetVerdict == Verdict.DROP || packetVerdict == Verdict.REJECT;
        // Monitor mode passes the packet: the record says so (as Suricata in IDS mode does for drop rules) and names
        // what enforcement would have done in would_verdict.
        boolean monitored = blocks && inspector.monitor();
        EveRecord.AlertAction alertAction =
                blocks && !monitored ? EveRecord.AlertAction.BLOCKED : EveRecord.AlertAction.ALLOWED;
        if (ruleIndex >= 0) {
            CompiledPolicy.CompiledRule rule = policy.rules().get(ruleIndex);
            Signature sig = rule.signature();
            r.alert(alertAction, sig.sid(), (int) sig.rev(), sig.msg(), sig.category(), sig.severity());
            if (metadata[ruleIndex] != null) r.metadataJson(metadata[ruleIndex]);
            if (rule.groupArn() != null) r.resourceArn(rule.groupArn());
        } else {
            String signature =
                    switch (ruleIndex) {
                        case RuleEvaluator.DEFAULT_ALERT_STRICT -> ALERT_STRICT;
                        case RuleEvaluator.DEFAULT_ALERT_ESTABLISHED_APP_LAYER ->
                            "aws:alert_established_app_layer action";
                        case RuleEvaluator.DEFAULT_ALERT_ESTABLISHED_APP_LAYER_TO_SERVER ->
                            "aws:alert_established_app_layer_to_server action";
                        default -> ALERT_ESTABLISHED;
                    };
            r.alert(alertAction, -ruleIndex, 0, signature, "", DEFAULT_SEVERITY);
            if (policy.policy().arn() != null) r.resourceArn(policy.policy().arn());
        }
        if (monitored) {
            r.verdict(EveRecord.VerdictAction.ALERT)
                    .wouldVerdict(EveRecord.VerdictAction.DROP, packetVerdict == Verdict.REJECT);
        } else {
            switch (packetVerdict) {
                case DROP -> r.verdict(EveRecord.VerdictAction.DROP);
                case REJECT -> r.rejectVerdict();
                default ->
                    r.verdict(action == Action.PASS ? EveRecord.VerdictAction.PASS : EveRecord.VerdictAction.ALERT);
            }
        }
        appLayerFields(r, c);
        BindingResult binding = inspector.bindingResult();
        if (binding != null) {
            r.destinationBinding(inspector.bindingName(), 0, inspector.bindingNameLength(), binding.label());
        }
        producer.publish();
    }

    private void appLayerFields(EveRecord r, PacketContext c) {
        AppParsers parsers = inspector.messageParsers();
        AppParsers server = inspector.serverParsers();
        if (parsers != null && parsers.tlsHelloDone()) {
            TlsClientHelloParser tls = parsers.tls;
            r.tls(0, false); // on the ClientHello the version is "UNDETERMINED" (policy.md §4)
            if (tls.hasSni()) r.sni(tls.buffer(), tls.sniOffset(), tls.sniLength());
        } else if (server != null) {
            // The server's packet that completed its certificate (or ServerHello): the set still holds the ClientHello.
            r.tls(server.serverTls.negotiatedVersion(), false);
            TlsClientHelloParser tls = server.tls;
            if (tls.hasSni()) r.sni(tls.buffer(), tls.sniOffset(), tls.sniLength());
        } else if (parsers != null && parsers.httpRequestDone()) {
            HttpRequestParser http = parsers.http;
            byte[] b = http.buffer();
            r.http(EveRecord.ABSENT, 0);
            if (http.hasHost()) r.httpHostname(http.host(), 0, http.hostLength());
            r.httpUrl(b, http.uriOffset(), http.uriLength());
            if (http.userAgentOffset() >= 0) r.httpUserAgent(b, http.userAgentOffset(), http.userAgentLength());
            r.httpMethod(b, http.methodOffset(), http.methodLength());
            r.httpProtocol(b, http.protocolOffset(), http.protocolLength());
        } else if (parsers != null && parsers.dnsQueryDone()) {
            dns(r, parsers.dns);
        } else if (inspector.datagramDns() != null) {
            dns(r, inspector.datagramDns());
        } else if (inspector.appLayer() == AppLayer.TLS) {
            r.tls(PolicyWord.tlsVersion(inspector.table().policyState(inspector.slot())), false);
            FlowNames names = inspector.flowNames();
            int slot = inspector.slot();
            if (names.kind(slot) == FlowNames.Kind.TLS_SNI)
                r.sni(names.bytes(), names.offset(slot), names.length(slot));
        } else if (inspector.appLayer() == AppLayer.HTTP) {
            // A later packet of an HTTP flow: NFW still logs the request's host (policy.md §4).
            FlowNames names = inspector.flowNames();
            int slot = inspector.slot();
            if (names.kind(slot) == FlowNames.Kind.HTTP_HOST) {
                r.http(EveRecord.ABSENT, 0);
                r.httpHostname(names.bytes(), names.offset(slot), names.length(slot));
            }
        }
    }

    private static void dns(EveRecord r, DnsQueryParser dns) {
        r.dnsQuery(dns.query(), 0, dns.queryLength(), dns.queryType());
    }

    /** {@code alert.metadata} as NFW writes it: {@code {"key":["value", ...]}}, rendered once per policy. */
    private void renderMetadata(CompiledPolicy policy) {
        List<CompiledPolicy.CompiledRule> rules = policy.rules();
        String[] rendered = new String[rules.size()];
        JsonFactory json = new JsonFactory();
        for (int i = 0; i < rendered.length; i++) {
            List<MetadataEntry> entries = rules.get(i).signature().metadata();
            if (entries.isEmpty()) continue;
            Map<String, List<String>> byKey = new LinkedHashMap<>();
            for (MetadataEntry e : entries)
                byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e.value());
            StringWriter out = new StringWriter();
            try (JsonGenerator g = json.createGenerator(out)) {
                g.writeStartObject();
                for (Map.Entry<String, List<String>> e : byKey.entrySet()) {
                    g.writeArrayFieldStart(e.getKey());
                    for (String v : e.getValue()) g.writeString(v);
                    g.writeEndArray();
                }
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            rendered[i] = out.toString();
        }
        metadata = rendered;
        metadataFor = policy;
    }
}
