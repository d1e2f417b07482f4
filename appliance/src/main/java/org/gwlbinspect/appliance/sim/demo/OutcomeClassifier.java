package org.gwlbinspect.appliance.sim.demo;

/** Reads a client command's exit code and output as the request's {@link Observation}: one per client tool. */
@FunctionalInterface
public interface OutcomeClassifier {
    Observation classify(CommandResult result);
}
