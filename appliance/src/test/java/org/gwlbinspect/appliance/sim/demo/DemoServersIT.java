package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    @Test
    @Timeout(90)
    void stopsTheServersAndDeletesTheirFilesWhenTheJvmIsKilled() throws Exception {
        try (ClientServerNamespaces namespaces = ClientServerNamespaces.create("hook")) {
            Process jvm = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElseThrow(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            ServersUntilKilled.class.getName(),
                            namespaces.server(),
                            workDir.toString())
                    .redirectErrorStream(true)
                    .start();
            try {
                BufferedReader lines = new BufferedReader(new InputStreamReader(jvm.getInputStream()));
                String line;
                while ((line = lines.readLine()) != null && !line.startsWith("ready ")) {}
                assertThat(line).as("the child JVM started the servers").startsWith("ready ");
                assertThat(Path.of(line.substring("ready ".length()))).isDirectory();
                assertThat(namespaces.serverPids()).isNotEmpty();

                jvm.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM runs its shutdown hooks
                assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();
            } finally {
                jvm.destroyForcibly();
            }
            assertThat(namespaces.serverPids()).isEmpty();
        }
        assertThat(leftInWorkDir()).isEmpty();
    }
}
