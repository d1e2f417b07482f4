package org.gwlbinspect.appliance.sim;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * nginx in a server namespace serving one directory on port {@value #PORT} of every address there: one foreground
 * process ({@code daemon off; master_process off}), every file it writes in its own directory. {@link #close} stops it
 * and deletes the directory.
 */
final class SimFileServer implements AutoCloseable {
    static final int PORT = 8090;

    private final Process process;
    private final Path directory;
    private final Path root;

    private SimFileServer(Process process, Path directory, Path root) {
        this.process = process;
        this.directory = directory;
        this.root = root;
    }

    /** Starts nginx in {@code namespace}; files put in {@link #root()} are served at {@code /NAME}. */
    static SimFileServer start(String namespace, Path workDir) throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory(workDir, "nginx-");
        Path root = Files.createDirectory(directory.resolve("www"));
        StringBuilder conf = new StringBuilder();
        conf.append("daemon off;\nmaster_process off;\nworker_processes 1;\n");
        conf.append("pid ").append(directory.resolve("nginx.pid")).append(";\n");
        conf.append("error_log ").append(directory.resolve("error.log")).append(" warn;\n");
        conf.append("events { worker_connections 64; }\n");
        conf.append("http {\n  access_log off;\n");
        for (String temp : new String[] {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
            conf.append("  ")
                    .append(temp)
                    .append("_temp_path ")
                    .append(directory.resolve(temp + "-temp"))
                    .append(";\n");
        }
        conf.append("  default_type application/octet-stream;\n");
        conf.append("  server {\n    listen ").append(PORT).append(";\n");
        conf.append("    root ").append(root).append(";\n  }\n}\n");
        Path config = Files.writeString(directory.resolve("nginx.conf"), conf);
        Process process;
        try {
            process = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            namespace,
                            "nginx",
                            "-c",
                            config.toString(),
                            "-p",
                            directory + "/",
                            "-e",
                            directory.resolve("error.log").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("nginx.out").toFile())
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot run nginx: apt-get install nginx-light", e);
        }
        SimFileServer server = new SimFileServer(process, directory, root);
        try {
            server.awaitListening(namespace);
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    Path root() {
        return root;
    }

    /** Asks from inside the server namespace (not through the simulator) until nginx answers, at most 15 s. */
    private void awaitListening(String namespace) throws IOException, InterruptedException {
        URI probe = URI.create("http://" + Topology.SERVER_IPV4 + ":" + PORT + "/");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        SimNamespaceTools.Result last;
        do {
            if (!process.isAlive()) {
                throw new IOException("nginx exited with " + process.exitValue() + ": "
                        + Files.readString(directory.resolve("nginx.out")));
            }
            last = SimNamespaceTools.run(
                    namespace, 5, "curl", "-s", "-m", "1", "-o", "/dev/null", "-w", "%{http_code}", probe.toString());
            if (last.exitCode() == 0) return; // any status: nginx listens
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new IOException("nginx did not answer within 15 s; last probe: " + last);
    }

    @Override
    public void close() throws IOException {
        stop(process);
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }

    /** SIGTERM, then SIGKILL after 5 s; waits at most 10 s in all. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
