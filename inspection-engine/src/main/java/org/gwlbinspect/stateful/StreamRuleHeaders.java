package org.gwlbinspect.stateful;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.detect.AddressMatcher;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.Direction;
import org.gwlbinspect.detect.FlowCondition.FlowDirection;
import org.gwlbinspect.detect.PortMatcher;
import org.gwlbinspect.detect.RuleType;
import org.gwlbinspect.detect.Signature;
import org.gwlbinspect.detect.engine.PacketContext;

/**
 * Whether any stream or packet-stream payload rule of a policy (policy.md §3.3) can match the packets of one direction
 * of a TCP flow, from the rules' headers alone: addresses, ports, the direction operator and {@code flow:to_server} or
 * {@code to_client}. A direction no such rule can match needs no payload matching of its reassembled stream (no
 * lookback copy, no Hyperscan stream): Suricata likewise turns raw reassembly off for a flow direction whose first
 * signature group has no raw-stream signature ({@code src/detect.c}, {@code STREAMTCP_STREAM_FLAG_DISABLE_RAW}). The
 * direction is still reassembled for its parsers, its record walk and the evasion checks; only what stream rules would
 * read of it is skipped.
 *
 * <p>Rules with the same header are one group, checked once per segment: a typical IPS set has a handful
 * ({@code $HOME_NET any -> $EXTERNAL_NET any} with {@code to_server}, the reverse with {@code to_client}, a few port
 * groups). A policy with more than {@link #MAX_GROUPS} distinct headers is not checked (every direction may match):
 * the check would cost more per segment than it saves. Address groups are compared by their ranges (two rule groups may
 * give {@code $HOME_NET} different values); port groups by their text unless it names a variable, then each is a group
 * of its own (its ranges are not readable here).
 *
 * <p>Immutable; built once per policy by each worker ({@link StatefulInspector}), read on its data path: allocates
 * nothing per call.
 */
final class StreamRuleHeaders {
    /** Most distinct headers checked per segment. */
    static final int MAX_GROUPS = 8;

    /** Null when there are too many headers to check: every direction may match. */
    private final Header[] headers;

    private StreamRuleHeaders(Header[] headers) {
        this.headers = headers;
    }

    /** The headers of the policy's stream and packet-stream rules that can match TCP. */
    static StreamRuleHeaders of(CompiledPolicy policy) {
        Map<List<Object>, Header> distinct = new LinkedHashMap<>();
        Map<AddressMatcher, String> addressKeys = new IdentityHashMap<>();
        for (CompiledPolicy.CompiledRule rule : policy.rules()) {
            Signature sig = rule.signature();
            if (sig.type() != RuleType.STREAM && sig.type() != RuleType.PACKET_STREAM) continue;
            if (!sig.protocol().matchesIpProtocol(6)) continue; // only TCP flows are reassembled
            Header header = new Header(
                    sig.source(),
                    sig.sourcePort(),
                    sig.direction() == Direction.BOTH,
                    sig.destination(),
                    sig.destinationPort(),
                    sig.flow().direction());
            List<Object> key = List.of(
                    addressKeys.computeIfAbsent(sig.source(), StreamRuleHeaders::ranges),
                    portKey(sig.sourcePort()),
                    header.both,
                    addressKeys.computeIfAbsent(sig.destination(), StreamRuleHeaders::ranges),
                    portKey(sig.destinationPort()),
                    header.flow);
            distinct.putIfAbsent(key, header);
            if (distinct.size() > MAX_GROUPS) return new StreamRuleHeaders(null);
        }
        return new StreamRuleHeaders(distinct.values().toArray(Header[]::new));
    }

    private static String ranges(AddressMatcher matcher) {
        StringBuilder key = new StringBuilder();
        matcher.visitRanges((version, startHi, startLo, endHi, endLo) -> key.append(version)
                .append(':')
                .append(startHi)
                .append('/')
                .append(startLo)
                .append('-')
                .append(endHi)
                .append('/')
                .append(endLo)
                .append(','));
        return key.toString();
    }

    private static Object portKey(PortMatcher matcher) {
        return matcher.toString().indexOf('$') < 0 ? matcher.toString() : matcher; // a variable: identity
    }

    /** Distinct headers checked per segment, or -1 when there are too many to check (tests, diagnostics). */
    int groups() {
        return headers == null ? -1 : headers.length;
    }

    /**
     * Whether some stream or packet-stream rule's header can match the packet in {@code ctx} (addresses, ports,
     * {@code toServer}): then its direction's stream is matched.
     */
    boolean canMatch(PacketContext ctx) {
        if (headers == null) return true;
        for (Header header : headers) {
            if (header.matches(ctx)) return true;
        }
        return false;
    }

    private record Header(
            AddressMatcher source,
            PortMatcher sourcePort,
            boolean both,
            AddressMatcher destination,
            PortMatcher destinationPort,
            FlowDirection flow) {

        boolean matches(PacketContext c) {
            if (flow == FlowDirection.TO_SERVER && !c.toServer) return false;
            if (flow == FlowDirection.TO_CLIENT && c.toServer) return false;
            return (sourcePort.matches(c.srcPort)
                            && destinationPort.matches(c.dstPort)
                            && source.matches(c.ipVersion, c.srcHi, c.srcLo)
                            && destination.matches(c.ipVersion, c.dstHi, c.dstLo))
                    || (both
                            && sourcePort.matches(c.dstPort)
                            && destinationPort.matches(c.srcPort)
                            && source.matches(c.ipVersion, c.dstHi, c.dstLo)
                            && destination.matches(c.ipVersion, c.srcHi, c.srcLo));
        }
    }
}
