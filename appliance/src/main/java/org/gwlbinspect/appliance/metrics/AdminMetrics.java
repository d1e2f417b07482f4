package org.gwlbinspect.appliance.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.gwlbinspect.appliance.admin.TaskAccess;
import org.gwlbinspect.appliance.admin.TaskAccessDecision;

/** Publishes how requests to the admin tasks were decided ({@code allowed_*} or the refusal's reason). */
public final class AdminMetrics {
    private AdminMetrics() {}

    public static void bind(MeterRegistry registry, TaskAccess access) {
        for (TaskAccessDecision decision : TaskAccessDecision.values()) {
            FunctionCounter.builder("appliance.admin.task.requests", access, a -> a.count(decision))
                    .description("Requests to admin tasks (POST /tasks/*), by access decision")
                    .tag("decision", decision.label())
                    .register(registry);
        }
    }
}
