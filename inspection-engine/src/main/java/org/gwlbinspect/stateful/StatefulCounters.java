package org.gwlbinspect.stateful;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.stream.StreamEvent;
import org.gwlbinspect.stream.StreamEventCounters;

/**
 * The stateful stage's counters over all workers: one single-writer array per worker (no contention on the data
 * path), summed when the metrics are scraped.
 */
public final class StatefulCounters {
    private static final StatefulOutcome[] OUTCOMES = StatefulOutcome.values();
    /** Slots after the outcomes: alerts, stream exceptions by cause. */
    static final int ALERTS = OUTCOMES.length;

    static final int MIDSTREAM = ALERTS + 1;
    static final int PARSERS_EXHAUSTED = ALERTS + 2;
    static final int APP_LAYER_BY_PROTOCOL = ALERTS + 3;
    private static final int SIZE = APP_LAYER_BY_PROTOCOL + AppLayer.values().length;

    private final List<AtomicLongArray> workers = new CopyOnWriteArrayList<>();
    private final List<StreamEventCounters> streamCounters = new CopyOnWriteArrayList<>();

    AtomicLongArray newWorker() {
        AtomicLongArray counts = new AtomicLongArray(SIZE);
        workers.add(counts);
        return counts;
    }

    StreamEventCounters newStreamCounters() {
        StreamEventCounters counters = new StreamEventCounters();
        streamCounters.add(counters);
        return counters;
    }

    static void increment(AtomicLongArray counts, int index) {
        counts.setRelease(index, counts.getPlain(index) + 1); // single writer: the worker
    }

    private long sum(int index) {
        long total = 0;
        for (AtomicLongArray counts : workers) total += counts.getAcquire(index);
        return total;
    }

    /** Packets by what the stateful stage did with them. */
    public long packets(StatefulOutcome outcome) {
        return sum(outcome.ordinal());
    }

    /** Alert records produced (logged rule matches and default alert actions), written or lost. */
    public long alerts() {
        return sum(ALERTS);
    }

    /** TCP flows picked up without a handshake: the stream exception policy applied (NFW StreamExceptionPolicyPackets). */
    public long midstreamFlows() {
        return sum(MIDSTREAM);
    }

    /** Flows that found no free app-layer parser set (stream exception policy applied). */
    public long parserSetsExhausted() {
        return sum(PARSERS_EXHAUSTED);
    }

    /** Flows whose application protocol was decided, by protocol. */
    public long appLayerDetected(AppLayer app) {
        return sum(APP_LAYER_BY_PROTOCOL + app.ordinal());
    }

    /** Reassembly events, all workers. */
    public long streamEvents(StreamEvent event) {
        long total = 0;
        for (StreamEventCounters counters : streamCounters) total += counters.count(event);
        return total;
    }
}
