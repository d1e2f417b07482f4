package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** tcpdump writing a pcap of one interface in a namespace, from {@link #start} (once it listens) to {@link #close}. */
final class PacketCapture implements AutoCloseable {
    private final Process process;
    private final Path log;

    private PacketCapture(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static PacketCapture start(String namespace, String device, Path pcap, String filter)
            throws IOException, InterruptedException {
        RequiredTools.require(Map.of("tcpdump", "tcpdump"));
        Path log = pcap.resolveSibling(pcap.getFileName() + ".log");
        Process process = new ProcessBuilder(NamespaceExecutor.inNamespace(
                        namespace,
                        List.of(
                                "tcpdump",
                                "-i",
                                device,
                                "-s",
                                "0",
                                "-U",
                                "--immediate-mode",
                                "-Z",
                                "root",
                                "-w",
                                pcap.toString(),
                                filter)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        PacketCapture capture = new PacketCapture(process, log);
        // tcpdump says "listening on" once its socket is open: packets from then on are captured.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(log).contains("listening on")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                capture.close();
                throw new IOException("tcpdump did not start: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return capture;
    }

    /** Stops tcpdump (SIGTERM: it flushes the file) and waits for it. */
    @Override
    public void close() throws IOException {
        try {
            Thread.sleep(300); // the last frames reach tcpdump's ring just after the client exits
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("tcpdump did not stop on SIGTERM: " + Files.readString(log));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping tcpdump", e);
        }
    }
}
