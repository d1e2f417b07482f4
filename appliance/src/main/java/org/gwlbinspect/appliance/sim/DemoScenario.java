package org.gwlbinspect.appliance.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.gwlbinspect.appliance.sim.demo.Demo;
import org.gwlbinspect.appliance.sim.demo.DemoPolicy;
import org.gwlbinspect.appliance.sim.demo.NamespaceExecutor;
import org.gwlbinspect.appliance.sim.demo.RequiredTools;
import org.gwlbinspect.appliance.sim.demo.ServerAddresses;

/**
 * {@code gwlb-sim --demo}: the appliance enforces {@code examples/policies/demo.json}; the demo's servers run in
 * endpoint 1's server namespace on the topology's server addresses, its requests in endpoint 1's client namespace, and
 * the alerts are read from the started appliance's EVE alert log (docs/simulator-demo.md). The command uses it when
 * no {@link SimScenario} named {@code demo} is registered for {@link java.util.ServiceLoader} (the demo package may
 * register its own).
 */
public final class DemoScenario implements SimScenario {
    @Override
    public String name() {
        return "demo";
    }

    /** The demo policy, written to a temporary file that is deleted when the JVM exits. */
    @Override
    public Path policy() {
        try {
            Path directory = Files.createTempDirectory("gwlb-sim-demo-policy-");
            Path policy = DemoPolicy.writeTo(directory);
            policy.toFile().deleteOnExit();
            directory.toFile().deleteOnExit(); // registered after the file: deleted after it
            return policy;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the demo policy", e);
        }
    }

    /** Fails before any namespace exists when a server or client program is missing. */
    @Override
    public void prepare(SimOptions options) throws SimulatorException {
        try {
            RequiredTools.require(RequiredTools.SERVERS);
            RequiredTools.require(RequiredTools.CLIENTS);
        } catch (IllegalStateException e) {
            throw new SimulatorException(e.getMessage(), e);
        }
    }

    @Override
    public int run(GwlbSimulator simulator, PrintStream out) throws Exception {
        Topology topology = simulator.topology();
        Path directory = simulator.applianceDirectory();
        Optional<Path> alerts = directory == null ? Optional.empty() : Optional.of(directory.resolve("alert.json"));
        Path work = directory != null ? directory : Files.createTempDirectory("gwlb-sim-demo");
        return Demo.run(
                topology.serverNamespace(1),
                ServerAddresses.of(Topology.SERVER_IPV4, Topology.SERVER_IPV6),
                new NamespaceExecutor(topology.clientNamespace(1)),
                alerts,
                work,
                false,
                out,
                System.err);
    }
}
