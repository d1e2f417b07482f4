package org.gwlbinspect.appliance.sim.demo;

import java.time.Duration;
import java.util.List;

/**
 * One scripted client request: what the table shows ({@code label}, and {@code why} it gets its verdict), the
 * command run in the client namespace, the verdict {@code examples/policies/demo.json} should give it, the time after
 * which the executor kills the command (the command's own timeouts are shorter), and how its output is read.
 */
public record DemoRequest(
        String label, String why, List<String> argv, Outcome expected, Duration limit, OutcomeClassifier classifier) {
    public DemoRequest {
        if (label == null || why == null || argv == null || argv.isEmpty() || limit == null || classifier == null)
            throw new IllegalArgumentException(
                    "a demo request needs a label, a reason, a command, a limit and a classifier");
        if (expected == null || !expected.isVerdict())
            throw new IllegalArgumentException("expected must be PASS, DROP or REJECT, got " + expected);
        argv = List.copyOf(argv);
    }

    /** The same request expecting {@code verdict} for {@code reason} (without the appliance, every request passes). */
    public DemoRequest expecting(Outcome verdict, String reason) {
        return new DemoRequest(label, reason, argv, verdict, limit, classifier);
    }
}
