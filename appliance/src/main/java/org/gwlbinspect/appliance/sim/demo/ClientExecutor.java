package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Runs one command in the client's network namespace and waits for it. Implementations give the command an empty
 * standard input, collect its standard output and error together, and kill it when it outlives {@code limit}.
 */
@FunctionalInterface
public interface ClientExecutor {
    CommandResult run(List<String> argv, Duration limit) throws IOException, InterruptedException;
}
