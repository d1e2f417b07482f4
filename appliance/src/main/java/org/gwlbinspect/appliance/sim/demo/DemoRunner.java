package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the demo's requests one after the other through a {@link ClientExecutor}, reads the alerts the appliance
 * logged for each, and prints the table ({@link DemoTable}). {@link #run} returns the process exit code: 0 when every
 * observed outcome is the expected verdict, 1 otherwise.
 */
public final class DemoRunner {
    /**
     * How long to wait after a request before reading its alerts: the appliance's EVE writer flushes at least every
     * 100 ms (docs/logs.md), so records of the request's last packets are in the file by then.
     */
    public static final Duration DEFAULT_ALERT_SETTLE = Duration.ofMillis(400);

    private final ClientExecutor executor;
    private final Optional<AlertLogTail> alertLog;
    private final Duration alertSettle;

    /** {@code alertLog} empty: no appliance to read alerts from (the table shows "-"). */
    public DemoRunner(ClientExecutor executor, Optional<AlertLogTail> alertLog, Duration alertSettle) {
        this.executor = executor;
        this.alertLog = alertLog;
        this.alertSettle = alertSettle;
    }

    /**
     * Runs {@code requests}, printing a line per request to {@code progress} as it finishes and the table to {@code
     * out} at the end; returns 0 when every request got its expected verdict, else 1.
     */
    public int run(List<DemoRequest> requests, PrintStream out, PrintStream progress)
            throws IOException, InterruptedException {
        List<DemoResult> results = results(requests, progress);
        out.print(DemoTable.render(results));
        out.flush();
        return exitCode(results);
    }

    /**
     * Runs the requests and returns a row for each. An alert counts for the request during which its flow first
     * alerted: a dropped flow keeps alerting after its client gave up (the client's FIN and the server's
     * retransmissions are dropped too), and those records land in the log while later requests run.
     */
    public List<DemoResult> results(List<DemoRequest> requests, PrintStream progress)
            throws IOException, InterruptedException {
        List<Observation> observations = new ArrayList<>();
        List<List<AlertLogTail.Alert>> alertsByRow = new ArrayList<>();
        Map<Long, Integer> rowByFlow = new HashMap<>();
        long position = alertLog.isPresent() ? alertLog.get().position() : 0;
        for (DemoRequest request : requests) {
            int row = observations.size();
            CommandResult result = executor.run(request.argv(), request.limit());
            Observation observed = request.classifier().classify(result);
            observations.add(observed);
            alertsByRow.add(new ArrayList<>());
            if (alertLog.isPresent()) {
                Thread.sleep(alertSettle.toMillis());
                position = attribute(position, row, rowByFlow, alertsByRow);
            }
            progress.printf(
                    "[%d/%d] %s: %s (expected %s, %d ms)%n",
                    row + 1,
                    requests.size(),
                    request.label(),
                    observed.outcome(),
                    request.expected(),
                    result.elapsed().toMillis());
        }
        List<DemoResult> results = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Optional<List<AlertLogTail.Alert>> alerts =
                    alertLog.isPresent() ? Optional.of(alertsByRow.get(i)) : Optional.empty();
            results.add(new DemoResult(requests.get(i), observations.get(i), alerts));
        }
        return results;
    }

    /** Reads the alerts after {@code position} into their flows' rows (new flows: {@code row}); returns the new end. */
    private long attribute(long position, int row, Map<Long, Integer> rowByFlow, List<List<AlertLogTail.Alert>> rows)
            throws IOException {
        AlertLogTail.Read read = alertLog.orElseThrow().readFrom(position);
        for (AlertLogTail.Alert alert : read.alerts()) {
            rows.get(rowByFlow.computeIfAbsent(alert.flowId(), flow -> row)).add(alert);
        }
        return read.next();
    }

    /** 0 when every observed outcome is the expected verdict, else 1. */
    public static int exitCode(List<DemoResult> results) {
        return results.stream().allMatch(DemoResult::matches) ? 0 : 1;
    }
}
