package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The demo's servers in the server namespace: nginx ({@link NginxConfig}) and dnsmasq ({@link DnsmasqConfig}), with
 * a throwaway CA ({@link DemoCertificates}) and the mirror's files ({@link MirrorFiles}), all in a fresh directory
 * under the given work directory. {@link #start} returns once every service answers; {@link #close} (or the JVM's
 * exit, through a shutdown hook) stops both processes and deletes the directory.
 */
public final class DemoServers implements AutoCloseable {
    /** How long the servers get to answer after they were started. */
    static final Duration READY_LIMIT = Duration.ofSeconds(15);

    private static final Duration PROBE_LIMIT = Duration.ofSeconds(2);
    private static final Duration STOP_LIMIT = Duration.ofSeconds(3);

    private final String namespace;
    private final ServerAddresses addresses;
    private final Path directory;
    private final List<Process> processes = new ArrayList<>();
    private final Map<Process, Path> outputs = new HashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private DemoCertificates certificates;

    private DemoServers(String namespace, ServerAddresses addresses, Path directory) {
        this.namespace = namespace;
        this.addresses = addresses;
        this.directory = directory;
        this.shutdownHook = new Thread(this::stopAndDelete, "demo-servers-cleanup");
    }

    /**
     * Writes the certificates, files and configurations into a new directory under {@code workDir}, starts nginx and
     * dnsmasq in {@code namespace} (which must already have {@code addresses} on an interface that is up) and waits
     * until HTTP, HTTPS, the mirror and DNS answer there.
     *
     * @throws IllegalStateException when a program is missing (with its {@code apt-get install} line)
     * @throws IOException when a server does not start or answer within {@link #READY_LIMIT}, with its output
     */
    public static DemoServers start(String namespace, Path workDir, ServerAddresses addresses)
            throws IOException, InterruptedException {
        return start(namespace, workDir, addresses, READY_LIMIT);
    }

    static DemoServers start(String namespace, Path workDir, ServerAddresses addresses, Duration readyLimit)
            throws IOException, InterruptedException {
        RequiredTools.require(RequiredTools.SERVERS);
        RequiredTools.require(Map.of("curl", "curl", "dig", "dnsutils")); // the readiness probes
        Path directory = Files.createTempDirectory(workDir, "demo-servers-");
        DemoServers servers = new DemoServers(namespace, addresses, directory);
        Runtime.getRuntime().addShutdownHook(servers.shutdownHook);
        try {
            servers.writeFiles();
            servers.launch();
            servers.awaitReady(readyLimit);
            return servers;
        } catch (IOException | InterruptedException | RuntimeException e) {
            servers.close();
            throw e;
        }
    }

    /** The CA that signed every server certificate: clients trust it (curl {@code --cacert}, openssl {@code -CAfile}). */
    public Path caCertificate() {
        return certificates.caCertificate();
    }

    public ServerAddresses addresses() {
        return addresses;
    }

    public String namespace() {
        return namespace;
    }

    /** The directory holding the configurations, certificates, files and the servers' logs until {@link #close}. */
    public Path directory() {
        return directory;
    }

    private void writeFiles() throws IOException, InterruptedException {
        Path certs = Files.createDirectory(directory.resolve("certs"));
        certificates = DemoCertificates.create(certs, DemoSite.NAMES);
        Path mirror = Files.createDirectory(directory.resolve("mirror"));
        MirrorFiles.write(mirror);
        boolean ipv6 = addresses.ipv6().isPresent();
        Files.writeString(
                directory.resolve("nginx.conf"), NginxConfig.render(directory, mirror, certificates.servers(), ipv6));
        Files.writeString(
                directory.resolve("dnsmasq.conf"), DnsmasqConfig.render(directory, addresses, DemoSite.NAMES));
    }

    private void launch() throws IOException {
        // -e: nginx opens its error log before it reads the configuration; keep that one in the directory too.
        spawn(
                "nginx",
                List.of(
                        "nginx",
                        "-c",
                        directory.resolve("nginx.conf").toString(),
                        "-p",
                        directory + "/",
                        "-e",
                        directory.resolve("nginx-error.log").toString()));
        spawn(
                "dnsmasq",
                List.of(
                        "dnsmasq",
                        "--no-daemon",
                        "-C",
                        directory.resolve("dnsmasq.conf").toString()));
    }

    private void spawn(String name, List<String> argv) throws IOException {
        Path output = directory.resolve(name + ".out");
        Process process = new ProcessBuilder(NamespaceExecutor.inNamespace(namespace, argv))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        processes.add(process);
        outputs.put(process, output);
    }

    private void awaitReady(Duration limit) throws IOException, InterruptedException {
        List<List<String>> probes = readinessProbes();
        long deadline = System.nanoTime() + limit.toNanos();
        String lastFailure = "";
        for (List<String> probe : probes) {
            while (true) {
                ensureRunning();
                CommandResult result = Commands.run(NamespaceExecutor.inNamespace(namespace, probe), PROBE_LIMIT);
                if (!result.killed()
                        && result.exitCode() == 0
                        && !result.output().isBlank()) break;
                lastFailure = String.join(" ", probe) + " -> exit " + result.exitCode() + ": "
                        + result.output().strip();
                if (System.nanoTime() > deadline)
                    throw new IOException("the demo servers in " + namespace + " did not answer within "
                            + limit.toSeconds() + " s; last probe: " + lastFailure + "\n" + serverOutputs());
                Thread.sleep(100);
            }
        }
    }

    /** One request per service; each must exit 0 and print something (dig +short prints the address). */
    List<List<String>> readinessProbes() {
        String v4 = addresses.ipv4Text();
        List<List<String>> probes = new ArrayList<>();
        probes.add(List.of("curl", "-sS", "--max-time", "1", "http://" + v4 + ":" + DemoSite.HTTP_PORT + "/"));
        probes.add(List.of(
                "curl",
                "-sS",
                "--max-time",
                "1",
                "--cacert",
                caCertificate().toString(),
                "--resolve",
                DemoSite.ALLOWED + ":" + DemoSite.HTTPS_PORT + ":" + v4,
                "https://" + DemoSite.ALLOWED + "/"));
        probes.add(List.of(
                "curl", "-sS", "--max-time", "1", "http://" + v4 + ":" + DemoSite.MIRROR_PORT + DemoSite.MARKER_PAGE));
        probes.add(List.of("dig", "+short", "+time=1", "+tries=1", "@" + v4, DemoSite.ALLOWED, "A"));
        addresses.ipv6Text().ifPresent(v6 -> {
            probes.add(List.of("curl", "-sS", "--max-time", "1", "http://[" + v6 + "]:" + DemoSite.HTTP_PORT + "/"));
            probes.add(List.of("dig", "+short", "+time=1", "+tries=1", "@" + v6, DemoSite.ALLOWED, "AAAA"));
        });
        return probes;
    }

    private void ensureRunning() throws IOException {
        for (Process process : processes) {
            if (!process.isAlive())
                throw new IOException("a demo server exited with code " + process.exitValue() + " while starting\n"
                        + serverOutputs());
        }
    }

    /** The servers' own output and error logs, for an error message. */
    private String serverOutputs() {
        StringBuilder text = new StringBuilder();
        for (String log : List.of("nginx.out", "nginx-error.log", "dnsmasq.out", "dnsmasq.log")) {
            Path file = directory.resolve(log);
            try {
                if (Files.exists(file))
                    text.append("--- ").append(log).append('\n').append(tail(Files.readString(file)));
            } catch (IOException e) {
                text.append("--- ")
                        .append(log)
                        .append(": unreadable: ")
                        .append(e.getMessage())
                        .append('\n');
            }
        }
        return text.toString();
    }

    private static String tail(String text) {
        return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
    }

    /** Stops nginx and dnsmasq and deletes the directory; safe to call more than once. */
    @Override
    public void close() {
        stopAndDelete();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running or has run this same cleanup.
        }
    }

    private void stopAndDelete() {
        if (!closed.compareAndSet(false, true)) return;
        for (Process process : processes) process.destroy(); // SIGTERM: both exit at once and clean up
        for (Process process : processes) {
            try {
                if (!process.waitFor(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(STOP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        deleteRecursively(directory);
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the demo servers' directory " + root, e);
        }
    }
}
