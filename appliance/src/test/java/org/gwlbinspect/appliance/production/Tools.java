package org.gwlbinspect.appliance.production;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the external tools the production tests check with, and finds the repository's files. */
final class Tools {
    /** The repository root: the tests run in the appliance module's directory. */
    static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();

    /** The shaded jar, built by the package phase before the integration tests run. */
    static final Path APPLIANCE_JAR = Path.of("target/appliance.jar").toAbsolutePath();

    private Tools() {}

    /** The output (stdout and stderr together) and exit code of one command. */
    record Result(int exitCode, String output) {
        Result assertSucceeded(String what) {
            if (exitCode != 0) fail(what + " failed with exit code " + exitCode + ":\n" + output);
            return this;
        }
    }

    /** True when {@code tool} is an executable on the PATH. */
    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** Fails the test, naming the Debian package, when a tool the test cannot do without is missing. */
    static void require(String tool, String debianPackage) {
        if (!onPath(tool))
            fail(tool + " is not installed: apt-get install " + debianPackage + " (.ci/run installs it)");
    }

    static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(timeoutSeconds, List.of(), command);
    }

    /** Runs a command with extra {@code KEY=VALUE} environment entries; fails the test on timeout. */
    static Result run(long timeoutSeconds, List<String> environment, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        for (String entry : environment) {
            int eq = entry.indexOf('=');
            builder.environment().put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        Path output = Files.createTempFile("tool-output", ".txt");
        try {
            Process process = builder.redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("timed out after " + timeoutSeconds + " s: " + String.join(" ", command) + "\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    static String[] concat(String[] first, String... rest) {
        List<String> all = new ArrayList<>(Arrays.asList(first));
        all.addAll(Arrays.asList(rest));
        return all.toArray(String[]::new);
    }
}
