package org.gwlbinspect.appliance.logs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The EVE logs under pressure (docs/security.md "Logging under pressure"): a full file system and a log file nobody
 * drains never hold up a packet; the records that cannot be written are counted as lost, and writing resumes once
 * there is room again. Every packet here matches an alert rule, so every packet produces a record.
 */
class LogPressureIT {
    private static final String RULES = "alert udp any any -> any any (msg:\"every datagram\"; sid:2001; rev:1;)\n";
    private static final Duration REPLY = Duration.ofSeconds(2);
    private static final String LOST = "appliance_eve_records_lost_total{type=\"alert\"}";
    private static final String WRITTEN = "appliance_eve_records_written_total{type=\"alert\"}";
    private static final long SERVER = ipv4(52, 1, 2, 3);
    // This test's own GWLB address: replies meant for other tools on 127.0.0.2:6081 never reach it, nor ours them.
    private static final int PEER = 0x7F000813; // 127.0.8.19

    @TempDir
    Path dir;

    @Test
    void aFullFileSystemLosesCountedRecordsNeverPacketsAndWritingResumesWhenSpaceReturns() throws Exception {
        Path mount = Files.createDirectory(dir.resolve("tmpfs"));
        run("mount", "-t", "tmpfs", "-o", "size=128k,mode=0700", "gwlbinspect-logtest", mount.toString());
        try {
            Path filler = mount.resolve("filler");
            Files.write(filler, new byte[96 * 1024]); // leaves room for a few dozen alert records
            Path alerts = mount.resolve("alert.json");
            try (TestAppliance appliance = TestAppliance.start(
                            "policy.path=" + Files.writeString(dir.resolve("every.rules"), RULES),
                            "logs.alertFile=" + alerts,
                            "logs.flowFile=" + dir.resolve("flow.json"));
                    GwlbPeer gwlb = new GwlbPeer(PEER, GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
                for (int i = 0; i < 400; i++) sendAndExpectReply(gwlb, i);

                TestAppliance.await(
                        Duration.ofSeconds(5), () -> metric(appliance, LOST) > 0, "records lost to the full disk");
                assertThat(appliance.metric("appliance_eve_write_errors_total")).isPositive();
                double written = metric(appliance, WRITTEN);
                double lost = metric(appliance, LOST);
                assertThat(written).isLessThan(400);
                TestAppliance.await(
                        Duration.ofSeconds(5),
                        () -> metric(appliance, WRITTEN) + metric(appliance, LOST) == 400,
                        "every record written or counted as lost");
                assertEveryLineIsJson(alerts); // a write cut short by ENOSPC left no partial line behind

                Files.delete(filler);
                for (int i = 400; i < 420; i++) sendAndExpectReply(gwlb, i);

                TestAppliance.await(
                        Duration.ofSeconds(5),
                        () -> metric(appliance, WRITTEN) == written + 20,
                        "the 20 records sent after space returned written");
                assertThat(metric(appliance, LOST)).isEqualTo(lost);
                assertEveryLineIsJson(alerts);
                String text = Files.readString(alerts);
                for (int i = 400; i < 420; i++) assertThat(text).contains("\"src_port\":" + (20_000 + i) + ",");
            }
        } finally {
            run("umount", "-l", mount.toString());
        }
    }

    @Test
    void aLogFileNobodyReadsLosesCountedRecordsNeverPacketsAndWritingResumesWhenRead() throws Exception {
        Path fifo = dir.resolve("alert.json");
        run("mkfifo", fifo.toString());
        // Read and write: opening does not wait for a peer, and the pipe stays open for the appliance's writer,
        // which blocks once the 64 KiB pipe buffer is full since nobody reads yet.
        try (FileChannel pipe = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
                TestAppliance appliance = TestAppliance.start(
                        "policy.path=" + Files.writeString(dir.resolve("every.rules"), RULES),
                        "logs.alertFile=" + fifo,
                        "logs.flowFile=" + dir.resolve("flow.json"),
                        "logs.ringSize=64");
                GwlbPeer gwlb = new GwlbPeer(PEER, GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            long started = System.nanoTime();
            for (int i = 0; i < 600; i++) sendAndExpectReply(gwlb, i); // ~400 KB of records into a 64 KiB pipe

            TestAppliance.await(Duration.ofSeconds(5), () -> metric(appliance, LOST) > 0, "records lost");
            double written = metric(appliance, WRITTEN);
            assertThat(written).isLessThan(600);
            assertThat(System.nanoTime() - started)
                    .as("600 packets through a blocked log")
                    .isLessThan(TimeUnit.SECONDS.toNanos(60));

            StringBuilder read = new StringBuilder();
            AtomicBoolean reading = new AtomicBoolean(true);
            Thread reader = Thread.ofPlatform().daemon().start(() -> drain(pipe, read, reading));
            try {
                TestAppliance.await(
                        Duration.ofSeconds(10),
                        () -> metric(appliance, WRITTEN) + metric(appliance, LOST) == 600,
                        "the backlog written once the pipe is read");
                for (int i = 600; i < 620; i++) sendAndExpectReply(gwlb, i);
                TestAppliance.await(
                        Duration.ofSeconds(10),
                        () -> contains(read, "\"src_port\":" + (20_000 + 619)),
                        "the records sent after the reader came back");
            } finally {
                reading.set(false);
                reader.join(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS) // without the bounded wait, close() never returns
    void aLogFileNobodyReadsDoesNotHoldUpShutdown() throws Exception {
        Path fifo = dir.resolve("alert.json");
        run("mkfifo", fifo.toString());
        try (FileChannel pipe = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            TestAppliance appliance = TestAppliance.start(
                    "policy.path=" + Files.writeString(dir.resolve("every.rules"), RULES),
                    "logs.alertFile=" + fifo,
                    "logs.flowFile=" + dir.resolve("flow.json"),
                    "logs.ringSize=64");
            try (GwlbPeer gwlb = new GwlbPeer(PEER, GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
                for (int i = 0; i < 300; i++) sendAndExpectReply(gwlb, i); // the writer is now blocked in write()
                TestAppliance.await(Duration.ofSeconds(5), () -> metric(appliance, LOST) > 0, "records lost");
            } finally {
                long stopping = System.nanoTime();
                appliance.close();
                // EveLog waits 10 s for its writer, the flow records of the 300 live flows find the ring full at once.
                assertThat(System.nanoTime() - stopping)
                        .as("shutdown with a blocked log file")
                        .isLessThan(TimeUnit.SECONDS.toNanos(30));
            }
        } // closing the pipe's only reader fails the blocked write (EPIPE): the writer thread ends
    }

    /** One datagram of a new UDP flow; its reply must come back: the data path is not waiting for the log. */
    private static void sendAndExpectReply(GwlbPeer gwlb, int i) throws IOException {
        byte[] datagram =
                GwlbPeer.bytes(gwlb(ipv4Packet(17, ipv4(10, 100, 2, 1), SERVER, udp(20_000 + i, 9999, new byte[32]))));
        gwlb.send(30_000 + i, datagram);
        GwlbPeer.Reply reply = gwlb.receive(REPLY);
        assertThat(reply).as("reply to datagram %d", i).isNotNull();
        assertThat(reply.payload()).isEqualTo(datagram);
    }

    private static void drain(FileChannel pipe, StringBuilder into, AtomicBoolean reading) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (reading.get()) {
                buffer.clear();
                int n = pipe.read(buffer); // blocks until data; the appliance keeps writing while the test runs
                if (n > 0) {
                    synchronized (into) {
                        into.append(new String(buffer.array(), 0, n, UTF_8));
                    }
                }
            }
        } catch (IOException e) {
            // the channel was closed at the end of the test
        }
    }

    private static boolean contains(StringBuilder text, String part) {
        synchronized (text) {
            return text.indexOf(part) >= 0;
        }
    }

    private static void assertEveryLineIsJson(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            assertThat(json.readTree(line).path("event").path("event_type").asText())
                    .as(line)
                    .isEqualTo("alert");
        }
    }

    private static double metric(TestAppliance appliance, String sample) {
        try {
            return appliance.metric(sample);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " timed out");
        }
        if (process.exitValue() != 0)
            throw new IOException(String.join(" ", command) + ": "
                    + new String(process.getInputStream().readAllBytes(), UTF_8));
    }
}
