package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gwlbinspect.appliance.sim.SimNamespaceTools.randomBytes;
import static org.gwlbinspect.appliance.sim.SimNamespaceTools.receive;
import static org.gwlbinspect.appliance.sim.SimNamespaceTools.sha256;
import static org.gwlbinspect.appliance.sim.SimNamespaceTools.udpSocket;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * UDP datagrams larger than the links' 1500-byte MTU, sent by real kernel sockets and by dig/dnsmasq, cross the
 * simulator as IP fragments: allowed ones arrive whole and byte-exact, a denied one loses every fragment. Also what
 * else GWLB carries or refuses around UDP: an ICMP port unreachable rides its UDP flow, a reply to another port than
 * 6081 is refused and counted. One simulator (its own appliance, a rules policy that denies UDP port 5302) for the
 * class, deleted afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SimFragmentsIT {
    private static final Path JAR = Path.of("target/appliance.jar").toAbsolutePath();
    private static final Path WORK = Path.of("target/gwlb-sim-it").toAbsolutePath();
    private static final int ALLOWED_PORT = 5301;
    private static final int DENIED_PORT = 5302;
    private static final int CLOSED_PORT = 5399;
    private static final int TIMEOUT_MILLIS = 5_000;

    private GwlbSimulator sim;
    private Topology t;

    @BeforeAll
    void startSimulator() throws Exception {
        Files.createDirectories(WORK);
        Path policy = WORK.resolve("udp-ports.rules");
        try (var in = SimFragmentsIT.class.getResourceAsStream("/sim/udp-ports.rules")) {
            Files.copy(in, policy, StandardCopyOption.REPLACE_EXISTING);
        }
        sim = GwlbSimulator.start(new SimOptions(
                1,
                CookieRotation.NEVER,
                IdleTimeouts.GWLB_DEFAULTS,
                null,
                JAR,
                policy,
                WORK,
                SimStateFiles.DEFAULT_DIRECTORY,
                120_000));
        t = sim.topology();
    }

    @AfterAll
    void stopSimulator() {
        if (sim == null) return;
        sim.close();
        assertThat(sim.failure()).isNull();
        SimNamespaceTools.assertNamespacesGone(t);
    }

    private static String server(int ipVersion) {
        return ipVersion == 4 ? Topology.SERVER_IPV4 : Topology.SERVER_IPV6;
    }

    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {4, 6})
    void passesAllowedFragmentedDatagramsWholeBothWays(int ipVersion) throws Exception {
        byte[] request = randomBytes(ipVersion * 100 + 1, 4000); // 3 fragments at MTU 1500
        byte[] response = randomBytes(ipVersion * 100 + 2, 6000); // 5 fragments
        SimCounters c = sim.node().counters();
        long sentBefore = c.sentToAppliance();
        long returnedBefore = c.returned();
        long forwardedBefore = c.forwarded();
        try (DatagramSocket serverSocket =
                        udpSocket(t.serverNamespace(1), new InetSocketAddress(ALLOWED_PORT), TIMEOUT_MILLIS);
                DatagramSocket client = udpSocket(t.clientNamespace(1), new InetSocketAddress(0), TIMEOUT_MILLIS)) {
            InetAddress serverAddress = InetAddress.getByName(server(ipVersion));
            client.send(new DatagramPacket(request, request.length, serverAddress, ALLOWED_PORT));

            DatagramPacket received = receive(serverSocket);
            assertThat(received.getLength()).isEqualTo(request.length);
            assertThat(sha256(received)).isEqualTo(sha256(request));
            serverSocket.send(new DatagramPacket(response, response.length, received.getSocketAddress()));
            DatagramPacket answer = receive(client);
            assertThat(answer.getLength()).isEqualTo(response.length);
            assertThat(sha256(answer)).isEqualTo(sha256(response));
        }
        long sent = SimNamespaceTools.settled(c::sentToAppliance) - sentBefore;
        assertThat(sent)
                .as("both datagrams crossed as fragments (3 + 5 at least)")
                .isGreaterThanOrEqualTo(8);
        assertThat(c.returned() - returnedBefore)
                .as("the appliance returned every fragment")
                .isEqualTo(sent);
        assertThat(c.forwarded() - forwardedBefore).isEqualTo(sent);
    }

    @Test
    void dropsEveryFragmentOfADeniedDatagramAndCountsThem() throws Exception {
        byte[] request = randomBytes(3, 4000);
        SimCounters c = sim.node().counters();
        long sentBefore = c.sentToAppliance();
        long returnedBefore = c.returned();
        long policyDropsBefore = SimNamespaceTools.appliancePacketsDropped(t, "policy_drop");
        try (DatagramSocket serverSocket = udpSocket(t.serverNamespace(1), new InetSocketAddress(DENIED_PORT), 3_000);
                DatagramSocket client = udpSocket(t.clientNamespace(1), new InetSocketAddress(0), TIMEOUT_MILLIS)) {
            client.send(new DatagramPacket(
                    request, request.length, InetAddress.getByName(Topology.SERVER_IPV4), DENIED_PORT));

            assertThatThrownBy(() -> receive(serverSocket)).isInstanceOf(SocketTimeoutException.class);
        }
        long sent = SimNamespaceTools.settled(c::sentToAppliance) - sentBefore;
        assertThat(sent).as("the datagram reached the appliance as fragments").isGreaterThanOrEqualTo(3);
        assertThat(c.returned() - returnedBefore).as("no fragment came back").isZero();
        long dropped = SimNamespaceTools.awaitValue(
                        policyDropsBefore + sent, 5, () -> SimNamespaceTools.appliancePacketsDropped(t, "policy_drop"))
                - policyDropsBefore;
        assertThat(dropped).as("every fragment counted as a policy drop").isEqualTo(sent);
        assertThat(SimNamespaceTools.waitForText(
                        sim.applianceDirectory().resolve("alert.json"), "\"signature_id\":1000002", 10))
                .as("the drop rule's alert is logged")
                .isTrue();
    }

    @Test
    void digGetsATxtAnswerLargerThanTheMtuWhole() throws Exception {
        // 20 TXT records of 240 bytes: a ~5 KB answer that leaves dnsmasq as 4 IPv4 fragments.
        List<String> strings = new ArrayList<>();
        java.util.Random random = new java.util.Random(53);
        for (int i = 0; i < 20; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0; j < 240; j++) s.append((char) ('a' + random.nextInt(26)));
            strings.add(s.toString());
        }
        SimCounters c = sim.node().counters();
        try (SimDnsServer dns = SimDnsServer.start(t.serverNamespace(1), WORK, "big.test", strings)) {
            long sentBefore = c.sentToAppliance();
            long forwardedBefore = c.forwarded();
            SimNamespaceTools.Result dig = SimNamespaceTools.run(
                    t.clientNamespace(1),
                    20,
                    "dig",
                    "+short",
                    "+bufsize=8192",
                    "+notcp",
                    "+ignore",
                    "+time=5",
                    "+tries=1",
                    "@" + Topology.SERVER_IPV4,
                    "big.test",
                    "TXT");
            assertThat(dig.exitCode()).as(dig.output()).isZero();
            List<String> answer = new ArrayList<>();
            Matcher quoted = Pattern.compile("\"([^\"]*)\"").matcher(dig.output());
            while (quoted.find()) answer.add(quoted.group(1));
            // Records may come in any order: compare the digests of the sorted records.
            assertThat(answer).hasSize(strings.size());
            assertThat(sha256(
                            String.join("\n", answer.stream().sorted().toList()).getBytes()))
                    .isEqualTo(
                            sha256(String.join("\n", strings.stream().sorted().toList())
                                    .getBytes()));
            long sent = SimNamespaceTools.settled(c::sentToAppliance) - sentBefore;
            assertThat(sent).as("the query and the answer's fragments").isGreaterThanOrEqualTo(5);
            assertThat(c.forwarded() - forwardedBefore).isEqualTo(sent);
        }
    }

    @ParameterizedTest(name = "IPv{0}")
    @ValueSource(ints = {4, 6})
    void carriesAPortUnreachableOnTheUdpFlowItAnswers(int ipVersion) throws Exception {
        SimCounters c = sim.node().counters();
        long flowsBefore = c.flows();
        try (DatagramSocket client = udpSocket(t.clientNamespace(1), new InetSocketAddress(0), TIMEOUT_MILLIS)) {
            client.connect(InetAddress.getByName(server(ipVersion)), CLOSED_PORT);
            client.send(new DatagramPacket(new byte[32], 32));

            // The server's kernel answers ICMP port unreachable; it crosses GWLB and the appliance back to the client.
            assertThatThrownBy(() -> receive(client)).isInstanceOf(PortUnreachableException.class);
        }
        assertThat(c.flows() - flowsBefore)
                .as("the ICMP error travelled as a packet of the UDP flow, not as a flow of its own")
                .isEqualTo(1);
    }

    @Test
    void refusesAndCountsADatagramToAnotherNodePortThan6081() throws Exception {
        SimCounters c = sim.node().counters();
        long returnedBefore = c.returned();
        long forwardedBefore = c.forwarded();
        long wrongPortBefore = c.dropped(ReplyDropReason.WRONG_DESTINATION_PORT);
        // What an appliance that replies to the flow's source port instead of 6081 sends: a GENEVE datagram to a
        // port of the node that no socket listens on.
        try (DatagramSocket appliance =
                udpSocket(t.applianceNamespace(), new InetSocketAddress(Topology.APPLIANCE_IPV4, 0), TIMEOUT_MILLIS)) {
            byte[] payload = randomBytes(6082, 120);
            appliance.send(
                    new DatagramPacket(payload, payload.length, InetAddress.getByName(Topology.GWLB_NODE_IPV4), 41234));
        }
        assertThat(SimNamespaceTools.awaitValue(
                        wrongPortBefore + 1, 5, () -> c.dropped(ReplyDropReason.WRONG_DESTINATION_PORT)))
                .isEqualTo(wrongPortBefore + 1);
        assertThat(c.returned() - returnedBefore).isEqualTo(1);
        assertThat(c.forwarded() - forwardedBefore).isZero();
        assertThat(sim.report().dropped()).containsEntry("wrong_destination_port", wrongPortBefore + 1);
        // The socket filter keeps the replies to 6081 (every test's traffic) out of the raw socket.
        assertThat(sim.otherPortDatagramsRead()).isEqualTo(c.dropped(ReplyDropReason.WRONG_DESTINATION_PORT));
    }
}
