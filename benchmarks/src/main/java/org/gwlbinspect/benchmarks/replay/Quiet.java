package org.gwlbinspect.benchmarks.replay;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns logback's default console DEBUG output off in the benchmark fork: the appliance jar brings logback, whose
 * default configuration would print every library's debug lines (Netty's probes) among JMH's results.
 */
final class Quiet {
    private Quiet() {}

    static void logs() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root)
            root.setLevel(Level.WARN);
    }
}
