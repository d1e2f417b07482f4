package org.gwlbinspect.appliance.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.gwlbinspect.stateful.AppLayer;
import org.gwlbinspect.stateful.StatefulCounters;
import org.gwlbinspect.stateful.StatefulFlows;
import org.gwlbinspect.stateful.StatefulOutcome;
import org.gwlbinspect.stream.StreamEvent;

/**
 * Publishes what the stateful engine did: packets by outcome (verdicts, fast path, stream exceptions), alerts,
 * midstream pickups, detected application protocols and reassembly events. Read from the workers' single-writer
 * counters at scrape time. Micrometer keeps weak references: the caller must hold {@code counters} and {@code flows}.
 */
public final class StatefulMetrics {
    private StatefulMetrics() {}

    public static void bind(MeterRegistry registry, StatefulCounters counters, StatefulFlows flows) {
        for (StatefulOutcome outcome : StatefulOutcome.values()) {
            FunctionCounter.builder("appliance.stateful.packets", counters, c -> c.packets(outcome))
                    .description("Packets the stateful engine handled, by outcome (fast_path_* skipped inspection)")
                    .tag("outcome", outcome.label())
                    .register(registry);
        }
        FunctionCounter.builder("appliance.stateful.alerts", counters, StatefulCounters::alerts)
                .description("Logged rule matches and default alert actions (EVE alert records produced)")
                .register(registry);
        FunctionCounter.builder("appliance.stateful.midstream.flows", counters, StatefulCounters::midstreamFlows)
                .description("TCP flows picked up without a handshake; the stream exception policy applied")
                .register(registry);
        FunctionCounter.builder(
                        "appliance.stateful.parser.sets.exhausted", counters, StatefulCounters::parserSetsExhausted)
                .description("Flows that found no free app-layer parser set; the stream exception policy applied")
                .register(registry);
        for (AppLayer app : AppLayer.values()) {
            if (app == AppLayer.NOT_YET) continue;
            FunctionCounter.builder("appliance.stateful.app.layer.flows", counters, c -> c.appLayerDetected(app))
                    .description("Flows by the application protocol detected on their client stream")
                    .tag("app_proto", app.name().toLowerCase(java.util.Locale.ROOT))
                    .register(registry);
        }
        for (StreamEvent event : StreamEvent.values()) {
            if (event == StreamEvent.NONE) continue;
            FunctionCounter.builder("appliance.stream.events", counters, c -> c.streamEvents(event))
                    .description("TCP reassembly events (Suricata stream events), by event")
                    .tag("event", event.label())
                    .register(registry);
        }
        Gauge.builder("appliance.stateful.parser.sets.free", flows, StatefulFlows::freeParserSets)
                .description("App-layer parser sets not in use")
                .register(registry);
    }
}
