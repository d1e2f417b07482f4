package org.gwlbinspect.appliance.learn;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/** What the EVE logs say about one name (lowercased): where, how often, when, and which rules alerted on it. */
public final class NameStats {
    private final String name;
    private final EnumSet<NameSource> sources = EnumSet.noneOf(NameSource.class);
    private final Set<Long> flows = new HashSet<>();
    private final TreeSet<Long> otherRuleSids = new TreeSet<>();
    private long records;
    private long firstMicros = Long.MAX_VALUE;
    private long lastMicros = Long.MIN_VALUE;
    private boolean notAllowed;

    NameStats(String name) {
        this.name = name;
    }

    /**
     * One alert record naming this name.
     *
     * @param notAllowed the record says no rule allowed the name (a default action, or an allow-list's drop rule)
     * @param sid the record's signature id, kept when {@code notAllowed} is false
     */
    void add(NameSource source, long flowId, long epochMicros, boolean notAllowed, long sid) {
        sources.add(source);
        flows.add(flowId);
        records++;
        firstMicros = Math.min(firstMicros, epochMicros);
        lastMicros = Math.max(lastMicros, epochMicros);
        if (notAllowed) this.notAllowed = true;
        else otherRuleSids.add(sid);
    }

    public String name() {
        return name;
    }

    public Set<NameSource> sources() {
        return EnumSet.copyOf(sources);
    }

    /** Distinct flows ({@code flow_id}) that named it. */
    public int flows() {
        return flows.size();
    }

    /** Alert records that named it. */
    public long records() {
        return records;
    }

    public long firstMicros() {
        return firstMicros;
    }

    public long lastMicros() {
        return lastMicros;
    }

    /** Some record says no rule allowed it: what a learned allow-list is for. */
    public boolean notAllowed() {
        return notAllowed;
    }

    /** Signature ids of the other rules (deny lists, IPS signatures) that alerted on it. */
    public Set<Long> otherRuleSids() {
        return new TreeSet<>(otherRuleSids);
    }

    Set<Long> flowIds() {
        return flows;
    }
}
