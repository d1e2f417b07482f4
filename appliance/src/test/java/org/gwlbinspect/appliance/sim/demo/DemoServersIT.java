package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** How {@link DemoServers} fails: with the servers' own words, and without leaving a process or a file behind. */
class DemoServersIT {
    @TempDir
    Path workDir;

    private List<Path> leftInWorkDir() throws IOException {
        try (Stream<Path> files = Files.list(workDir)) {
            return files.toList();
        }
    }

    @Test
    @Timeout(60)
    void reportsServersThatDoNotAnswerAndLeavesNothingBehind() throws Exception {
        // Addresses that no interface of the namespace has: nginx and dnsmasq run, but nothing reaches them there.
        ServerAddresses elsewhere = ServerAddresses.of("198.51.100.99", null);
        try (ClientServerNamespaces namespaces = ClientServerNamespaces.create("noanswer")) {
            assertThatThrownBy(() -> DemoServers.start(namespaces.server(), workDir, elsewhere, Duration.ofSeconds(2)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(
                            "did not answer within 2 s; last probe: curl -sS --max-time 1 http://198.51.100.99:80/");
            assertThat(namespaces.serverPids()).isEmpty();
        }
        assertThat(leftInWorkDir()).isEmpty();
    }

    @Test
    @Timeout(90)
    void reportsAServerThatExitsWhileStartingAndKeepsTheRunningOnes() throws Exception {
        try (ClientServerNamespaces namespaces = ClientServerNamespaces.create("twice")) {
            try (DemoServers first = DemoServers.start(namespaces.server(), workDir, ClientServerNamespaces.SERVER)) {
                // A second set in the same namespace: its nginx cannot bind the ports the first one holds.
                assertThatThrownBy(() -> DemoServers.start(namespaces.server(), workDir, ClientServerNamespaces.SERVER))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("a demo server exited with code")
                        .hasMessageContaining("Address already in use");
                assertThat(leftInWorkDir()).containsExactly(first.directory());
                CommandResult page = new NamespaceExecutor(namespaces.client())
                        .run(
                                List.of("curl", "-sS", "http://" + ClientServerNamespaces.SERVER.ipv4Text() + "/"),
                                Duration.ofSeconds(5));
                assertThat(page.output()).isEqualTo(DemoSite.indexPage(DemoSite.ALLOWED));
            }
            assertThat(namespaces.serverPids()).isEmpty();
        }
        assertThat(leftInWorkDir()).isEmpty();
    }
}
