package org.gwlbinspect.appliance.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToLongFunction;
import org.gwlbinspect.appliance.dataplane.DataPlane;
import org.gwlbinspect.appliance.dataplane.Worker;
import org.gwlbinspect.appliance.dataplane.WorkerCounters;
import org.gwlbinspect.appliance.egress.ResetOutcome;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.verdict.DropReason;

/**
 * Publishes the data plane's counters to Micrometer. The workers never call Micrometer per packet: the registry reads
 * their single-writer counters when Prometheus scrapes.
 */
public final class DataPlaneMetrics {
    private DataPlaneMetrics() {}

    public static void bind(MeterRegistry registry, DataPlane dataPlane, FlowTable flows) {
        for (Worker worker : dataPlane.workers()) {
            String id = Integer.toString(worker.id());
            WorkerCounters c = worker.counters();
            counter(
                    registry,
                    "appliance.received.packets",
                    "GENEVE datagrams received",
                    null,
                    id,
                    c,
                    WorkerCounters::receivedPackets);
            counter(
                    registry,
                    "appliance.received",
                    "GENEVE datagram bytes received (UDP payload)",
                    "bytes",
                    id,
                    c,
                    WorkerCounters::receivedBytes);
            counter(
                    registry,
                    "appliance.returned.packets",
                    "Packets returned to GWLB",
                    null,
                    id,
                    c,
                    WorkerCounters::returnedPackets);
            counter(
                    registry,
                    "appliance.returned",
                    "Bytes returned to GWLB (UDP payload)",
                    "bytes",
                    id,
                    c,
                    WorkerCounters::returnedBytes);
        }
        for (ResetOutcome outcome : ResetOutcome.values()) {
            if (outcome == ResetOutcome.FLUSH_FIRST) continue; // retried at once, never an end state
            FunctionCounter.builder("appliance.rejects", dataPlane, dp -> dp.workers().stream()
                            .mapToLong(w -> w.rejects().outcomes(outcome))
                            .sum())
                    .description("REJECT verdicts by what became of their TCP resets (queued = both sent)")
                    .tag("outcome", outcome.label())
                    .register(registry);
        }
        for (DropReason reason : DropReason.values()) {
            // Micrometer keeps only a weak reference to the measured object: measure the long-lived data plane.
            FunctionCounter.builder("appliance.dropped.packets", dataPlane, dp -> dp.droppedPackets(reason))
                    .description("Packets not returned to GWLB, by reason")
                    .tag("reason", reason.label())
                    .register(registry);
        }
        Gauge.builder("appliance.flows.active", flows, FlowTable::activeFlows)
                .description("Flows in the flow table")
                .register(registry);
        FunctionCounter.builder("appliance.flows.started", flows, FlowTable::createdFlows)
                .description("Flows started (Prometheus reserves the _created suffix)")
                .register(registry);
        FunctionCounter.builder("appliance.flows.expired", flows, FlowTable::expiredFlows)
                .description("Flows removed after their idle timeout")
                .register(registry);
        FunctionCounter.builder("appliance.flows.evicted", flows, FlowTable::evictedFlows)
                .description("Flows evicted to make room when the table was full (embryonic before established)")
                .register(registry);
        // What a full table ended to make room, by the eviction policy's kinds (FlowTable): idle ones are also in
        // appliance_flows_expired_total, embryonic and established ones make up appliance_flows_evicted_total.
        flowEvictions(registry, flows, "idle", FlowTable::evictedIdleFlows);
        flowEvictions(registry, flows, "embryonic", FlowTable::evictedEmbryonicFlows);
        flowEvictions(registry, flows, "established", FlowTable::evictedEstablishedFlows);
        Gauge.builder("appliance.flows.capacity", flows, FlowTable::capacity)
                .description("Configured maximum number of flows")
                .register(registry);
    }

    private static void flowEvictions(
            MeterRegistry registry, FlowTable flows, String kind, ToLongFunction<FlowTable> read) {
        FunctionCounter.builder("appliance.flow.evictions", flows, t -> read.applyAsLong(t))
                .description("Flows ended to make room in a full table, by kind: idle (past its timeout), embryonic"
                        + " (no initiator packet after a reply), established")
                .tag("kind", kind)
                .register(registry);
    }

    private static void counter(
            MeterRegistry registry,
            String name,
            String description,
            String baseUnit,
            String worker,
            WorkerCounters counters,
            ToLongFunction<WorkerCounters> read) {
        FunctionCounter.builder(name, counters, c -> read.applyAsLong(c))
                .description(description)
                .baseUnit(baseUnit)
                .tag("worker", worker)
                .register(registry);
    }
}
