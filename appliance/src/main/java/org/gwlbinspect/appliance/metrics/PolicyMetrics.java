package org.gwlbinspect.appliance.metrics;

import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.detect.InspectionCounters;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.verdict.Enforcement;

/**
 * Publishes what the policy decided: stateless outcomes by action, NFW custom actions by dimension value, the
 * enforcement mode and, in monitor mode, what would have been dropped or rejected.
 */
public final class PolicyMetrics {
    private PolicyMetrics() {}

    /** Registers the meters; the returned lifecycle refreshes the custom-action series once a second while running. */
    public static Managed bind(MeterRegistry registry, InspectionCounters counters, Enforcement enforcement) {
        // One series per mode, 1 for the running one: a monitor-mode appliance is visible on every dashboard.
        for (Enforcement mode : Enforcement.values()) {
            int value = mode == enforcement ? 1 : 0;
            Gauge.builder("appliance.policy.enforcement", () -> value)
                    .description("1 for the mode the appliance runs in (policy.enforcement): enforce or monitor")
                    .tag("mode", mode.label())
                    .register(registry);
        }
        for (InspectionCounters.WouldBlock kind : InspectionCounters.WouldBlock.values()) {
            FunctionCounter.builder(
                            "appliance.policy.monitor.would.block.packets", counters, c -> c.wouldBlockPackets(kind))
                    .description("Packets passed in monitor mode that enforcement would have dropped or rejected")
                    .tag("engine", kind.engine())
                    .tag("action", kind.action())
                    .register(registry);
        }
        for (StatelessAction action : StatelessAction.values()) {
            FunctionCounter.builder("appliance.policy.stateless.packets", counters, c -> c.statelessPackets(action))
                    .description("Packets by the stateless engine's action (aws:pass, aws:drop, aws:forward_to_sfe)")
                    .tag("action", action.apiName())
                    .register(registry);
        }
        // NFW publishes custom actions as a CloudWatch metric with dimension CustomAction=<value>: one series each.
        StableMultiGauge custom = new StableMultiGauge(MultiGauge.builder("appliance.policy.custom.action.packets")
                .description("Packets that triggered an NFW stateless custom action, by its dimension value")
                .register(registry));
        Runnable refresh = () -> {
            Map<Tags, Long> rows = new HashMap<>();
            for (Map.Entry<String, Long> e : counters.customActions().entrySet())
                rows.put(Tags.of("custom_action", e.getKey()), e.getValue());
            custom.update(rows);
        };
        return new Managed() {
            private ScheduledExecutorService refresher;

            @Override
            public void start() {
                refresher = Executors.newSingleThreadScheduledExecutor(r ->
                        Thread.ofPlatform().name("policy-metrics").daemon(true).unstarted(r));
                refresher.scheduleAtFixedRate(refresh, 0, 1, TimeUnit.SECONDS);
            }

            @Override
            public void stop() {
                if (refresher != null) refresher.shutdownNow();
            }
        };
    }
}
