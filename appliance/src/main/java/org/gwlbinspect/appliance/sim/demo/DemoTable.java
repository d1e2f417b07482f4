package org.gwlbinspect.appliance.sim.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Formats the demo's results as a plain-text table, one request a row, and a closing summary line. */
public final class DemoTable {
    private static final List<String> HEADER = List.of("request", "expected", "observed", "alerts", "detail");

    private DemoTable() {}

    public static String render(List<DemoResult> results) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADER);
        for (DemoResult result : results) {
            rows.add(List.of(
                    result.request().label(),
                    result.request().expected().name(),
                    result.observed().outcome().name() + (result.matches() ? "" : "  <-- differs"),
                    alerts(result),
                    result.observed().detail() + " (" + result.request().why() + ")"));
        }
        int[] widths = new int[HEADER.size()];
        for (List<String> row : rows)
            for (int i = 0; i < row.size(); i++)
                widths[i] = Math.max(widths[i], row.get(i).length());
        StringBuilder text = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i));
                if (i < row.size() - 1)
                    line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        long differing = results.stream().filter(r -> !r.matches()).count();
        text.append(results.size())
                .append(" requests, ")
                .append(results.size() - differing)
                .append(" as expected, ")
                .append(differing)
                .append(" differ\n");
        return text.toString();
    }

    /** "-" without an alert log, "0", or the count with the sids: "3 (sid 1000101 x2, 4)". */
    static String alerts(DemoResult result) {
        if (result.alerts().isEmpty()) return "-";
        List<AlertLogTail.Alert> alerts = result.alerts().get();
        if (alerts.isEmpty()) return "0";
        Map<Long, Long> bySid = new TreeMap<>(
                alerts.stream().collect(Collectors.groupingBy(AlertLogTail.Alert::signatureId, Collectors.counting())));
        String sids = bySid.entrySet().stream()
                .map(e -> e.getKey() + (e.getValue() > 1 ? " x" + e.getValue() : ""))
                .collect(Collectors.joining(", "));
        return alerts.size() + " (sid " + sids + ")";
    }
}
