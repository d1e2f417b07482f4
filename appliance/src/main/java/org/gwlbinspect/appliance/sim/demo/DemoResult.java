package org.gwlbinspect.appliance.sim.demo;

import java.util.List;
import java.util.Optional;

/**
 * One row of the demo's table: the request, what it should get, what the client observed, and the alerts the
 * appliance logged while it ran ({@code empty} when no alert log is read, as in a run without the appliance).
 */
public record DemoResult(DemoRequest request, Observation observed, Optional<List<AlertLogTail.Alert>> alerts) {
    public DemoResult {
        alerts = alerts.map(List::copyOf);
    }

    /** True when the observed outcome is the expected verdict. */
    public boolean matches() {
        return observed.outcome() == request.expected();
    }
}
