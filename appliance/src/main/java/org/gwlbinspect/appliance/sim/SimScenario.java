package org.gwlbinspect.appliance.sim;

import java.io.PrintStream;

/**
 * Something that runs against a started simulator and decides the exit code, such as {@code gwlb-sim --demo}'s scripted
 * requests. Implementations are found with {@link java.util.ServiceLoader} (listed in {@code
 * META-INF/services/org.gwlbinspect.appliance.sim.SimScenario}) and chosen by {@link #name()}.
 */
public interface SimScenario {
    /** The option that selects it: {@code demo} for {@code --demo}. */
    String name();

    /** The policy the simulator's own appliance should enforce for this scenario (null: the one given, if any). */
    default java.nio.file.Path policy() {
        return null;
    }

    /** Called before the simulator starts (to start servers it needs in the namespaces, use {@link #run}). */
    default void prepare(SimOptions options) throws SimulatorException {}

    /**
     * Runs against the started simulator.
     *
     * @return the process exit code: 0 when everything behaved as expected
     */
    int run(GwlbSimulator simulator, PrintStream out) throws Exception;
}
