package org.gwlbinspect.detect;

import java.util.List;
import java.util.Optional;

/**
 * One parsed and validated Suricata rule (policy.md §3): header matchers, typed options, payload inspections per
 * buffer in rule order, and the Suricata 7 rule type that decides whether its action covers the flow or the packet.
 *
 * @param line 1-based line of the rule in the rules text
 * @param gid generator id, 1 unless set
 * @param msg the message ({@code alert.signature}), empty when absent
 * @param classtype the classtype, or null
 * @param priority the {@code priority} keyword, 0 when absent
 * @param noalert {@code noalert} or {@code flowbits:noalert}: never log
 * @param alert the {@code alert} keyword: a pass rule logs its matches
 * @param conditions header/state keywords other than {@code flow} and {@code flowbits}, in rule order
 * @param inspections payload keywords per buffer, in the order the buffers were first selected
 */
public record Signature(
        int line,
        Action action,
        RuleProtocol protocol,
        AddressMatcher source,
        PortMatcher sourcePort,
        Direction direction,
        AddressMatcher destination,
        PortMatcher destinationPort,
        long sid,
        long rev,
        long gid,
        String msg,
        Classtype classtype,
        int priority,
        List<Reference> references,
        List<MetadataEntry> metadata,
        FlowCondition flow,
        List<FlowbitsOperation> flowbits,
        boolean noalert,
        boolean alert,
        List<Condition> conditions,
        List<BufferInspection> inspections,
        RuleType type) {

    public Signature {
        references = List.copyOf(references);
        metadata = List.copyOf(metadata);
        flowbits = List.copyOf(flowbits);
        conditions = List.copyOf(conditions);
        inspections = List.copyOf(inspections);
    }

    /** Whether a pass/drop/reject of this rule covers the flow or only the packet (policy.md §0 item 1). */
    public ActionScope scope() {
        return type.scope();
    }

    /** As {@link #scope()}, for a match made in the reassembled stream or not (stream rule types differ). */
    public ActionScope scope(boolean matchedInStream) {
        return type.scope(matchedInStream);
    }

    /** {@code alert.severity}: the priority keyword, else the classtype's priority, else 3 (policy.md §4). */
    public int severity() {
        if (priority > 0) return priority;
        return classtype != null ? classtype.priority() : Classtypes.DEFAULT_SEVERITY;
    }

    /** {@code alert.category}: the classtype's description, empty without classtype. */
    public String category() {
        return classtype != null ? classtype.description() : "";
    }

    /** Whether a match is logged: pass rules only with {@code alert}, others unless {@code noalert} (§4). */
    public boolean logsMatches() {
        if (noalert) return false;
        return action != Action.PASS || alert;
    }

    /** The inspection of {@code buffer}, if the rule has one. */
    public Optional<BufferInspection> inspection(Buffer buffer) {
        return inspections.stream().filter(i -> i.buffer() == buffer).findFirst();
    }

    /** The conditions of one kind, e.g. {@code conditions(Condition.Dsize.class)}. */
    public <T extends Condition> List<T> conditions(Class<T> kind) {
        return conditions.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
