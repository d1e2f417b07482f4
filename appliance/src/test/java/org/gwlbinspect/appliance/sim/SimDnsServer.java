package org.gwlbinspect.appliance.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * dnsmasq in a server namespace answering TXT records (one per given string, all for one name) on {@link
 * Topology#SERVER_IPV4}:53 and nothing else, with EDNS answers up to 8 KiB so that a large answer leaves over UDP (fragmented) instead of being
 * truncated. {@link #close} stops it and deletes its directory.
 */
final class SimDnsServer implements AutoCloseable {
    private final Process process;
    private final Path directory;

    private SimDnsServer(Process process, Path directory) {
        this.process = process;
        this.directory = directory;
    }

    static SimDnsServer start(String namespace, Path workDir, String name, List<String> txtStrings)
            throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory(workDir, "dnsmasq-");
        StringBuilder conf = new StringBuilder();
        conf.append("port=53\nno-resolv\nno-hosts\nno-poll\nbind-dynamic\nuser=root\n");
        conf.append("listen-address=").append(Topology.SERVER_IPV4).append('\n');
        conf.append("edns-packet-max=8192\n");
        conf.append("pid-file=").append(directory.resolve("dnsmasq.pid")).append('\n');
        // One TXT record per string: dnsmasq reads configuration lines of about 1 KB at most. A query gets them all.
        for (String s : txtStrings)
            conf.append("txt-record=").append(name).append(",\"").append(s).append("\"\n");
        Path config = Files.writeString(directory.resolve("dnsmasq.conf"), conf);
        Process process;
        try {
            process = new ProcessBuilder(
                            "ip", "netns", "exec", namespace, "dnsmasq", "--no-daemon", "-C", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("dnsmasq.out").toFile())
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot run dnsmasq: apt-get install dnsmasq-base", e);
        }
        SimDnsServer server = new SimDnsServer(process, directory);
        try {
            server.awaitAnswer(namespace, name);
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Asks from inside the server namespace (not through the simulator) until dnsmasq answers, at most 15 s. */
    private void awaitAnswer(String namespace, String name) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        SimNamespaceTools.Result last;
        do {
            if (!process.isAlive()) {
                throw new IOException("dnsmasq exited with " + process.exitValue() + ": "
                        + Files.readString(directory.resolve("dnsmasq.out")));
            }
            last = SimNamespaceTools.run(
                    namespace, 5, "dig", "+short", "+time=1", "+tries=1", "@" + Topology.SERVER_IPV4, name, "TXT");
            if (last.exitCode() == 0 && !last.output().isBlank()) return;
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new IOException("dnsmasq did not answer within 15 s; last dig: " + last);
    }

    @Override
    public void close() throws IOException {
        SimFileServer.stop(process);
        try (var files = Files.list(directory)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
        }
        Files.deleteIfExists(directory);
    }
}
