package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EveLogTest {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @TempDir
    Path dir;

    private EveLogConfig config(long rotateBytes, int keepFiles, int ringSize) {
        return new EveLogConfig(
                dir.resolve("alert.json"),
                dir.resolve("flow.json"),
                rotateBytes,
                keepFiles,
                ringSize,
                "use1-fw",
                "us-east-1b");
    }

    private static void publishExampleAlert(EveProducer producer) {
        EveRecord r = producer.claim(EveRecord.EventType.ALERT);
        if (r != null) {
            EveExamples.fillDefaultActionHttpAlert(r);
            producer.publish();
        }
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void writesAlertsAndNetflowsToTheirOwnFiles() throws IOException {
        List<String> sink = new CopyOnWriteArrayList<>();
        EveProducer producer;
        try (EveLog log = EveLog.start(config(1 << 20, 2, 64), sink::add)) {
            producer = log.registerProducer("worker-0");
            publishExampleAlert(producer);
            EveRecord flow = producer.claim(EveRecord.EventType.NETFLOW);
            EveExamples.fillNetflow(flow);
            producer.publish();
            log.close();
            assertThat(log.recordsWritten(EveRecord.EventType.ALERT)).isEqualTo(1);
            assertThat(log.recordsWritten(EveRecord.EventType.NETFLOW)).isEqualTo(1);
            assertThat(log.lostRecords(EveRecord.EventType.ALERT)).isZero();
            assertThat(log.bytesWritten())
                    .isEqualTo(Files.size(dir.resolve("alert.json")) + Files.size(dir.resolve("flow.json")));
        }
        assertThat(lines(dir.resolve("alert.json"))).containsExactly(EveExamples.DEFAULT_ACTION_HTTP_ALERT);
        assertThat(lines(dir.resolve("flow.json")))
                .containsExactly(EveExamples.NETFLOW
                        .replace("networkfirewall", "use1-fw")
                        .replace("eu-west-1a", "us-east-1b"));
        assertThat(sink).hasSize(2);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void dropsAndCountsRecordsWithoutBlockingWhenTheWriterIsStalled() throws Exception {
        CountDownLatch writerEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Consumer<String> stallingSink = line -> {
            writerEntered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        EveLog log = EveLog.start(config(1 << 20, 2, 16), stallingSink);
        try {
            EveProducer producer = log.registerProducer("worker-0");
            publishExampleAlert(producer);
            assertThat(writerEntered.await(5, TimeUnit.SECONDS)).isTrue();

            long start = System.nanoTime();
            for (int i = 0; i < 100_000; i++) {
                publishExampleAlert(producer);
            }
            long elapsed = System.nanoTime() - start;
            assertThat(Duration.ofNanos(elapsed)).isLessThan(Duration.ofSeconds(5));
            // The stalled writer still holds the first slot (freed after its batch): 15 more fit, the rest is lost.
            assertThat(log.lostOnFullRing(EveRecord.EventType.ALERT)).isEqualTo(100_000 - 15);
            assertThat(log.lostRecords(EveRecord.EventType.ALERT)).isEqualTo(100_000 - 15);
            assertThat(log.lostRecords(EveRecord.EventType.NETFLOW)).isZero();
        } finally {
            release.countDown();
            log.close();
        }
        assertThat(log.recordsWritten(EveRecord.EventType.ALERT)).isEqualTo(16);
        assertThat(lines(dir.resolve("alert.json"))).hasSize(16);
    }

    @Test
    void drainsEveryProducerOnClose() throws IOException {
        EveLog log = EveLog.start(config(1 << 20, 2, 1024));
        EveProducer a = log.registerProducer("worker-0");
        EveProducer b = log.registerProducer("worker-1");
        for (int i = 0; i < 500; i++) {
            publishExampleAlert(a);
            publishExampleAlert(b);
        }
        log.close();
        log.close(); // idempotent
        assertThat(lines(dir.resolve("alert.json"))).hasSize(1000);
        assertThat(log.recordsWritten(EveRecord.EventType.ALERT)).isEqualTo(1000);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void writesARecordPublishedAfterAnIdleSpellAndClosesFromItsLongestPark() throws Exception {
        EveLog log = EveLog.start(config(1 << 20, 2, 64));
        EveProducer producer = log.registerProducer("worker-0");
        Thread.sleep(50); // the writer has backed off to its longest park
        publishExampleAlert(producer);
        Path alerts = dir.resolve("alert.json");
        long published = System.nanoTime();
        while (Files.size(alerts) == 0) Thread.sleep(1);
        long writtenAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - published);
        assertThat(lines(alerts)).containsExactly(EveExamples.DEFAULT_ACTION_HTTP_ALERT);
        // Bounded by the longest park (8 ms) plus scheduling: a loose bound, to catch a writer that stopped polling.
        assertThat(writtenAfterMillis).isLessThan(2_000);

        Thread.sleep(50);
        assertThat(log.close(1_000)).isTrue();
        assertThat(log.writerThread().isAlive()).isFalse();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void flushesAPublishedRecordWithoutClose() throws Exception {
        try (EveLog log = EveLog.start(config(1 << 20, 2, 64))) {
            publishExampleAlert(log.registerProducer("worker-0"));
            Path alerts = dir.resolve("alert.json");
            while (Files.size(alerts) == 0) {
                Thread.sleep(10);
            }
            assertThat(lines(alerts)).containsExactly(EveExamples.DEFAULT_ACTION_HTTP_ALERT);
        }
    }

    @Test
    void rotatesAtTheSizeBoundAndKeepsTheConfiguredNumberOfFiles() throws IOException {
        long bound = EveLogConfig.MIN_ROTATE_BYTES;
        int records = 600; // ~640 B each: about six files' worth
        try (EveLog log = EveLog.start(config(bound, 2, 1024))) {
            EveProducer producer = log.registerProducer("worker-0");
            for (int i = 0; i < records; i++) {
                EveRecord r;
                while ((r = producer.claim(EveRecord.EventType.ALERT)) == null) {
                    Thread.onSpinWait();
                }
                EveExamples.fillDefaultActionHttpAlert(r);
                r.flowId(i);
                producer.publish();
            }
            log.close();
            assertThat(log.rotations()).isGreaterThanOrEqualTo(4);
            assertThat(log.recordsWritten(EveRecord.EventType.ALERT)).isEqualTo(records);
        }
        Path live = dir.resolve("alert.json");
        List<Path> kept = List.of(live, dir.resolve("alert.json.1"), dir.resolve("alert.json.2"));
        assertThat(dir.resolve("alert.json.3")).doesNotExist();
        ObjectMapper json = new ObjectMapper();
        long expectedFlowId = records - 1;
        for (Path file : kept) {
            assertThat(Files.size(file)).isLessThanOrEqualTo(bound);
            List<String> fileLines = lines(file);
            // Newest first: the live file ends with the last record, each rotated file precedes the newer one.
            for (int i = fileLines.size() - 1; i >= 0; i--) {
                long flowId = json.readTree(fileLines.get(i))
                        .get("event")
                        .get("flow_id")
                        .asLong();
                assertThat(flowId).isEqualTo(expectedFlowId--);
            }
        }
        assertThat(Files.size(dir.resolve("alert.json.2"))).isGreaterThan(bound - 1024);
    }

    @Test
    void countsRotationFailureAndKeepsWriting() throws IOException {
        Path blocker = dir.resolve("alert.json.1");
        Files.createDirectories(blocker);
        Files.writeString(blocker.resolve("keep"), "x"); // a non-empty directory cannot be replaced by a file
        try (EveLog log = EveLog.start(config(EveLogConfig.MIN_ROTATE_BYTES, 1, 1024))) {
            EveProducer producer = log.registerProducer("worker-0");
            for (int i = 0; i < 300; i++) {
                while (producer.backlog() > 512) {
                    Thread.onSpinWait();
                }
                publishExampleAlert(producer);
            }
            log.close();
            assertThat(log.writeErrors()).isPositive();
            assertThat(log.recordsWritten(EveRecord.EventType.ALERT)).isEqualTo(300);
        }
        assertThat(lines(dir.resolve("alert.json"))).hasSize(300);
    }

    @Test
    void refusesToStartWhenALogFileCannotBeOpened() throws IOException {
        Files.createDirectories(dir.resolve("alert.json"));
        assertThatThrownBy(() -> EveLog.start(config(1 << 20, 2, 64)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("alert.json");
    }

    @Test
    void allocatesNothingOnTheProducerPath() throws Exception {
        try (EveLog log = EveLog.start(config(64L << 20, 1, 1 << 15))) {
            EveProducer producer = log.registerProducer("worker-0");
            byte[] sni = EveExamples.ascii("ssm.us-east-1.amazonaws.com");
            for (int i = 0; i < 30_000; i++) {
                enqueue(producer, sni, i);
            }
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                enqueue(producer, sni, i);
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).isLessThan(1024);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aWriterLeftBlockedByCloseEndsWithoutReopeningItsFileWhenTheWriteFails() throws Exception {
        Path fifo = dir.resolve("alert.json");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).isZero();
        // Opened read-write, the pipe has a reader (this test) that never reads: the writer blocks once 64 KiB are in.
        FileChannel pipe = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
        EveLog log = EveLog.start(config(1 << 30, 1, 1 << 10));
        try {
            EveProducer producer = log.registerProducer("worker-0");
            for (int i = 0; i < 1_000; i++) publishExampleAlert(producer); // several hundred KB
            assertThat(log.close(300))
                    .as("close gives up on a writer blocked in write()")
                    .isFalse();

            Files.delete(fifo); // what a cleanup after shutdown does; the blocked writer still holds the pipe
        } finally {
            pipe.close(); // the pipe's only reader gone: the blocked write fails with EPIPE
        }
        log.writerThread().join(Duration.ofSeconds(10));
        assertThat(log.writerThread().isAlive()).as("writer ended").isFalse();
        assertThat(fifo).as("no log file created again after close").doesNotExist();
        // What fit in the pipe before it filled is written; everything else is counted as lost, none unaccounted for.
        long written = log.recordsWritten(EveRecord.EventType.ALERT);
        assertThat(written).isLessThan(1_000);
        assertThat(written + log.lostRecords(EveRecord.EventType.ALERT))
                .as("every record written or counted as lost")
                .isEqualTo(1_000);
    }

    private static void enqueue(EveProducer producer, byte[] sni, long flowId) {
        EveRecord r = producer.claim(EveRecord.EventType.ALERT);
        if (r == null) {
            return; // counted as lost; dropping is part of the measured path too
        }
        r.timestampMicros(1_752_419_374_606_289L)
                .flowId(flowId)
                .ipv4(0x0AAA122FL, 0x43DCF4BEL)
                .ports(49402, 443)
                .proto(6)
                .appProto(EveRecord.AppProto.TLS)
                .direction(EveRecord.Direction.TO_SERVER)
                .alert(EveRecord.AlertAction.ALLOWED, 100003, 1, "matching TLS allow-listed FQDNs", "", 3)
                .verdict(EveRecord.VerdictAction.PASS)
                .tls(0, false)
                .sni(sni, 0, sni.length);
        producer.publish();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void writerThreadAllocatesNothingPerRecord() throws Exception {
        try (EveLog log = EveLog.start(config(64L << 20, 1, 1 << 12))) {
            EveProducer producer = log.registerProducer("worker-0");
            long writerId = log.writerThread().threadId();
            writeAndWait(log, producer, 30_000);
            long before = THREADS.getThreadAllocatedBytes(writerId);
            writeAndWait(log, producer, 10_000);
            long allocated = THREADS.getThreadAllocatedBytes(writerId) - before;
            assertThat(allocated).isLessThan(1024);
        }
    }

    private static void writeAndWait(EveLog log, EveProducer producer, int records) throws InterruptedException {
        long target = log.recordsWritten(EveRecord.EventType.ALERT) + records;
        for (int i = 0; i < records; i++) {
            EveRecord r;
            while ((r = producer.claim(EveRecord.EventType.ALERT)) == null) {
                Thread.onSpinWait();
            }
            EveExamples.fillDefaultActionHttpAlert(r);
            producer.publish();
        }
        while (log.recordsWritten(EveRecord.EventType.ALERT) < target) {
            Thread.sleep(5);
        }
    }
}
