package org.gwlbinspect.appliance.egress;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A network namespace that a test creates and deletes ({@code ip netns}), with only {@code lo} up, so test traffic
 * and failures stay inside it. Sockets opened by {@link #callInside} belong to it and keep working from any thread.
 */
final class TestNetworkNamespace implements AutoCloseable {

    private final String name;

    private TestNetworkNamespace(String name) {
        this.name = name;
    }

    static TestNetworkNamespace create(String purpose) throws IOException, InterruptedException {
        String name = "gwlbinspect-" + purpose + "-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", name);
        TestNetworkNamespace namespace = new TestNetworkNamespace(name);
        try {
            namespace.ip("link", "set", "lo", "up");
        } catch (IOException | RuntimeException e) {
            namespace.close();
            throw e;
        }
        return namespace;
    }

    /** Runs {@code ip -n <name> <args>}. */
    void ip(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 3];
        command[0] = "ip";
        command[1] = "-n";
        command[2] = name;
        System.arraycopy(args, 0, command, 3, args.length);
        run(command);
    }

    /** Runs {@code tc -n <name> <args>}. */
    void tc(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 3];
        command[0] = "tc";
        command[1] = "-n";
        command[2] = name;
        System.arraycopy(args, 0, command, 3, args.length);
        run(command);
    }

    /** Runs {@code task} on a fresh thread that has entered this namespace; sockets it opens live here. */
    <T> T callInside(Callable<T> task) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        TestSyscalls.enterNetworkNamespace("/run/netns/" + name);
                        result.set(task.call());
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "in-netns-" + name);
        thread.start();
        thread.join();
        if (failure.get() != null) {
            throw new IllegalStateException("task in namespace " + name + " failed", failure.get());
        }
        return result.get();
    }

    @Override
    public void close() throws IOException {
        try {
            run("ip", "netns", "delete", name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while deleting namespace " + name, e);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", List.of(command)) + " failed: " + output.strip());
        }
    }
}
