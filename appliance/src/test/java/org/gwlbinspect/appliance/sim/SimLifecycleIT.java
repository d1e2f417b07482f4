package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a simulator run leaves behind and how other commands find it: state files, leftovers, {@code exec}. */
class SimLifecycleIT {
    private static final SimStateFiles STATES = new SimStateFiles(SimStateFiles.DEFAULT_DIRECTORY);

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void removesNamespacesOfDeadRunsAndKeepsLiveOnes() throws Exception {
        Topology dead = Topology.random(1);
        Topology live = Topology.random(1);
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        try {
            STATES.write(new SimStateFiles.State(dead.prefix(), exited.pid(), 1, "10.200.0.2:6081", 0));
            SimNetwork.ip("netns", "add", dead.clientNamespace(1));
            SimNetwork.ip("netns", "add", dead.gwlbNamespace());
            STATES.write(new SimStateFiles.State(
                    live.prefix(), ProcessHandle.current().pid(), 1, "x", 0));
            SimNetwork.ip("netns", "add", live.clientNamespace(1));

            assertThat(STATES.cleanupDeadRuns()).contains(dead.prefix()).doesNotContain(live.prefix());

            assertThat(netns(dead.clientNamespace(1))).doesNotExist();
            assertThat(netns(dead.gwlbNamespace())).doesNotExist();
            assertThat(SimStateFiles.DEFAULT_DIRECTORY.resolve(dead.prefix() + ".json"))
                    .doesNotExist();
            assertThat(netns(live.clientNamespace(1))).exists();
        } finally {
            for (Topology t : List.of(dead, live)) {
                for (String ns : t.namespaces()) {
                    if (netns(ns).toFile().exists()) SimNetwork.ip("netns", "delete", ns);
                }
                STATES.delete(t.prefix());
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void execRunsTheCommandInTheClientNamespaceAndReturnsItsExitCode() throws Exception {
        // --appliance mode with nothing listening: the simulator starts without waiting for an appliance.
        SimOptions options = new SimOptions(
                2,
                CookieRotation.NEVER,
                new InetSocketAddress(Topology.APPLIANCE_IPV4, 6081),
                null,
                null,
                Path.of("target/gwlb-sim-it").toAbsolutePath(),
                SimStateFiles.DEFAULT_DIRECTORY,
                1_000);
        GwlbSimulator sim = GwlbSimulator.start(options);
        Topology t = sim.topology();
        try (sim) {
            GwlbSimCommand command = new GwlbSimCommand();
            // Exits 3 only where the client's interface and address and the default route via the endpoint exist.
            String inClient = "ip -o -4 addr show gwlbe0 | grep -q ' " + Topology.CLIENT_IPV4 + "/24 '"
                    + " && ip route show default | grep -q 'via " + Topology.CLIENT_GATEWAY_IPV4 + "' && exit 3";
            assertThat(command.exec(STATES, t.prefix(), 1, List.of("sh", "-c", inClient)))
                    .isEqualTo(3);
            assertThat(command.exec(STATES, t.prefix(), 2, List.of("sh", "-c", inClient)))
                    .isEqualTo(3);
            assertThat(command.exec(STATES, t.prefix(), 1, List.of("true"))).isZero();
            assertThatThrownBy(() -> command.exec(STATES, t.prefix(), 3, List.of("true")))
                    .isInstanceOf(SimulatorException.class)
                    .hasMessageContaining("endpoint 3 does not exist");
            assertThat(SimStateFiles.DEFAULT_DIRECTORY.resolve(t.prefix() + ".json"))
                    .exists();
        }
        assertThat(SimStateFiles.DEFAULT_DIRECTORY.resolve(t.prefix() + ".json"))
                .doesNotExist();
        for (String ns : t.namespaces()) assertThat(netns(ns)).doesNotExist();
        assertThatThrownBy(() -> new GwlbSimCommand().exec(STATES, t.prefix(), 1, List.of("true")))
                .isInstanceOf(SimulatorException.class)
                .hasMessageContaining("no gwlb-sim " + t.prefix() + " is running");
    }

    private static Path netns(String name) {
        return Path.of(NamespaceThreads.NETNS_DIRECTORY, name);
    }
}
