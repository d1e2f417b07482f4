package org.gwlbinspect.eve;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The EVE alert and flow logs (policy.md §4): producers enqueue {@link EveRecord}s through their own
 * {@link EveProducer} ring without blocking or allocating; one writer thread drains all rings, serialises each record
 * with one reused {@link JsonGenerator} per log into the NFW envelope and appends it to a size-rotated file.
 *
 * <p>The writer writes its buffers out when the rings are empty and at least every {@value #FLUSH_INTERVAL_MILLIS}
 * ms while they are not. A record is lost, and counted, when its producer's ring is full or when the file write it
 * was part of failed; write errors are counted and logged rate-limited, never propagated to producers. {@link #close}
 * writes everything published before it and closes the files.
 */
public final class EveLog implements AutoCloseable {

    static final long FLUSH_INTERVAL_MILLIS = 100;
    private static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(FLUSH_INTERVAL_MILLIS);

    /** Records taken from one ring before moving to the next, so one busy worker cannot starve the others. */
    private static final int DRAIN_BATCH = 256;

    private static final int FILE_BUFFER_BYTES = 256 * 1024;

    /**
     * Longest {@link #close} waits for the writer. A write to a log file that blocks (a FIFO nobody reads, a hung
     * network file system) would otherwise hold up the appliance's shutdown until systemd kills it.
     */
    static final long CLOSE_WAIT_MILLIS = 10_000;

    private static final System.Logger LOG = System.getLogger(EveLog.class.getName());

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final EveLogConfig config;
    private final WriteErrorReporter errors = WriteErrorReporter.everyMinute();
    private final EveSerializer serializer;
    private final Output alerts;
    private final Output flows;
    private final Consumer<EveRecord> route = this::writeRecord;
    private final Consumer<EveRecord> discard =
            record -> output(record.type).file.discardOne();
    private final Object registration = new Object();
    private volatile EveProducer[] producers = new EveProducer[0];
    private volatile boolean running = true;
    private volatile boolean abandoned; // close() stopped waiting for the writer: it must end without reopening
    private final Thread writer;

    private EveLog(EveLogConfig config, Consumer<String> lineSink) throws IOException {
        this.config = config;
        this.serializer = new EveSerializer(config.firewallName(), config.availabilityZone());
        this.alerts = new Output(
                config.alertFile(),
                new RotatingFile(
                        config.alertFile(), config.rotateBytes(), config.keepFiles(), FILE_BUFFER_BYTES, errors),
                lineSink);
        Output flowOutput;
        try {
            flowOutput = new Output(
                    config.flowFile(),
                    new RotatingFile(
                            config.flowFile(), config.rotateBytes(), config.keepFiles(), FILE_BUFFER_BYTES, errors),
                    lineSink);
        } catch (IOException e) {
            alerts.close();
            throw e;
        }
        this.flows = flowOutput;
        this.writer = Thread.ofPlatform().name("eve-log-writer").daemon(true).unstarted(this::runWriter);
    }

    /**
     * Opens (creating if needed) both log files and starts the writer thread.
     *
     * @throws UncheckedIOException if a log file cannot be opened: a startup error, reported to the caller
     */
    public static EveLog start(EveLogConfig config) {
        return start(config, null);
    }

    /** As {@link #start(EveLogConfig)}, also passing every line (without its newline) to {@code lineSink}: tests. */
    public static EveLog start(EveLogConfig config, Consumer<String> lineSink) {
        Objects.requireNonNull(config, "config");
        EveLog log;
        try {
            log = new EveLog(config, lineSink);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot open EVE log files " + config.alertFile() + ", " + config.flowFile(), e);
        }
        log.writer.start();
        return log;
    }

    /**
     * Creates the ring for one producer thread (a worker, the flow-expiry thread). Call at startup, once per thread;
     * the ring lives as long as the log.
     */
    public EveProducer registerProducer(String name) {
        EveProducer producer = new EveProducer(name, config.ringSize());
        synchronized (registration) { // control plane only
            EveProducer[] current = producers;
            EveProducer[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = producer;
            producers = next;
        }
        return producer;
    }

    public EveLogConfig config() {
        return config;
    }

    /** Records that reached their log file. */
    public long recordsWritten(EveRecord.EventType type) {
        return output(type).file.recordsWritten();
    }

    /** Records lost: dropped on a full ring ({@link #lostOnFullRing}) plus discarded by a failed write. */
    public long lostRecords(EveRecord.EventType type) {
        return lostOnFullRing(type) + output(type).file.recordsDiscarded() + output(type).serializationFailures;
    }

    /** Records dropped because their producer's ring was full. */
    public long lostOnFullRing(EveRecord.EventType type) {
        long lost = 0;
        for (EveProducer p : producers) {
            lost += p.lostRecords(type);
        }
        return lost;
    }

    /** Byte fields cut to their bound (a url over 2048 bytes, ...) over all producers. */
    public long truncatedFields() {
        long n = 0;
        for (EveProducer p : producers) {
            n += p.truncatedFields();
        }
        return n;
    }

    /** Bytes written to both log files. */
    public long bytesWritten() {
        return alerts.file.bytesWritten() + flows.file.bytesWritten();
    }

    /** File rotations of both logs. */
    public long rotations() {
        return alerts.file.rotations() + flows.file.rotations();
    }

    /** Failed writes, rotations or serialisations; each is also logged, rate-limited. */
    public long writeErrors() {
        return errors.errors();
    }

    /**
     * Writes everything published so far, closes the files and stops the writer thread. Idempotent. Waits at most
     * {@value #CLOSE_WAIT_MILLIS} ms: a writer blocked in a write is left behind (a daemon thread; what it still held
     * is lost, with a warning), and once that write returns it ends without opening the files again. If the calling
     * thread is interrupted while waiting, it stops waiting (the writer still finishes) and keeps its interrupt flag.
     */
    @Override
    public void close() {
        close(CLOSE_WAIT_MILLIS);
    }

    /** {@link #close()} with another bound on the wait: tests. Returns whether the writer finished. */
    boolean close(long waitMillis) {
        running = false;
        LockSupport.unpark(writer); // not to wait out an idle park
        try {
            writer.join(waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (!writer.isAlive()) return true;
        abandoned = true;
        alerts.file.abandon();
        flows.file.abandon();
        LOG.log(
                System.Logger.Level.WARNING,
                "EVE log writer still busy after " + waitMillis + " ms (a write to " + config.alertFile() + " or "
                        + config.flowFile() + " blocks?); closing without it, records not yet written are lost");
        return false;
    }

    /** The writer thread, for allocation measurements in tests. */
    Thread writerThread() {
        return writer;
    }

    private Output output(EveRecord.EventType type) {
        return type == EveRecord.EventType.ALERT ? alerts : flows;
    }

    private void runWriter() {
        long lastFlush = System.nanoTime();
        // Producers never wake the writer (a syscall on the data path): an idle writer polls, less often the longer
        // it has been idle.
        IdleBackoff backoff = new IdleBackoff();
        while (!abandoned) {
            // Read the flag before draining: everything published before close() is then drained below.
            boolean stopping = !running;
            int drained = 0;
            for (EveProducer producer : producers) {
                drained += producer.drainTo(route, DRAIN_BATCH);
            }
            long now = System.nanoTime();
            if (drained == 0 || now - lastFlush >= FLUSH_INTERVAL_NANOS) {
                alerts.file.flush();
                flows.file.flush();
                lastFlush = now;
            }
            if (drained == 0) {
                if (stopping) {
                    break;
                }
                LockSupport.parkNanos(backoff.idleParkNanos());
            } else {
                backoff.active();
            }
        }
        if (abandoned) {
            // What close() gave up on: records still in the rings are lost, and counted so (one pass, bounded by the
            // rings' size; the data plane stopped before close()).
            for (EveProducer producer : producers) {
                producer.drainTo(discard, config.ringSize());
            }
        }
        alerts.close();
        flows.close();
    }

    private void writeRecord(EveRecord record) {
        output(record.type).write(record);
    }

    /** One log: its generator, line buffer and file. Writer thread only. */
    private final class Output {
        final Path path;
        final RotatingFile file;
        final LineBuffer line = new LineBuffer();
        final Consumer<String> sink;
        JsonGenerator generator;
        volatile long serializationFailures;

        Output(Path path, RotatingFile file, Consumer<String> sink) throws IOException {
            this.path = path;
            this.file = file;
            this.sink = sink;
            this.generator = newGenerator(line);
        }

        void write(EveRecord record) {
            line.reset();
            try {
                serializer.write(record, generator);
                generator.flush();
            } catch (IOException | RuntimeException e) {
                errors.report(path, e);
                serializationFailures = serializationFailures + 1; // single writer
                try {
                    generator = newGenerator(line); // its nesting state is unknown now
                } catch (IOException impossible) {
                    throw new UncheckedIOException(impossible);
                }
                return;
            }
            if (sink != null) {
                sink.accept(line.text());
            }
            line.write('\n');
            file.append(line.array(), 0, line.size());
        }

        void close() {
            file.close();
        }
    }

    private static JsonGenerator newGenerator(LineBuffer target) throws IOException {
        JsonGenerator generator = JSON.createGenerator(target, JsonEncoding.UTF8);
        generator.setRootValueSeparator(null); // one record per line: we add the newline
        return generator;
    }
}
