package org.gwlbinspect.appliance.sim.demo;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs external commands to completion with a time limit: the demo's servers' setup and the clients' requests. */
public final class Commands {
    private static final File NO_INPUT = new File("/dev/null");

    private Commands() {}

    /**
     * Runs {@code argv} with an empty standard input and returns its exit code and output (stdout and stderr merged).
     * A command still running after {@code limit} is killed, and the result says so.
     */
    public static CommandResult run(List<String> argv, Duration limit) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process process = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(NO_INPUT))
                .start();
        // Read on another thread so a command that writes more than the pipe holds cannot block the wait below.
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> copy(process.getInputStream(), output));
        boolean exited = process.waitFor(limit.toNanos(), TimeUnit.NANOSECONDS);
        if (!exited) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        String text;
        synchronized (output) {
            text = output.toString(StandardCharsets.UTF_8);
        }
        return exited
                ? CommandResult.exited(process.exitValue(), text, elapsed)
                : new CommandResult(-1, text, elapsed, true);
    }

    /** Runs {@code argv} and throws, with its output, unless it exits with 0 in time. */
    public static String runOrThrow(List<String> argv, Duration limit) throws IOException, InterruptedException {
        CommandResult result = run(argv, limit);
        if (result.killed())
            throw new IOException(String.join(" ", argv) + " did not finish within " + limit.toMillis() + " ms: "
                    + result.output().strip());
        if (result.exitCode() != 0)
            throw new IOException(String.join(" ", argv) + " failed with exit code " + result.exitCode() + ": "
                    + result.output().strip());
        return result.output();
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] chunk = new byte[8192];
        try (in) {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                synchronized (out) {
                    out.write(chunk, 0, n);
                }
            }
        } catch (IOException e) {
            // The process was killed and its pipe closed: what was read so far is the output.
        }
    }
}
