package org.gwlbinspect.appliance.replay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import org.gwlbinspect.eve.EveLogConfig;
import org.gwlbinspect.eve.EveRecord;
import org.gwlbinspect.verdict.Enforcement;
import org.gwlbinspect.verdict.Verdict;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

/**
 * Replays a capture through the {@link ReplayPipeline} in this process, like {@code suricata -r}: every frame, in file
 * order, with its capture time as the clock; a verdict line per frame, the EVE logs, optionally the passed frames to a
 * pcap, and a {@link ReplaySummary}.
 */
public final class Replay implements AutoCloseable {
    /** Datagram buffer: the largest IP packet plus the GENEVE header. */
    static final int DATAGRAM_CAPACITY = 65_535 + 64;

    private static final int SNAPSHOT_LENGTH = 262_144;
    private static final long LOG_ROTATE_NEVER = Long.MAX_VALUE;
    private static final int LOG_RING_SIZE = 4096;
    /** The verdict file's names, computed once instead of a lower-cased String per frame. */
    private static final String[] VERDICT_NAMES = new String[Verdict.values().length];

    static {
        for (Verdict v : Verdict.values()) VERDICT_NAMES[v.ordinal()] = v.name().toLowerCase(java.util.Locale.ROOT);
    }

    private final CaptureReader reader;
    private final ReplayPipeline pipeline;
    private final VerdictWriter verdicts;
    private final AllowedPackets allowed;
    private final CaptureFeed feed;
    private final ByteBuf datagram = datagramBuffer(DATAGRAM_CAPACITY);
    private final ReplaySummary summary;

    private Replay(
            CaptureReader reader,
            ReplayPipeline pipeline,
            VerdictWriter verdicts,
            AllowedPackets allowed,
            ReplayOptions options) {
        this.reader = reader;
        this.pipeline = pipeline;
        this.verdicts = verdicts;
        this.allowed = allowed;
        this.feed = new CaptureFeed(reader, new GwlbEncapsulator(options.endpointId(), options.attachmentId()));
        this.summary = new ReplaySummary(options.capture().toString());
        pipeline.tracksDecidingStage(verdicts != null); // only the verdict file says which stage decided
        summary.linkType(reader.linkTypeName());
    }

    /**
     * Runs the replay; {@code stdout} takes the verdict lines when {@code options.verdicts()} is {@code -}.
     *
     * @throws CaptureException when the capture cannot be opened or breaks off (what was read is still logged)
     * @throws IOException when an output cannot be written
     */
    public static ReplaySummary run(ReplayOptions options, PrintStream stdout) throws CaptureException, IOException {
        try (Replay replay = open(options, stdout)) {
            return replay.replayAll();
        }
    }

    /**
     * Opens the capture and the outputs and builds the pipeline, ready for {@link #replayAll} (which the benchmarks
     * time apart from this set-up, as the summary's packets/s does).
     */
    public static Replay open(ReplayOptions options, PrintStream stdout) throws CaptureException, IOException {
        if (options.capture() == null) throw new IllegalArgumentException("replay needs a capture file");
        EveLogConfig logs = null;
        Path verdictFile = null;
        if (options.logsDir() != null) {
            Files.createDirectories(options.logsDir());
            logs = new EveLogConfig(
                    replace(options.logsDir().resolve("alert.json")),
                    replace(options.logsDir().resolve("flow.json")),
                    LOG_ROTATE_NEVER,
                    0,
                    LOG_RING_SIZE,
                    options.firewallName(),
                    options.availabilityZone());
            verdictFile = options.logsDir().resolve("verdicts.json");
        }
        if (options.verdicts() != null)
            verdictFile = "-".equals(options.verdicts()) ? null : Path.of(options.verdicts());
        boolean verdictsToStdout = "-".equals(options.verdicts());

        CaptureReader reader = CaptureReader.open(options.capture());
        ReplayPipeline pipeline = null;
        VerdictWriter verdicts = null;
        try {
            pipeline = new ReplayPipeline(
                    options.policy(),
                    options.flows(),
                    ReplayPipeline.statefulFor(options.streamCapacity()),
                    logs,
                    options.maxDatagramBytes(),
                    Enforcement.ENFORCE);
            verdicts = verdictWriter(verdictFile, verdictsToStdout, stdout);
            AllowedPackets allowed = AllowedPackets.open(options.writeAllowed(), reader.linkType());
            return new Replay(reader, pipeline, verdicts, allowed, options);
        } catch (IOException | RuntimeException e) {
            try {
                if (verdicts != null) verdicts.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (pipeline != null) pipeline.close();
            reader.close();
            throw e;
        }
    }

    /** Replays every frame of the capture; once. */
    public ReplaySummary replayAll() throws CaptureException, IOException {
        long started = System.nanoTime();
        long cpuStarted = threadCpuNanos();
        try {
            while (true) {
                datagram.clear();
                if (!feed.next(datagram)) break;
                long index = reader.index();
                long timestamp = reader.timestampNanos();
                summary.frame(timestamp);
                if (feed.skipReason() != null) {
                    summary.skipped(feed.skipReason());
                    if (verdicts != null) verdicts.writeSkipped(index, timestamp, feed.skipReason());
                    continue;
                }
                Verdict verdict = pipeline.inspect(
                        datagram,
                        0,
                        datagram.writerIndex(),
                        feed.gwlbAddress(),
                        feed.gwlbPort(),
                        feed.applianceAddress(),
                        timestamp);
                summary.verdict(verdict, pipeline.dropReason(), pipeline.alertSids(), pipeline.alertCount());
                if (verdicts != null) {
                    verdicts.write(
                            index,
                            timestamp,
                            pipeline.inner(),
                            pipeline.innerDecoded(),
                            VERDICT_NAMES[verdict.ordinal()],
                            pipeline.dropReason() == null
                                    ? null
                                    : pipeline.dropReason().label(),
                            pipeline.decidedBy(),
                            pipeline.alertSids(),
                            pipeline.alertCount());
                }
                if (verdict == Verdict.PASS && allowed != null) {
                    allowed.write(reader.frame(), timestamp); // a copy: pcap4j writes whole arrays
                    summary.allowedWritten();
                }
            }
        } finally {
            // Also when the capture breaks off: what was replayed gets its flow records and reaches the logs.
            pipeline.finish();
            long cpuEnded = threadCpuNanos();
            summary.cpu(cpuStarted < 0 || cpuEnded < 0 ? -1 : cpuEnded - cpuStarted);
            summary.finish(
                    System.nanoTime() - started,
                    pipeline.alerts(),
                    pipeline.flowsCreated(),
                    pipeline.recordsWritten(EveRecord.EventType.NETFLOW),
                    pipeline.recordsWritten(EveRecord.EventType.ALERT),
                    pipeline.recordsLost(EveRecord.EventType.NETFLOW)
                            + pipeline.recordsLost(EveRecord.EventType.ALERT));
        }
        return summary;
    }

    @Override
    public void close() throws IOException {
        // In the reverse order of opening, as try-with-resources closed them.
        try {
            if (allowed != null) allowed.close();
            if (verdicts != null) verdicts.close();
        } finally {
            pipeline.close();
            reader.close();
            datagram.release();
        }
    }

    /** This thread's CPU time in nanoseconds, -1 where the JVM does not measure it. */
    private static long threadCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()
                ? threads.getCurrentThreadCpuTime()
                : -1;
    }

    /**
     * A direct buffer for datagrams, of the kind the data path receives into (pooled, from the allocator the epoll
     * channel uses), so that the replay and its benchmarks run the inspection code on the same buffer class.
     */
    static ByteBuf datagramBuffer(int capacity) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(capacity, capacity);
    }

    private static Path replace(Path file) throws IOException {
        Files.deleteIfExists(file); // the EVE log appends; a replay's logs hold that replay only
        return file;
    }

    private static VerdictWriter verdictWriter(Path file, boolean toStdout, PrintStream stdout) throws IOException {
        if (toStdout) return new VerdictWriter(stdout, true);
        if (file == null) return null;
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        return new VerdictWriter(out, false);
    }

    /** The passed frames, written as they were captured to a pcap of the capture's link type (microseconds). */
    static final class AllowedPackets implements AutoCloseable {
        private final PcapHandle dead;
        private final PcapDumper dumper;

        private AllowedPackets(PcapHandle dead, PcapDumper dumper) {
            this.dead = dead;
            this.dumper = dumper;
        }

        static AllowedPackets open(Path file, int linkType) throws IOException {
            if (file == null) return null;
            PcapHandle dead = null;
            try {
                dead = Pcaps.openDead(
                        DataLinkType.getInstance(linkType), SNAPSHOT_LENGTH, PcapHandle.TimestampPrecision.MICRO);
                return new AllowedPackets(dead, dead.dumpOpen(file.toString()));
            } catch (PcapNativeException | NotOpenException e) {
                if (dead != null) dead.close();
                throw new IOException(file + ": cannot write a pcap: " + e.getMessage(), e);
            }
        }

        void write(byte[] frame, long timestampNanos) throws IOException {
            Timestamp ts = new Timestamp(Math.floorDiv(timestampNanos, 1_000_000L));
            ts.setNanos((int) Math.floorMod(timestampNanos, 1_000_000_000L));
            try {
                dumper.dumpRaw(frame, ts);
            } catch (NotOpenException e) {
                throw new IOException(e);
            }
        }

        @Override
        public void close() {
            dumper.close();
            dead.close();
        }
    }
}
