package org.gwlbinspect.appliance.logs;

import io.dropwizard.lifecycle.Managed;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.gwlbinspect.eve.EpochClock;
import org.gwlbinspect.eve.EveLog;
import org.gwlbinspect.eve.EveLogConfig;
import org.gwlbinspect.eve.EveRecord;
import org.gwlbinspect.flow.FlowEndListener;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flowlog.FlowRecords;
import org.gwlbinspect.flowlog.NetflowWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's EVE alert and flow logs (policy.md §4, docs/logs.md) as a Dropwizard lifecycle object: starts the
 * {@link EveLog} (files and writer thread), lets the flow table's {@link NetflowWriter} write through it, and at stop
 * writes the records of the flows still live (reason {@code shutdown}) and closes the files.
 *
 * <p>Manage it before the data plane and the flow housekeeping: Dropwizard stops in reverse order, so they have
 * stopped (no more packets, no more expiry) when {@link #stop} reads the table and flushes everything.
 *
 * <p>For the alert log: {@link #log()} is started before the data plane starts, so the data plane can register one
 * {@link org.gwlbinspect.eve.EveProducer} per worker ({@code log.registerProducer("alert-worker-" + id)}, once, at
 * start) and the worker then claims and publishes alert records itself; {@link #flowRecords()} takes the inspector's
 * {@code setAppProto} and {@code markAlerted}; {@link #clock()} turns the worker's nanoTime into EVE timestamps.
 */
public final class EveLogs implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(EveLogs.class);

    private final EveLogConfig config;
    private final EpochClock clock;
    private final FlowRecords records;
    private final NetflowWriter netflow;
    private volatile FlowTable table;
    private volatile EveLog log; // null when not running
    private volatile EveLog counted; // the last started log: its counters stay readable after stop

    private EveLogs(EveLogConfig config, int flowCapacity) {
        this.config = config;
        this.clock = EpochClock.system();
        this.records = config == null ? FlowRecords.disabled() : new FlowRecords(flowCapacity);
        this.netflow = new NetflowWriter(records, clock);
    }

    /** Logs written with {@code config}, keeping flow records for a table of {@code flowCapacity} flows. */
    public static EveLogs enabled(EveLogConfig config, int flowCapacity) {
        return new EveLogs(Objects.requireNonNull(config, "config"), flowCapacity);
    }

    /** {@code logs.enabled: false}: no files, no per-flow records; {@link #log()} stays null. */
    public static EveLogs disabled() {
        return new EveLogs(null, 0);
    }

    public boolean isEnabled() {
        return config != null;
    }

    /** The listener to build the flow table with: writes the netflow records of flows that end. */
    public FlowEndListener flowEndListener() {
        return config == null ? FlowEndListener.NONE : netflow;
    }

    /** The table whose live flows get their records at {@link #stop}; set once it is built. */
    public void writeLiveFlowsAtStop(FlowTable table) {
        this.table = table;
    }

    /** The per-flow records the workers feed ({@code onPacket}) and the inspector marks. */
    public FlowRecords flowRecords() {
        return records;
    }

    /** Converts the data path's nanoTime to the epoch microseconds of EVE records. */
    public EpochClock clock() {
        return clock;
    }

    /** The running log, or null before {@link #start}, after {@link #stop} and when disabled. */
    public EveLog log() {
        return log;
    }

    /**
     * Lets the calling thread (the flow-expiry thread, off the data path) wait for the log writer when its ring is
     * full, so a burst of ending flows is written rather than dropped.
     */
    public void waitForSpaceOnThisThread() {
        if (config != null) netflow.waitForSpaceOnThisThread();
    }

    @Override
    public void start() {
        if (config == null) {
            LOG.info("EVE logs disabled (logs.enabled: false)");
            return;
        }
        EveLog started;
        try {
            started = EveLog.start(config);
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(
                    "cannot open the EVE logs (logs.alertFile " + config.alertFile() + ", logs.flowFile "
                            + config.flowFile() + "): " + e.getCause()
                            + "; set logs.enabled: false to run without them",
                    e);
        }
        netflow.attach(started);
        counted = started;
        log = started;
        LOG.info(
                "EVE logs: alerts to {}, flows to {} (firewall_name {}, availability_zone {})",
                config.alertFile().toAbsolutePath(),
                config.flowFile().toAbsolutePath(),
                config.firewallName(),
                config.availabilityZone());
    }

    @Override
    public void stop() {
        EveLog current = log;
        if (current == null) return;
        try {
            FlowTable flows = table;
            if (flows != null) {
                int written = netflow.writeLiveFlows(flows, System.nanoTime());
                LOG.info("wrote the netflow records of {} flows still live at shutdown", written);
            }
        } finally {
            netflow.detach();
            log = null;
            current.close();
            LOG.info(
                    "EVE logs closed: {} alert and {} netflow records written, {} and {} lost",
                    current.recordsWritten(EveRecord.EventType.ALERT),
                    current.recordsWritten(EveRecord.EventType.NETFLOW),
                    current.lostRecords(EveRecord.EventType.ALERT),
                    current.lostRecords(EveRecord.EventType.NETFLOW));
        }
    }

    /** Records of {@code type} that reached their file. */
    public long recordsWritten(EveRecord.EventType type) {
        EveLog l = counted;
        return l == null ? 0 : l.recordsWritten(type);
    }

    /** Records of {@code type} lost: full ring, failed write or serialisation. */
    public long recordsLost(EveRecord.EventType type) {
        EveLog l = counted;
        return l == null ? 0 : l.lostRecords(type);
    }

    /** Failed writes, rotations or serialisations (each also logged, rate-limited). */
    public long writeErrors() {
        EveLog l = counted;
        return l == null ? 0 : l.writeErrors();
    }
}
