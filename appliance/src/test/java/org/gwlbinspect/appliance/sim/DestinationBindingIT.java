package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gwlbinspect.appliance.sim.demo.CommandResult;
import org.gwlbinspect.appliance.sim.demo.Commands;
import org.gwlbinspect.appliance.sim.demo.DemoServers;
import org.gwlbinspect.appliance.sim.demo.DemoSite;
import org.gwlbinspect.appliance.sim.demo.ServerAddresses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Destination binding (docs/destination-binding.md) with real clients through the simulator and the appliance, as
 * root: dnsmasq and nginx (the demo's servers) and an sshd of its own in the server namespace, which gets a second
 * address; dig, curl and ssh-keyscan in the client namespace. The client resolves names through the appliance; a
 * connection to the address it was told passes, one pinned to the other address ({@code curl --resolve}) is dropped
 * ({@code destination_binding:enforce}) or alerted ({@code alert}), and SSH is allowed by name ({@code
 * resolved.domain}) to the resolved address only.
 */
class DestinationBindingIT {
    private static final Path JAR = Path.of("target/appliance.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target/gwlb-sim-binding-it").toAbsolutePath();
    private static final String OTHER_SERVER = "198.51.100.20";
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(20);

    private static final String RULES = """
            pass tls $HOME_NET any -> $EXTERNAL_NET any (msg:"allowed, bound"; tls.sni; content:"%s"; startswith; \
            endswith; nocase; destination_binding:enforce; flow:to_server, established; sid:1;)
            pass tls $HOME_NET any -> $EXTERNAL_NET any (msg:"allowed, watched"; tls.sni; content:"%s"; startswith; \
            endswith; nocase; destination_binding:alert; flow:to_server, established; sid:2;)
            drop tls $HOME_NET any -> $EXTERNAL_NET any (msg:"not allowed"; ssl_state:client_hello; \
            flow:to_server, established; sid:9;)
            pass tcp $HOME_NET any -> $EXTERNAL_NET 22 (msg:"ssh to demo hosts"; resolved.domain:".demo.test"; \
            flow:to_server; sid:3;)
            drop tcp $HOME_NET any -> $EXTERNAL_NET 22 (msg:"ssh elsewhere"; flow:to_server; sid:4;)
            """.formatted(DemoSite.ALLOWED, DemoSite.ALLOWED_API);

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void connectionsMustGoWhereTheClientWasToldTheNameResolves() throws Exception {
        Files.createDirectories(WORK);
        Path policy = Files.writeString(WORK.resolve("binding.rules"), RULES);
        GwlbSimulator sim = GwlbSimulator.start(new SimOptions(
                1,
                CookieRotation.NEVER,
                IdleTimeouts.GWLB_DEFAULTS,
                null,
                JAR,
                policy,
                WORK,
                SimStateFiles.DEFAULT_DIRECTORY,
                120_000));
        Topology t = sim.topology();
        String serverNs = t.serverNamespace(1);
        String clientNs = t.clientNamespace(1);
        try (sim;
                DemoServers servers =
                        DemoServers.start(serverNs, WORK, ServerAddresses.of(Topology.SERVER_IPV4, null));
                Sshd sshd = Sshd.start(serverNs, WORK)) {
            Commands.runOrThrow(
                    List.of("ip", "-n", serverNs, "addr", "add", OTHER_SERVER + "/24", "dev", "gwlbe0"), COMMAND_LIMIT);
            sshd.awaitReady(OTHER_SERVER);
            String ca = servers.caCertificate().toString();

            // The client resolves both names through the appliance (dnsmasq answers the server's first address).
            assertThat(in(
                                    clientNs,
                                    "dig",
                                    "+short",
                                    "+tries=1",
                                    "+time=3",
                                    "@" + Topology.SERVER_IPV4,
                                    DemoSite.ALLOWED)
                            .output()
                            .strip())
                    .isEqualTo(Topology.SERVER_IPV4);
            assertThat(in(
                                    clientNs,
                                    "dig",
                                    "+short",
                                    "+tries=1",
                                    "+time=3",
                                    "@" + Topology.SERVER_IPV4,
                                    DemoSite.ALLOWED_API)
                            .output()
                            .strip())
                    .isEqualTo(Topology.SERVER_IPV4);

            // enforce: to the address it was told, the allowed name passes; pinned elsewhere, its hello is dropped.
            assertThat(https(clientNs, ca, DemoSite.ALLOWED, Topology.SERVER_IPV4))
                    .isEqualTo(new Reply(0, "200"));
            assertThat(https(clientNs, ca, DemoSite.ALLOWED, OTHER_SERVER).exitCode())
                    .as("curl --resolve %s:443:%s times out", DemoSite.ALLOWED, OTHER_SERVER)
                    .isEqualTo(28);
            // alert: the same mistake passes, with an alert.
            assertThat(https(clientNs, ca, DemoSite.ALLOWED_API, OTHER_SERVER)).isEqualTo(new Reply(0, "200"));

            // SSH by name: the resolved address gets through to sshd's banner and key exchange, the other does not.
            CommandResult allowed = in(clientNs, "ssh-keyscan", "-T", "5", "-t", "ed25519", Topology.SERVER_IPV4);
            assertThat(allowed.output()).contains(Topology.SERVER_IPV4 + " ssh-ed25519 ");
            CommandResult other = in(clientNs, "ssh-keyscan", "-T", "5", "-t", "ed25519", OTHER_SERVER);
            assertThat(other.output()).doesNotContain("ssh-ed25519");

            Path alerts = sim.applianceDirectory().resolve("alert.json");
            assertThat(waitForLines(alerts, 3)).as("alert log %s", alerts).isTrue();
            List<String> lines = Files.readAllLines(alerts);
            assertThat(lines).anySatisfy(l -> assertThat(l)
                    .contains("\"dest_ip\":\"" + OTHER_SERVER + "\"", "\"signature_id\":1,")
                    .contains("\"alert\":{\"action\":\"blocked\"", "\"verdict\":{\"action\":\"drop\"}")
                    .contains(
                            "\"destination_binding\":{\"name\":\"" + DemoSite.ALLOWED + "\",\"result\":\"mismatch\"}"));
            assertThat(lines).anySatisfy(l -> assertThat(l)
                    .contains("\"dest_ip\":\"" + OTHER_SERVER + "\"", "\"signature_id\":2,")
                    .contains("\"alert\":{\"action\":\"allowed\"", "\"verdict\":{\"action\":\"pass\"}")
                    .contains("\"destination_binding\":{\"name\":\"" + DemoSite.ALLOWED_API
                            + "\",\"result\":\"mismatch\"}"));
            assertThat(lines).anySatisfy(l -> assertThat(l)
                    .contains("\"dest_ip\":\"" + OTHER_SERVER + "\"", "\"dest_port\":22,", "\"signature_id\":4,"));
            assertThat(lines)
                    .noneMatch(l -> l.contains("\"dest_ip\":\"" + Topology.SERVER_IPV4 + "\"")
                            && l.contains("destination_binding"));
            // The metric tells the binding's drops (the pinned hello, the SSH to the other address) from rule drops.
            assertThat(SimNamespaceTools.metrics(t))
                    .containsPattern("appliance_dropped_packets_total\\{reason=\"destination_binding\"\\} [1-9]");
        }
        assertThat(Commands.run(List.of("ip", "netns", "list"), COMMAND_LIMIT).output())
                .doesNotContain(t.prefix());
    }

    private record Reply(int exitCode, String output) {}

    private static Reply https(String ns, String ca, String name, String address) throws Exception {
        CommandResult r = in(
                ns,
                "curl",
                "-sS",
                "--max-time",
                "5",
                "--cacert",
                ca,
                "--resolve",
                name + ":443:" + address,
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "https://" + name + "/");
        return new Reply(r.exitCode(), r.exitCode() == 0 ? r.output().strip() : "");
    }

    private static CommandResult in(String ns, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of(command));
        return Commands.run(argv, COMMAND_LIMIT);
    }

    private static boolean waitForLines(Path file, int lines) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (Files.exists(file) && Files.readAllLines(file).size() >= lines) return true;
            Thread.sleep(100);
        }
        return false;
    }

    /** An sshd of the test's own in a namespace: a fresh host key, port 22 on every address, no PAM. */
    private static final class Sshd implements AutoCloseable {
        private final Path directory;
        private final Process process;
        private final String namespace;

        private Sshd(Path directory, Process process, String namespace) {
            this.directory = directory;
            this.process = process;
            this.namespace = namespace;
        }

        static Sshd start(String namespace, Path workDir) throws Exception {
            Path dir = Files.createTempDirectory(workDir, "sshd-");
            Path key = dir.resolve("host_ed25519");
            Commands.runOrThrow(
                    List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()), COMMAND_LIMIT);
            Path config = Files.writeString(dir.resolve("sshd_config"), """
                    Port 22
                    ListenAddress 0.0.0.0
                    HostKey %s
                    PidFile %s
                    UsePAM no
                    StrictModes no
                    PasswordAuthentication no
                    KbdInteractiveAuthentication no
                    """.formatted(key, dir.resolve("sshd.pid")));
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
            Process process = new ProcessBuilder(
                            "ip", "netns", "exec", namespace, "/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sshd.out").toFile())
                    .start();
            return new Sshd(dir, process, namespace);
        }

        /** Waits (10 s at most) until sshd answers on {@code address} inside its own namespace. */
        void awaitReady(String address) throws Exception {
            for (int i = 0; i < 20; i++) {
                if (!process.isAlive()) {
                    throw new IOException("sshd exited: " + Files.readString(directory.resolve("sshd.out")));
                }
                CommandResult r = in(namespace, "ssh-keyscan", "-T", "1", "-t", "ed25519", address);
                if (r.output().contains("ssh-ed25519")) return;
                Thread.sleep(500);
            }
            throw new IOException("sshd did not answer: " + Files.readString(directory.resolve("sshd.out")));
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(3, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
