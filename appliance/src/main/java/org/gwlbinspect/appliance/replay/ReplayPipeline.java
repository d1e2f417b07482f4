package org.gwlbinspect.appliance.replay;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.detect.Action;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.InspectionCounters;
import org.gwlbinspect.detect.PolicyInspector;
import org.gwlbinspect.eve.EpochClock;
import org.gwlbinspect.eve.EveLog;
import org.gwlbinspect.eve.EveLogConfig;
import org.gwlbinspect.eve.EveProducer;
import org.gwlbinspect.eve.EveRecord;
import org.gwlbinspect.flow.FlowExpiry;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.FragmentTracker;
import org.gwlbinspect.flowlog.FlowRecords;
import org.gwlbinspect.flowlog.NetflowWriter;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.stateful.DestinationBindingConfig;
import org.gwlbinspect.stateful.EveAlerts;
import org.gwlbinspect.stateful.StatefulConfig;
import org.gwlbinspect.stateful.StatefulCounters;
import org.gwlbinspect.stateful.StatefulFlows;
import org.gwlbinspect.stateful.StatefulInspector;
import org.gwlbinspect.stateful.StatefulOutcome;
import org.gwlbinspect.stream.StreamConfig;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.Enforcement;
import org.gwlbinspect.verdict.Verdict;

/**
 * The appliance's inspection pipeline on one thread, wired as {@code ApplianceApplication} wires a worker: GENEVE
 * decode, inner decode, {@link FlowResolver}, {@link FlowRecords}, the {@link PolicyInspector} with its stateless engine
 * and {@link StatefulInspector}, {@link EveAlerts} and the {@link NetflowWriter} as the flow table's end listener. Only
 * the receive socket and the return path are missing: a packet is inspected as {@code GeneveReceiveHandler} inspects a
 * datagram, and the verdict is returned instead of the packet being sent.
 *
 * <p>Deterministic: the clock is the caller's (the capture's timestamps, never allowed to go back), idle flows are
 * expired as the appliance's housekeeping expires them but on that clock, the flow table's hash seed is fixed, and the
 * log writer is never let fall behind so that no record is lost. The same packets and policy give the same verdicts
 * and the same log bytes.
 *
 * <p>Not thread-safe: create it and call it on one thread (the netflow writer lets that thread wait for the log).
 */
public final class ReplayPipeline implements AutoCloseable {
    /** The flow table's hash seed: fixed, so flows land in the same slots and get the same flow_id on every run. */
    static final long HASH_SEED = 0x6777_6C62_5265_706CL;

    /** As {@code FlowHousekeeping}: a slice of the table every 100 ms, the whole table every 5 s (capture time). */
    static final Duration EXPIRY_PERIOD = Duration.ofMillis(100);

    static final Duration EXPIRY_FULL_PASS = Duration.ofSeconds(5);

    // values() clones its array on every call, and "stateful_" + label would build a String per packet: both are
    // computed once, so that a packet allocates nothing (ReplayPipelineBenchmark shows 0 B/op).
    private static final StatefulOutcome[] OUTCOMES = StatefulOutcome.values();
    private static final StatelessAction[] STATELESS_ACTIONS = StatelessAction.values();
    private static final String[] STATEFUL_LABELS = new String[OUTCOMES.length];

    static {
        for (StatefulOutcome o : OUTCOMES) STATEFUL_LABELS[o.ordinal()] = "stateful_" + o.label();
    }

    /** The TCP flows whose reassembly state the appliance keeps at once ({@code StatefulConfig.defaults()}). */
    public static final int APPLIANCE_STREAMS =
            StatefulConfig.defaults().stream().capacityStreams();

    private static final long WAIT_FOR_WRITER_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final int maxDatagramBytes;
    private final CompiledPolicy policy;
    private final FlowTable table;
    private final FlowResolver resolver;
    private final FlowRecords records;
    private final NetflowWriter netflow;
    private final InspectionCounters inspection = new InspectionCounters();
    private final StatefulCounters statefulCounters = new StatefulCounters();
    private final PolicyInspector inspector;
    private final EveLog log;
    private final EveProducer alertProducer;
    private final int slotsPerExpiry;
    private final long expiryPeriodNanos = EXPIRY_PERIOD.toNanos();
    private final GeneveHeader geneve = new GeneveHeader();
    private final InnerPacket inner = new InnerPacket();

    private final long[] statelessBefore = new long[STATELESS_ACTIONS.length];
    private final long[] statefulBefore = new long[OUTCOMES.length];
    private long[] alertSids = new long[4];
    private int alertCount;

    private boolean tracksDecidingStage;
    private long nowNanos = Long.MIN_VALUE;
    private long nextExpiryNanos;
    private boolean finished;

    // The last packet's outcome.
    private Verdict verdict;
    private DropReason dropReason;
    private String decidedBy;
    private boolean innerDecoded;

    /**
     * @param policy the policy to enforce, or null for pass-through
     * @param logs where the EVE alert and flow logs go, or null for none
     */
    public ReplayPipeline(CompiledPolicy policy, FlowTableConfig flowConfig, EveLogConfig logs, int maxDatagramBytes) {
        this(policy, flowConfig, StatefulConfig.defaults(), logs, maxDatagramBytes, Enforcement.ENFORCE);
    }

    /**
     * @param policy the policy to enforce, or null for pass-through
     * @param stateful the stateful stage's bounds (the appliance's defaults hold about 180 MiB of stream and parser
     *     state; the start-up warm-up uses less)
     * @param logs where the EVE alert and flow logs go, or null for none
     * @param enforcement enforce the policy or only monitor it ({@code policy.enforcement}, docs/learning-mode.md:
     *     verdicts logged and counted, every packet passed)
     */
    public ReplayPipeline(
            CompiledPolicy policy,
            FlowTableConfig flowConfig,
            StatefulConfig stateful,
            EveLogConfig logs,
            int maxDatagramBytes,
            Enforcement enforcement) {
        this.maxDatagramBytes = maxDatagramBytes;
        this.policy = policy;
        this.records = new FlowRecords(flowConfig.capacity());
        // The timestamps the pipeline gets are epoch nanoseconds already.
        EpochClock clock = new EpochClock(0, 0);
        this.netflow = new NetflowWriter(records, clock);
        // Destination binding with the global mode off: rule options only; its map is allocated if the policy uses it.
        StatefulFlows flows = new StatefulFlows(flowConfig.capacity(), stateful, DestinationBindingConfig.defaults());
        this.table = new FlowTable(
                flowConfig,
                (t, slot, reason, now) -> {
                    netflow.onFlowEnd(t, slot, reason, now);
                    flows.onFlowEnd(t, slot, reason, now);
                },
                HASH_SEED);
        FragmentTracker fragments =
                new FragmentTracker(table, Math.max(1024, flowConfig.capacity() / 8), flowConfig.fragmentTimeout());
        this.resolver = new FlowResolver(table, fragments);
        this.slotsPerExpiry = FlowExpiry.slotsPerRun(table, EXPIRY_PERIOD, EXPIRY_FULL_PASS);

        this.log = logs == null ? null : EveLog.start(logs);
        EveProducer producer = null;
        if (log != null) {
            netflow.attach(log);
            netflow.waitForSpaceOnThisThread(); // the replay thread may wait for the writer: no record is dropped
            producer = log.registerProducer("replay-alerts");
        }
        this.alertProducer = producer;
        StatefulInspector worker = new StatefulInspector(flows, statefulCounters);
        worker.flowRecords(records);
        EveAlerts eve = new EveAlerts(worker, producer, clock, records);
        // Also note each alert's sid for the packet's verdict record, then write it as the worker would.
        worker.alertSink((ruleIndex, action, packetVerdict) -> {
            noteAlert(ruleIndex, action);
            eve.alert(ruleIndex, action, packetVerdict);
        });
        this.inspector = inspection.newInspector(new ActivePolicy(policy), worker, enforcement);
    }

    /**
     * The appliance's stateful bounds with room for {@code streams} TCP flows' reassembly state, and chunks in the
     * appliance's proportion (its pool has one chunk per stream state): a replay sized to its flow table keeps every
     * flow's stream, where the appliance's bound would take the stream exception policy for the later flows of a
     * capture whose flows do not close.
     */
    public static StatefulConfig statefulFor(int streams) {
        StatefulConfig d = StatefulConfig.defaults();
        StreamConfig s = d.stream();
        if (streams == s.capacityStreams()) return d;
        long perStream = (long) s.chunkCount() * s.chunkSizeBytes() / s.capacityStreams();
        int chunks =
                (int) Math.min((long) Integer.MAX_VALUE / s.chunkSizeBytes(), perStream * streams / s.chunkSizeBytes());
        return new StatefulConfig(
                new StreamConfig(
                        streams,
                        s.chunkSizeBytes(),
                        Math.max(1, chunks),
                        s.depthBytes(),
                        s.maxBufferedBytes(),
                        s.maxBufferedSegments(),
                        s.windowBytes(),
                        s.historyBytes()),
                d.parserSets(),
                d.flowNames());
    }

    /**
     * Inspects one GENEVE datagram as the data path would have received it from {@code gwlbAddress:gwlbPort} on
     * {@code applianceAddress} at {@code timestampNanos}.
     *
     * @return the verdict; {@link #dropReason()}, {@link #decidedBy()} and {@link #alertSids()} tell more
     */
    public Verdict inspect(
            ByteBuf datagram,
            int offset,
            int length,
            int gwlbAddress,
            int gwlbPort,
            int applianceAddress,
            long timestampNanos) {
        if (finished) throw new IllegalStateException("the pipeline has finished");
        advanceClock(timestampNanos);
        alertCount = 0;
        innerDecoded = false;
        decidedBy = null;
        dropReason = null;
        verdict = Verdict.DROP;
        if (length >= maxDatagramBytes) {
            // The appliance's receive slot would have cut it; it drops such datagrams (dataPlane.maxDatagramBytes).
            dropReason = DropReason.DATAGRAM_TOO_LARGE;
            return verdict;
        }
        DecodeStatus status = geneve.wrap(datagram, offset, length);
        if (status != DecodeStatus.OK) {
            dropReason = DropReason.of(status);
            return verdict;
        }
        int innerOffset = geneve.innerOffset();
        status = inner.decode(datagram, innerOffset, offset + length - innerOffset, geneve.protocolType());
        if (status != DecodeStatus.OK) {
            dropReason = DropReason.of(status);
            return verdict;
        }
        innerDecoded = true;
        int slot = resolver.resolve(
                geneve, inner, datagram, offset, length, gwlbAddress, gwlbPort, applianceAddress, nowNanos);
        if (slot < 0) {
            dropReason = switch (slot) {
                case FlowResolver.FRAGMENT_WITHOUT_FLOW -> DropReason.FRAGMENT_WITHOUT_FLOW;
                case FlowResolver.FRAGMENT_OF_DROPPED_DATAGRAM -> DropReason.POLICY_DROP;
                default -> DropReason.FLOW_TABLE_FULL;
            };
            return verdict;
        }
        records.onPacket(resolver, slot, inner, nowNanos);
        if (tracksDecidingStage) snapshotCounters();
        verdict = inspector.inspect(inner, datagram, table, slot, resolver.direction(), nowNanos);
        if (tracksDecidingStage) decidedBy = stageThatDecided();
        if (verdict != Verdict.PASS) {
            // The inspector's reason, as the worker counts it (policy_drop, destination_binding, ...).
            DropReason reason = inspector.dropReason();
            dropReason = reason != null ? reason : DropReason.POLICY_DROP;
            resolver.datagramDropped(inner, nowNanos); // its later fragments are dropped with it
        }
        if (alertCount > 0) keepUpWithLogWriter();
        return verdict;
    }

    /**
     * Whether {@link #decidedBy()} is worked out: it reads every stage's counters before and after each packet (the
     * counters are summed over a list, whose iterator escape analysis does not always remove), which the data path
     * never does; the verdict file needs it, the benchmarks and the load test do not. Off by default.
     */
    public void tracksDecidingStage(boolean on) {
        this.tracksDecidingStage = on;
    }

    /** Moves the clock to {@code timestampNanos} (never back) and expires the flows that went idle meanwhile. */
    public void advanceClock(long timestampNanos) {
        if (nowNanos == Long.MIN_VALUE) {
            nowNanos = timestampNanos;
            nextExpiryNanos = timestampNanos + expiryPeriodNanos;
            return;
        }
        if (timestampNanos - nowNanos > 0) nowNanos = timestampNanos;
        if (nowNanos - nextExpiryNanos < 0) return;
        if (nowNanos - nextExpiryNanos >= EXPIRY_FULL_PASS.toNanos()) {
            // A gap in the capture longer than a full pass: one sweep of the whole table does what the runs would have.
            table.expireIdle(nowNanos, table.indexSize());
            nextExpiryNanos = nowNanos + expiryPeriodNanos;
            return;
        }
        while (nowNanos - nextExpiryNanos >= 0) {
            table.expireIdle(nextExpiryNanos, slotsPerExpiry);
            nextExpiryNanos += expiryPeriodNanos;
        }
    }

    private void snapshotCounters() {
        for (StatelessAction a : STATELESS_ACTIONS) statelessBefore[a.ordinal()] = inspection.statelessPackets(a);
        for (StatefulOutcome o : OUTCOMES) statefulBefore[o.ordinal()] = statefulCounters.packets(o);
    }

    /** Which stage decided the packet, from the counters it moved: {@code stateless_drop}, {@code stateful_pass}... */
    private String stageThatDecided() {
        if (policy == null) return "no_policy";
        for (StatefulOutcome o : OUTCOMES) {
            if (statefulCounters.packets(o) != statefulBefore[o.ordinal()]) return STATEFUL_LABELS[o.ordinal()];
        }
        if (inspection.statelessPackets(StatelessAction.DROP) != statelessBefore[StatelessAction.DROP.ordinal()])
            return "stateless_drop";
        if (inspection.statelessPackets(StatelessAction.PASS) != statelessBefore[StatelessAction.PASS.ordinal()])
            return "stateless_pass";
        return "stateless_forward"; // to a stateful engine that has no rules and no default actions: passes
    }

    private void noteAlert(int ruleIndex, Action action) {
        if (alertCount == alertSids.length) alertSids = Arrays.copyOf(alertSids, alertCount * 2);
        alertSids[alertCount++] = ruleIndex >= 0
                ? policy.rules().get(ruleIndex).signature().sid()
                : -ruleIndex; // a default alert action: the negated sid NFW logs it under
    }

    /** Waits for the log writer while the alert ring is half full, so that no alert record is dropped. */
    private void keepUpWithLogWriter() {
        if (alertProducer == null) return;
        int ringSize = log.config().ringSize();
        while (alertProducer.backlog() >= ringSize / 2) LockSupport.parkNanos(WAIT_FOR_WRITER_NANOS);
    }

    /**
     * Ends the replay: writes the netflow records of the flows still live (reason {@code shutdown}, as Suricata does at
     * the end of a capture) and closes the logs. Idempotent.
     */
    public void finish() {
        if (finished) return;
        finished = true;
        if (log == null) return;
        try {
            if (nowNanos != Long.MIN_VALUE) netflow.writeLiveFlows(table, nowNanos);
        } finally {
            netflow.detach();
            log.close();
        }
    }

    @Override
    public void close() {
        finish();
    }

    /** Why the last packet was not passed (null when it was). */
    public DropReason dropReason() {
        return dropReason;
    }

    /** The last packet's verdict. */
    public Verdict verdict() {
        return verdict;
    }

    /**
     * The stage that decided the last packet ({@code stateless_drop}, {@code stateful_fast_path_drop}, ...,
     * {@code no_policy}); null when it did not reach inspection or {@link #tracksDecidingStage} is off.
     */
    public String decidedBy() {
        return decidedBy;
    }

    /** The inner packet of the last datagram, valid when {@link #innerDecoded()}. */
    public InnerPacket inner() {
        return inner;
    }

    public boolean innerDecoded() {
        return innerDecoded;
    }

    /** Alerts the last packet raised: the sids are {@code alertSids()[0, alertCount())}. */
    public int alertCount() {
        return alertCount;
    }

    public long[] alertSids() {
        return alertSids;
    }

    /** Alerts raised so far. */
    public long alerts() {
        return statefulCounters.alerts();
    }

    /** Flows created so far. */
    public long flowsCreated() {
        return table.createdFlows();
    }

    /** The EVE records written of {@code type} (after {@link #finish}; 0 without logs). */
    public long recordsWritten(EveRecord.EventType type) {
        return log == null ? 0 : log.recordsWritten(type);
    }

    /** EVE records lost (full ring, failed write); 0 in a replay unless a log file could not be written. */
    public long recordsLost(EveRecord.EventType type) {
        return log == null ? 0 : log.lostRecords(type);
    }

    /** The pipeline's clock: the latest capture time seen. */
    public long nowNanos() {
        return nowNanos;
    }
}
