package org.gwlbinspect.appliance.sim;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Helpers for end-to-end tests through a running simulator: UDP sockets opened inside a namespace, commands run in one
 * (bounded), the appliance's Prometheus counters, digests. Each wait is bounded in time.
 */
final class SimNamespaceTools {
    private SimNamespaceTools() {}

    /** A UDP socket bound to {@code bind} inside {@code namespace}, receiving with a {@code timeoutMillis} timeout. */
    static DatagramSocket udpSocket(String namespace, InetSocketAddress bind, int timeoutMillis)
            throws SimulatorException {
        return NamespaceThreads.call(namespace, () -> {
            DatagramSocket socket = new DatagramSocket(null);
            socket.bind(bind);
            socket.setSoTimeout(timeoutMillis);
            return socket;
        });
    }

    /** Receives one datagram (up to 64 KiB) or throws {@link java.net.SocketTimeoutException}. */
    static DatagramPacket receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[65_536], 65_536);
        socket.receive(packet);
        return packet;
    }

    /** {@code length} pseudo-random bytes from {@code seed}: the same every run, different per seed. */
    static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, offset, length);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        return sha256(bytes, 0, bytes.length);
    }

    static String sha256(DatagramPacket packet) {
        return sha256(packet.getData(), packet.getOffset(), packet.getLength());
    }

    static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    /** What a command did: its exit code and its output (stdout and stderr). */
    record Result(int exitCode, String output) {}

    /** Runs {@code command} in {@code namespace}, killing it after {@code maxSeconds}. */
    static Result run(String namespace, int maxSeconds, String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        // Read on another thread, so that the wait below bounds a command that hangs.
        byte[][] output = new byte[1][];
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output[0] = process.getInputStream().readAllBytes();
            } catch (IOException e) {
                output[0] = ("(output unreadable: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        if (!process.waitFor(maxSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        String text = output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8);
        return new Result(process.isAlive() ? -1 : process.exitValue(), text);
    }

    /** The Prometheus text the simulator's own appliance serves on its admin port (inside its namespace). */
    static String metrics(Topology topology) throws IOException, InterruptedException {
        Result result = run(
                topology.applianceNamespace(),
                20,
                "curl",
                "-s",
                "-m",
                "5",
                "http://127.0.0.1:" + ApplianceProcess.ADMIN_PORT + "/metrics");
        if (result.exitCode() != 0) throw new IOException("metrics not readable: " + result);
        return result.output();
    }

    /** The value of the sample {@code name{...label...}} (0 when absent), e.g. a drop counter by reason. */
    static long sample(String metrics, String name, String label) {
        Matcher m = Pattern.compile(
                        "(?m)^" + Pattern.quote(name) + "\\{[^}]*" + Pattern.quote(label) + "[^}]*\\} ([0-9.eE+]+)$")
                .matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /** The appliance's {@code appliance_dropped_packets_total{reason=REASON}}. */
    static long appliancePacketsDropped(Topology topology, String reason) throws IOException, InterruptedException {
        return sample(metrics(topology), "appliance_dropped_packets_total", "reason=\"" + reason + "\"");
    }

    /** Polls {@code value} until it is {@code expected} or {@code seconds} passed; returns the last value. */
    static long awaitValue(long expected, int seconds, ThrowingLongSupplier value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long last = value.getAsLong();
        while (last != expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
            last = value.getAsLong();
        }
        return last;
    }

    /** Polls a counter of the simulator until it stops changing for 300 ms (or 5 s pass); returns it. */
    static long settled(LongSupplier counter) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long last = counter.getAsLong();
        while (System.nanoTime() < deadline) {
            Thread.sleep(300);
            long now = counter.getAsLong();
            if (now == last) return now;
            last = now;
        }
        return last;
    }

    @FunctionalInterface
    interface ThrowingLongSupplier {
        long getAsLong() throws Exception;
    }

    /** Whether {@code file} contains {@code text} within {@code seconds}. */
    static boolean waitForText(Path file, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) return true;
            Thread.sleep(200);
        }
        return false;
    }

    static void assertNamespacesGone(Topology t) {
        for (String ns : t.namespaces()) {
            org.assertj.core.api.Assertions.assertThat(Path.of(NamespaceThreads.NETNS_DIRECTORY, ns))
                    .doesNotExist();
        }
        org.assertj.core.api.Assertions.assertThat(SimStateFiles.DEFAULT_DIRECTORY.resolve(t.prefix() + ".json"))
                .doesNotExist();
    }
}
