package org.gwlbinspect.stateful;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.l7.DnsMalformedReason;
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
    static final int DEFAULT_ACTION_DROPS = APP_LAYER_BY_PROTOCOL + AppLayer.values().length;
    static final int INSPECTED = DEFAULT_ACTION_DROPS + 1;
    static final int INSPECTION_NANOS = INSPECTED + 1;
    /** Log2 buckets of inspection time: bucket b counts packets that took less than 2^(b + 6) ns (64 ns ... 2^37). */
    static final int TIME_BUCKETS = INSPECTION_NANOS + 1;

    public static final int TIME_BUCKET_COUNT = 32;
    /** DNS answers seen by destination binding, by what became of them ({@link DnsAnswerOutcome}). */
    static final int DNS_ANSWERS = TIME_BUCKETS + TIME_BUCKET_COUNT;
    /** Malformed DNS answers by {@link DnsMalformedReason}. */
    static final int DNS_ANSWERS_MALFORMED = DNS_ANSWERS + DnsAnswerOutcome.values().length;
    /** Destination binding checks by {@link BindingResult}. */
    static final int BINDING_CHECKS = DNS_ANSWERS_MALFORMED + DnsMalformedReason.values().length;

    /** TLS flows whose payload inspection stopped when their encrypted part started ({@link EncryptionHandling}). */
    static final int ENCRYPTED_FLOWS = BINDING_CHECKS + BindingResult.values().length;

    private static final int SIZE = ENCRYPTED_FLOWS + 1;

    private final List<AtomicLongArray> workers = new CopyOnWriteArrayList<>();
    private final List<StreamEventCounters> streamCounters = new CopyOnWriteArrayList<>();
    private final List<StatefulInspector> inspectors = new CopyOnWriteArrayList<>();

    void register(StatefulInspector inspector) {
        inspectors.add(inspector);
    }

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

    /**
     * Flows that found no free app-layer parser set: for a first message the stream exception policy applied, for a
     * later HTTP request of a keep-alive connection its later requests are no longer parsed.
     */
    public long parserSetsExhausted() {
        return sum(PARSERS_EXHAUSTED);
    }

    /** Flows whose application protocol was decided, by protocol. */
    public long appLayerDetected(AppLayer app) {
        return sum(APP_LAYER_BY_PROTOCOL + app.ordinal());
    }

    /** Packets dropped by a default action ({@code aws:drop_*}): no rule decided. */
    public long defaultActionDrops() {
        return sum(DEFAULT_ACTION_DROPS);
    }

    /** Packets inspected (not fast path) and the nanoseconds spent on them, for the mean inspection time. */
    public long inspectedPackets() {
        return sum(INSPECTED);
    }

    public long inspectionNanos() {
        return sum(INSPECTION_NANOS);
    }

    /** Inspected packets that took less than {@link #timeBucketUpperNanos}(b), cumulative over the smaller buckets. */
    public long inspectedWithin(int bucket) {
        long total = 0;
        for (int b = 0; b <= bucket; b++) total += sum(TIME_BUCKETS + b);
        return total;
    }

    public static long timeBucketUpperNanos(int bucket) {
        return 1L << (bucket + 6);
    }

    static int timeBucket(long nanos) {
        int b = 63 - Long.numberOfLeadingZeros(Math.max(nanos, 1)) - 5; // nanos < 2^(b + 6)
        return Math.clamp(b, 0, TIME_BUCKET_COUNT - 1);
    }

    /**
     * Hits per rule index of {@code policy} over the workers that run it (packets a rule decided, and the logged
     * matches of alert rules), since the policy was installed.
     */
    public long[] ruleHits(CompiledPolicy policy) {
        long[] total = new long[policy == null ? 0 : policy.rules().size()];
        for (StatefulInspector inspector : inspectors) {
            RuleHits hits = inspector.ruleHits();
            if (hits == null || hits.policy != policy) continue;
            for (int i = 0; i < total.length; i++) total[i] += hits.hits.getAcquire(i);
        }
        return total;
    }

    /** DNS answers destination binding saw, by what became of them. */
    public long dnsAnswers(DnsAnswerOutcome outcome) {
        return sum(DNS_ANSWERS + outcome.ordinal());
    }

    /** DNS answers destination binding could not read, by reason. */
    public long dnsAnswersMalformed(DnsMalformedReason reason) {
        return sum(DNS_ANSWERS_MALFORMED + reason.ordinal());
    }

    /** Flows whose name a pass rule matched, by what the answers seen say of name and destination. */
    public long bindingChecks(BindingResult result) {
        return sum(BINDING_CHECKS + result.ordinal());
    }

    /**
     * TLS flows whose encrypted part started under {@link EncryptionHandling#DEFAULT}: their payload is no longer
     * inspected by payload rules and their stream state went back to the pool.
     */
    public long encryptedFlows() {
        return sum(ENCRYPTED_FLOWS);
    }

    /** Reassembly events, all workers. */
    public long streamEvents(StreamEvent event) {
        long total = 0;
        for (StreamEventCounters counters : streamCounters) total += counters.count(event);
        return total;
    }
}
