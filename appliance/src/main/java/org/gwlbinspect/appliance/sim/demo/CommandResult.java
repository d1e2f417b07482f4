package org.gwlbinspect.appliance.sim.demo;

import java.time.Duration;

/**
 * What one client command did: its exit code, its standard output and error together, and how long it ran.
 * {@code killed} means it outlived its time limit and was killed ({@code exitCode} is then -1).
 */
public record CommandResult(int exitCode, String output, Duration elapsed, boolean killed) {
    public CommandResult {
        if (output == null) throw new IllegalArgumentException("output must not be null (use \"\")");
        if (elapsed == null || elapsed.isNegative()) throw new IllegalArgumentException("elapsed must be >= 0");
    }

    /** A result of a command that ended by itself. */
    public static CommandResult exited(int exitCode, String output, Duration elapsed) {
        return new CommandResult(exitCode, output, elapsed, false);
    }
}
