package org.gwlbinspect.appliance.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.gwlbinspect.appliance.logs.EveLogs;
import org.gwlbinspect.eve.EveRecord;

/**
 * Publishes the EVE logs' counters: records written and lost by type ({@code alert}, {@code netflow}) and write
 * errors. Read from the log's single-writer counters at scrape time; producers never touch Micrometer.
 */
public final class EveLogMetrics {
    private EveLogMetrics() {}

    public static void bind(MeterRegistry registry, EveLogs logs) {
        for (EveRecord.EventType type : EveRecord.EventType.values()) {
            FunctionCounter.builder("appliance.eve.records.written", logs, l -> l.recordsWritten(type))
                    .description("EVE records written to the alert or flow log, by event type")
                    .tag("type", type.label())
                    .register(registry);
            FunctionCounter.builder("appliance.eve.records.lost", logs, l -> l.recordsLost(type))
                    .description("EVE records lost (producer ring full, failed write), by event type")
                    .tag("type", type.label())
                    .register(registry);
        }
        FunctionCounter.builder("appliance.eve.write.errors", logs, EveLogs::writeErrors)
                .description("Failed EVE log writes, rotations or serialisations")
                .register(registry);
    }
}
