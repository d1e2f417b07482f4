package org.gwlbinspect.appliance.learn;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What {@code suggest-allowlist} found, for a person (a table on stdout) and for a program (the JSON report): each
 * entry with the names it covers, their flows, alert records and first and last seen; the names left off and why; the
 * names only other rules alerted on; and what was read.
 */
public final class SuggestionReport {
    private final AllowlistSuggestion suggestion;
    private final EveNameReader reader;

    public SuggestionReport(AllowlistSuggestion suggestion, EveNameReader reader) {
        this.suggestion = suggestion;
        this.reader = reader;
    }

    /** One line for the rule group's Description (NFW allows 512 characters). */
    public String description() {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        int names = 0;
        for (AllowlistSuggestion.Entry e : suggestion.entries()) {
            first = Math.min(first, e.firstMicros());
            last = Math.max(last, e.lastMicros());
            names += e.names().size();
        }
        String span = suggestion.entries().isEmpty() ? "" : " seen " + time(first) + " to " + time(last);
        return "Learned by gwlb-inspect suggest-allowlist: "
                + suggestion.entries().size() + " entries for " + names + " names" + span + ", from "
                + reader.alertRecords() + " alert records";
    }

    public void printTable(PrintStream out) {
        out.printf(
                "%-40s %6s %7s %8s  %-20s  %-20s  %s%n",
                "entry", "names", "flows", "alerts", "first seen", "last seen", "via");
        for (AllowlistSuggestion.Entry e : suggestion.entries()) {
            out.printf(
                    "%-40s %6d %7d %8d  %-20s  %-20s  %s%n",
                    e.target(),
                    e.names().size(),
                    e.flows(),
                    e.records(),
                    time(e.firstMicros()),
                    time(e.lastMicros()),
                    via(e.sources()));
            for (NameStats n : e.names()) {
                String other = n.otherRuleSids().isEmpty() ? "" : "  also alerted by sid " + sids(n);
                out.printf(
                        "  %-38s %6s %7d %8d  %-20s  %-20s  %s%s%n",
                        n.name(),
                        "",
                        n.flows(),
                        n.records(),
                        time(n.firstMicros()),
                        time(n.lastMicros()),
                        via(n.sources()),
                        other);
            }
        }
        if (!suggestion.excluded().isEmpty()) {
            out.println();
            out.println("not on the list:");
            for (AllowlistSuggestion.Excluded x : suggestion.excluded()) {
                out.printf(
                        "  %-38s %7d flows  %s%n",
                        x.name().name(), x.name().flows(), x.kind().reason());
            }
        }
        if (!suggestion.otherRulesOnly().isEmpty()) {
            out.println();
            out.println("seen only in alerts of other rules (not learned; --all-alerts learns them):");
            for (NameStats n : suggestion.otherRulesOnly()) {
                out.printf("  %-38s %7d flows  sid %s%n", n.name(), n.flows(), sids(n));
            }
        }
        out.println();
        out.printf(
                "read %d file(s): %d alert records, %d netflow records (no names: not used), %d other records, %d bad"
                        + " lines%n",
                reader.files(),
                reader.alertRecords(),
                reader.netflowRecords(),
                reader.otherRecords(),
                reader.badLines());
        if (!reader.namelessAlerts().isEmpty()) {
            StringJoiner byProto = new StringJoiner(", ");
            reader.namelessAlerts().forEach((proto, count) -> byProto.add(proto + " " + count));
            out.println("alerts without a TLS SNI or HTTP host (a domain list cannot allow them): " + byProto);
        }
        for (EveNameReader.LineProblem p : reader.problems()) out.println("bad line: " + p);
        if (reader.badLines() > reader.problems().size()) {
            out.println("... and " + (reader.badLines() - reader.problems().size()) + " more bad lines");
        }
    }

    /** The report as JSON (the {@code --report} file). */
    public ObjectNode toJson() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode root = nodes.objectNode();
        ArrayNode entries = root.putArray("entries");
        for (AllowlistSuggestion.Entry e : suggestion.entries()) {
            ObjectNode entry = entries.addObject();
            entry.put("target", e.target());
            entry.put("flows", e.flows());
            entry.put("alerts", e.records());
            entry.put("first_seen", time(e.firstMicros()));
            entry.put("last_seen", time(e.lastMicros()));
            ArrayNode names = entry.putArray("names");
            for (NameStats n : e.names()) {
                ObjectNode name = nameJson(names.addObject(), n);
                if (!n.otherRuleSids().isEmpty()) {
                    ArrayNode sids = name.putArray("also_alerted_by_sids");
                    n.otherRuleSids().forEach(sids::add);
                }
            }
        }
        ArrayNode excluded = root.putArray("not_listed");
        for (AllowlistSuggestion.Excluded x : suggestion.excluded()) {
            nameJson(excluded.addObject(), x.name())
                    .put("reason", x.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        ArrayNode others = root.putArray("other_rules_only");
        for (NameStats n : suggestion.otherRulesOnly()) {
            ArrayNode sids = nameJson(others.addObject(), n).putArray("sids");
            n.otherRuleSids().forEach(sids::add);
        }
        ObjectNode read = root.putObject("read");
        read.put("files", reader.files());
        read.put("alert_records", reader.alertRecords());
        read.put("netflow_records", reader.netflowRecords());
        read.put("other_records", reader.otherRecords());
        read.put("bad_lines", reader.badLines());
        ObjectNode nameless = read.putObject("alerts_without_name");
        for (Map.Entry<String, Long> e : reader.namelessAlerts().entrySet()) nameless.put(e.getKey(), e.getValue());
        ArrayNode problems = read.putArray("bad_line_examples");
        for (EveNameReader.LineProblem p : reader.problems()) {
            problems.addObject()
                    .put("file", p.file().toString())
                    .put("line", p.line())
                    .put("problem", p.problem());
        }
        return root;
    }

    private static ObjectNode nameJson(ObjectNode node, NameStats n) {
        node.put("name", n.name());
        node.put("flows", n.flows());
        node.put("alerts", n.records());
        node.put("first_seen", time(n.firstMicros()));
        node.put("last_seen", time(n.lastMicros()));
        ArrayNode via = node.putArray("via");
        n.sources().forEach(s -> via.add(s.label()));
        return node;
    }

    private static String sids(NameStats n) {
        StringJoiner j = new StringJoiner(",");
        n.otherRuleSids().forEach(s -> j.add(Long.toString(s)));
        return j.toString();
    }

    private static String via(java.util.Set<NameSource> sources) {
        StringJoiner j = new StringJoiner(",");
        sources.forEach(s -> j.add(s.label()));
        return j.toString();
    }

    /** ISO 8601 to the second, UTC. */
    static String time(long epochMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L)).toString();
    }
}
