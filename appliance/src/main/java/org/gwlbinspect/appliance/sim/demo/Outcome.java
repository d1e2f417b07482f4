package org.gwlbinspect.appliance.sim.demo;

/** What a client observed for one request; the first three are the verdicts a request can be expected to get. */
public enum Outcome {
    /** The request completed and the client saw the expected answer (page, certificate, DNS address). */
    PASS,
    /** Nothing came back in time: the client timed out (the appliance dropped the flow, or part of it). */
    DROP,
    /** The connection was reset (a TCP RST): the client failed fast. */
    REJECT,
    /** Neither: the command failed another way (wrong answer, certificate error, missing tool...). */
    FAILED;

    /** True for the outcomes a request can be expected to have. */
    public boolean isVerdict() {
        return this != FAILED;
    }
}
