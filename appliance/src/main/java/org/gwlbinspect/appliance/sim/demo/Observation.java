package org.gwlbinspect.appliance.sim.demo;

/** A request's observed {@link Outcome} and a short reason shown in the table (e.g. "timed out after 2097152 bytes"). */
public record Observation(Outcome outcome, String detail) {
    public Observation {
        if (outcome == null || detail == null) throw new IllegalArgumentException("outcome and detail are required");
    }
}
