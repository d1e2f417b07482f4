package org.gwlbinspect.appliance.sim;

import org.gwlbinspect.appliance.egress.Libc;

/** The simulator could not set up or run (a command failed, a system call failed, the appliance did not start). */
public final class SimulatorException extends Exception {
    public SimulatorException(String message) {
        super(message);
    }

    public SimulatorException(String message, Throwable cause) {
        super(message, cause);
    }

    static SimulatorException errno(String call, int errno) {
        return new SimulatorException(call + " failed: " + Libc.strerror(errno) + " (errno " + errno + ")");
    }
}
