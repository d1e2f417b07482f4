package org.gwlbinspect.appliance.metrics;

import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.l7.DnsMalformedReason;
import org.gwlbinspect.stateful.AppLayer;
import org.gwlbinspect.stateful.BindingResult;
import org.gwlbinspect.stateful.DnsAnswerOutcome;
import org.gwlbinspect.stateful.ResolvedAddresses;
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

    /** Destination binding (docs/destination-binding.md): answers read, checks by result, the map's occupancy. */
    private static void bindDestinationBinding(MeterRegistry registry, StatefulCounters counters, StatefulFlows flows) {
        for (DnsAnswerOutcome outcome : DnsAnswerOutcome.values()) {
            FunctionCounter.builder("appliance.destination.binding.dns.answers", counters, c -> c.dnsAnswers(outcome))
                    .description("DNS responses destination binding read, by what became of them")
                    .tag("outcome", outcome.label())
                    .register(registry);
        }
        for (DnsMalformedReason reason : DnsMalformedReason.values()) {
            if (reason == DnsMalformedReason.NONE) continue;
            FunctionCounter.builder(
                            "appliance.destination.binding.dns.answers.malformed",
                            counters,
                            c -> c.dnsAnswersMalformed(reason))
                    .description("DNS responses destination binding could not read, by reason")
                    .tag("reason", reason.label())
                    .register(registry);
        }
        for (BindingResult result : BindingResult.values()) {
            FunctionCounter.builder("appliance.destination.binding.checks", counters, c -> c.bindingChecks(result))
                    .description("Flows a pass rule allowed on their SNI or HTTP host, by what the DNS answers seen"
                            + " say of name and destination")
                    .tag("result", result.label())
                    .register(registry);
        }
        // The map exists once a policy used destination binding: until then every value is 0.
        Gauge.builder("appliance.destination.binding.capacity", flows, f -> mapValue(f, m -> m.capacity()))
                .description("Bindings (client, name, address) the map holds at most; 0 until a policy uses it")
                .register(registry);
        Gauge.builder("appliance.destination.binding.live", flows, f -> mapValue(f, m -> m.live(System.nanoTime())))
                .description("Unexpired bindings now")
                .register(registry);
        FunctionCounter.builder(
                        "appliance.destination.binding.recorded", flows, f -> mapValue(f, ResolvedAddresses::recorded))
                .description("Bindings added from DNS answers")
                .register(registry);
        FunctionCounter.builder(
                        "appliance.destination.binding.refreshed",
                        flows,
                        f -> mapValue(f, ResolvedAddresses::refreshed))
                .description("Answers that repeated a live binding (its expiry moved forward)")
                .register(registry);
        FunctionCounter.builder(
                        "appliance.destination.binding.evictions",
                        flows,
                        f -> mapValue(f, ResolvedAddresses::evictedLive))
                .description("Bindings whose entry was taken for a new one: live (the map is too small) or expired")
                .tag("kind", "live")
                .register(registry);
        FunctionCounter.builder(
                        "appliance.destination.binding.evictions",
                        flows,
                        f -> mapValue(f, ResolvedAddresses::reusedExpired))
                .description("Bindings whose entry was taken for a new one: live (the map is too small) or expired")
                .tag("kind", "expired")
                .register(registry);
        FunctionCounter.builder(
                        "appliance.destination.binding.not.recorded",
                        flows,
                        f -> mapValue(f, m -> m.indexFull() + m.contended()))
                .description("Bindings not recorded: no room in an index window, or every entry probed was busy")
                .register(registry);
    }

    private static double mapValue(StatefulFlows flows, java.util.function.ToDoubleFunction<ResolvedAddresses> value) {
        ResolvedAddresses map = flows.resolved();
        return map == null ? 0 : value.applyAsDouble(map);
    }

    /** Rules published by hits: the busiest ones, so the series count stays bounded whatever the policy's size. */
    static final int TOP_RULES = 50;

    /**
     * Registers the meters; the returned lifecycle refreshes the per-rule and per-group series every few seconds while
     * running (they follow the policy in force and start again at a reload).
     */
    public static Managed bind(
            MeterRegistry registry, StatefulCounters counters, StatefulFlows flows, ActivePolicy active) {
        for (StatefulOutcome outcome : StatefulOutcome.values()) {
            FunctionCounter.builder("appliance.stateful.packets", counters, c -> c.packets(outcome))
                    .description("Packets the stateful engine handled, by outcome (fast_path_* skipped inspection)")
                    .tag("outcome", outcome.label())
                    .register(registry);
        }
        FunctionCounter.builder("appliance.stateful.alerts", counters, StatefulCounters::alerts)
                .description("Logged rule matches and default alert actions (EVE alert records produced)")
                .register(registry);
        FunctionCounter.builder("appliance.stateful.encrypted.flows", counters, StatefulCounters::encryptedFlows)
                .description("TLS flows whose payload inspection stopped when their encrypted records started"
                        + " (stateful.encryptionHandling: default)")
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
        FunctionCounter.builder(
                        "appliance.stateful.default.action.drops", counters, StatefulCounters::defaultActionDrops)
                .description("Packets dropped by a stateful default action (aws:drop_*), no rule decided")
                .register(registry);
        FunctionTimer.builder(
                        "appliance.stateful.inspection",
                        counters,
                        StatefulCounters::inspectedPackets,
                        StatefulCounters::inspectionNanos,
                        TimeUnit.NANOSECONDS)
                .description("Time in the stateful stage per inspected packet (fast-path packets excluded)")
                .register(registry);
        for (int b = 0; b < StatefulCounters.TIME_BUCKET_COUNT; b += 2) {
            int bucket = b;
            FunctionCounter.builder("appliance.stateful.inspection.within", counters, c -> c.inspectedWithin(bucket))
                    .description("Inspected packets that took less than le_ns nanoseconds (cumulative)")
                    .tag("le_ns", Long.toString(StatefulCounters.timeBucketUpperNanos(bucket)))
                    .register(registry);
        }
        bindDestinationBinding(registry, counters, flows);
        StableMultiGauge ruleHits = new StableMultiGauge(MultiGauge.builder("appliance.stateful.rule.hits")
                .description("Packets decided and alerts logged per rule (the " + TOP_RULES
                        + " busiest) since the policy was installed")
                .register(registry));
        StableMultiGauge groupVerdicts = new StableMultiGauge(MultiGauge.builder("appliance.stateful.group.verdicts")
                .description("Packets decided (and alerts logged) by the rules of each stateful group, by action,"
                        + " since the policy was installed")
                .register(registry));
        Runnable refresh = () -> {
            CompiledPolicy policy = active.current();
            if (policy == null) return;
            long[] hits = counters.ruleHits(policy);
            List<CompiledPolicy.CompiledRule> rules = policy.rules();
            Map<Tags, Long> byGroup = new HashMap<>();
            for (int i = 0; i < hits.length; i++) {
                CompiledPolicy.CompiledRule rule = rules.get(i);
                Tags tags = Tags.of(
                        "group",
                        rule.groupName(),
                        "action",
                        rule.signature().action().name().toLowerCase(java.util.Locale.ROOT));
                byGroup.merge(tags, hits[i], Long::sum);
            }
            groupVerdicts.update(byGroup);
            Integer[] order = new Integer[hits.length];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Long.compare(hits[b], hits[a]));
            Map<Tags, Long> ruleRows = new HashMap<>();
            for (int k = 0; k < Math.min(TOP_RULES, order.length) && hits[order[k]] > 0; k++) {
                CompiledPolicy.CompiledRule rule = rules.get(order[k]);
                ruleRows.put(
                        Tags.of("sid", Long.toString(rule.signature().sid()), "group", rule.groupName()),
                        hits[order[k]]);
            }
            ruleHits.update(ruleRows);
        };
        return new Managed() {
            private ScheduledExecutorService refresher;

            @Override
            public void start() {
                refresher = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform()
                        .name("stateful-metrics")
                        .daemon(true)
                        .unstarted(r));
                refresher.scheduleAtFixedRate(refresh, 0, 2, TimeUnit.SECONDS);
            }

            @Override
            public void stop() {
                if (refresher != null) refresher.shutdownNow();
            }
        };
    }
}
