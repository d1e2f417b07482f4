package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The demo in one call, for {@code gwlb-sim --demo}: starts {@link DemoServers} in the server namespace, runs {@link
 * DemoScript}'s requests through {@code client} (commands in the client namespace, whose traffic the simulator sends
 * through GWLB and the appliance running {@link DemoPolicy}), prints the table and stops the servers.
 */
public final class Demo {
    private Demo() {}

    /**
     * @param serverNamespace the namespace of the simulated internet, with {@code addresses} on an interface that is up
     *     and a route back to the client
     * @param client runs a command in the client namespace
     * @param alertLog the appliance's EVE alert log, to count alerts per request; empty to show "-"
     * @param workDir where the servers' directory is made (and deleted at the end)
     * @param expectAllPass true when no appliance is in the path (every request must then pass)
     * @return the exit code: 0 when every request got its expected verdict, 1 otherwise
     */
    public static int run(
            String serverNamespace,
            ServerAddresses addresses,
            ClientExecutor client,
            Optional<Path> alertLog,
            Path workDir,
            boolean expectAllPass,
            PrintStream out,
            PrintStream progress)
            throws IOException, InterruptedException {
        RequiredTools.require(RequiredTools.CLIENTS);
        try (DemoServers servers = DemoServers.start(serverNamespace, workDir, addresses)) {
            List<DemoRequest> requests = DemoScript.requests(addresses, servers.caCertificate());
            if (expectAllPass) requests = DemoScript.withoutAppliance(requests);
            DemoRunner runner =
                    new DemoRunner(client, alertLog.map(AlertLogTail::new), DemoRunner.DEFAULT_ALERT_SETTLE);
            return runner.run(requests, out, progress);
        }
    }
}
