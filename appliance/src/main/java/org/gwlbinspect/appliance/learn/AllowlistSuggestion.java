package org.gwlbinspect.appliance.learn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns the names of EVE alert records into domain list targets: the names no rule allowed, grouped by registrable
 * domain (or one per name), sorted; the names that cannot go on a list, with the reason; and the names only other
 * rules alerted on, which are not learned.
 */
public final class AllowlistSuggestion {
    /** One target of the list and the names it covers. */
    public record Entry(
            String target,
            List<NameStats> names,
            int flows,
            long records,
            long firstMicros,
            long lastMicros,
            Set<NameSource> sources) {}

    /** A name left off the list, and why. */
    public record Excluded(NameStats name, NameKind kind) {}

    private final List<Entry> entries;
    private final List<Excluded> excluded;
    private final List<NameStats> otherRulesOnly;

    private AllowlistSuggestion(List<Entry> entries, List<Excluded> excluded, List<NameStats> otherRulesOnly) {
        this.entries = entries;
        this.excluded = excluded;
        this.otherRulesOnly = otherRulesOnly;
    }

    public static AllowlistSuggestion of(Collection<NameStats> names, RegistrableDomains domains, TargetForm form) {
        Map<String, List<NameStats>> byTarget = new TreeMap<>();
        List<Excluded> excluded = new ArrayList<>();
        List<NameStats> otherRulesOnly = new ArrayList<>();
        for (NameStats name : names) {
            if (!name.notAllowed()) {
                otherRulesOnly.add(name);
                continue;
            }
            ClassifiedName classified = domains.classify(name.name());
            String target =
                    switch (classified.kind()) {
                        case REGISTRABLE ->
                            form == TargetForm.EXACT ? classified.name() : "." + classified.registrableDomain();
                        // a public suffix itself ({@code github.io}): ".github.io" would allow every tenant
                        case PUBLIC_SUFFIX -> classified.name();
                        default -> null;
                    };
            if (target == null) excluded.add(new Excluded(name, classified.kind()));
            else byTarget.computeIfAbsent(target, t -> new ArrayList<>()).add(name);
        }
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, List<NameStats>> e : byTarget.entrySet()) {
            List<NameStats> covered = e.getValue();
            covered.sort((a, b) -> a.name().compareTo(b.name()));
            Set<Long> flows = new HashSet<>();
            long records = 0;
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            EnumSet<NameSource> sources = EnumSet.noneOf(NameSource.class);
            for (NameStats n : covered) {
                flows.addAll(n.flowIds());
                records += n.records();
                first = Math.min(first, n.firstMicros());
                last = Math.max(last, n.lastMicros());
                sources.addAll(n.sources());
            }
            entries.add(new Entry(e.getKey(), List.copyOf(covered), flows.size(), records, first, last, sources));
        }
        excluded.sort((a, b) -> a.name().name().compareTo(b.name().name()));
        otherRulesOnly.sort((a, b) -> a.name().compareTo(b.name()));
        return new AllowlistSuggestion(List.copyOf(entries), List.copyOf(excluded), List.copyOf(otherRulesOnly));
    }

    /** The list's entries, sorted by target. */
    public List<Entry> entries() {
        return entries;
    }

    /** The targets, in order: the {@code Targets} of the rule group. */
    public List<String> targets() {
        List<String> targets = new ArrayList<>();
        for (Entry e : entries) targets.add(e.target());
        return targets;
    }

    /** Names no rule allowed that cannot go on a domain list (IP literals, invalid, no public suffix, ...). */
    public List<Excluded> excluded() {
        return excluded;
    }

    /** Names seen only in alerts of other rules (deny lists, signatures): not learned, shown for review. */
    public List<NameStats> otherRulesOnly() {
        return otherRulesOnly;
    }
}
