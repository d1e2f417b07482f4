package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    /** Runs the requests and returns a row for each. */
    public List<DemoResult> results(List<DemoRequest> requests, PrintStream progress)
            throws IOException, InterruptedException {
        List<DemoResult> results = new ArrayList<>();
        int index = 0;
        for (DemoRequest request : requests) {
            index++;
            long before = alertLog.isPresent() ? alertLog.get().position() : 0;
            CommandResult result = executor.run(request.argv(), request.limit());
            Observation observed = request.classifier().classify(result);
            Optional<List<AlertLogTail.Alert>> alerts = Optional.empty();
            if (alertLog.isPresent()) {
                Thread.sleep(alertSettle.toMillis());
                alerts = Optional.of(alertLog.get().alertsSince(before));
            }
            DemoResult row = new DemoResult(request, observed, alerts);
            results.add(row);
            progress.printf(
                    "[%d/%d] %s: %s (expected %s, %d ms)%n",
                    index,
                    requests.size(),
                    request.label(),
                    observed.outcome(),
                    request.expected(),
                    result.elapsed().toMillis());
        }
        return results;
    }

    /** 0 when every observed outcome is the expected verdict, else 1. */
    public static int exitCode(List<DemoResult> results) {
        return results.stream().allMatch(DemoResult::matches) ? 0 : 1;
    }
}
