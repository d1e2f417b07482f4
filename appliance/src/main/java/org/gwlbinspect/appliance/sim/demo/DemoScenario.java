package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.gwlbinspect.appliance.sim.GwlbSimulator;
import org.gwlbinspect.appliance.sim.SimOptions;
import org.gwlbinspect.appliance.sim.SimScenario;
import org.gwlbinspect.appliance.sim.SimulatorException;
import org.gwlbinspect.appliance.sim.Topology;

/**
 * {@code gwlb-sim --demo}: the simulator's appliance runs {@link DemoPolicy}; once the simulator is up, {@link Demo}
 * starts the servers in endpoint 1's server namespace and runs the script from its client namespace, through GWLB and
 * the appliance. Registered in {@code META-INF/services/org.gwlbinspect.appliance.sim.SimScenario}.
 */
public final class DemoScenario implements SimScenario {
    /** Endpoint 1: with two endpoints, the second shares the addresses and is left alone. */
    static final int ENDPOINT = 1;

    private SimOptions options;

    @Override
    public String name() {
        return "demo";
    }

    /** The demo policy, written to a temporary file that is deleted when the JVM exits. */
    @Override
    public Path policy() {
        try {
            Path dir = Files.createTempDirectory("gwlb-sim-demo-policy-");
            Path policy = DemoPolicy.writeTo(dir);
            policy.toFile().deleteOnExit();
            dir.toFile().deleteOnExit(); // registered after the file: deleted after it
            return policy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo policy", e);
        }
    }

    /** Fails before any namespace exists when a server or client program is missing. */
    @Override
    public void prepare(SimOptions options) throws SimulatorException {
        this.options = options;
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
        // The started appliance writes its EVE logs beside its configuration (ApplianceProcess); an appliance given
        // with --appliance logs elsewhere, and the table then shows "-" for alerts.
        Optional<Path> alertLog =
                Optional.ofNullable(simulator.applianceDirectory()).map(d -> d.resolve("alert.json"));
        Path workDir = simulator.applianceDirectory() != null
                ? simulator.applianceDirectory()
                : Files.createDirectories(options.workDirectory());
        out.println("gwlb-sim --demo: servers in " + topology.serverNamespace(ENDPOINT) + ", requests from "
                + topology.clientNamespace(ENDPOINT)
                + alertLog.map(l -> ", alerts from " + l).orElse(""));
        out.flush();
        return Demo.run(
                topology.serverNamespace(ENDPOINT),
                ServerAddresses.of(Topology.SERVER_IPV4, Topology.SERVER_IPV6),
                new NamespaceExecutor(topology.clientNamespace(ENDPOINT)),
                alertLog,
                workDir,
                false,
                out,
                out);
    }
}
