package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.ipv6Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;
import static org.gwlbinspect.stateful.StatefulHarness.ACK;
import static org.gwlbinspect.stateful.StatefulHarness.CLIENT;
import static org.gwlbinspect.stateful.StatefulHarness.PSH_ACK;
import static org.gwlbinspect.stateful.StatefulHarness.SERVER;
import static org.gwlbinspect.stateful.StatefulHarness.SMALL;
import static org.gwlbinspect.stateful.StatefulHarness.SYN;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.gwlbinspect.detect.DestinationBindingMode;
import org.gwlbinspect.l7.TlsMessages;
import org.gwlbinspect.policy.IpPrefix;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Destination binding through the stateful stage (docs/destination-binding.md): DNS answers seen on the client's
 * flows bind names to addresses, pass rules on {@code tls.sni} / {@code http.host} are checked against them, and
 * {@code resolved.domain} matches flows of any protocol.
 */
class DestinationBindingTest {
    private static final long RESOLVER = ipv4(10, 100, 0, 2);
    private static final long OTHER_SERVER = ipv4(198, 51, 100, 7);
    private static final long CLIENT_ISN = 1000;
    private static final long SERVER_ISN = 5000;

    private static final String SNI_ALLOWLIST = """
            pass tls $HOME_NET any -> $EXTERNAL_NET any (tls.sni; content:"allowed.example"; startswith; endswith; \
            nocase; flow:to_server, established; sid:1;)
            drop tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; flow:to_server, established; sid:2;)
            """;

    private StatefulHarness harness;
    private int clientPort = 40000;

    private static DestinationBindingConfig config(
            DestinationBindingMode mode, Duration grace, List<IpPrefix> resolvers) {
        return new DestinationBindingConfig(mode, 1024, Duration.ofSeconds(30), Duration.ofHours(1), grace, resolvers);
    }

    private StatefulHarness harness(DestinationBindingMode mode, String rules) {
        return harness(config(mode, Duration.ZERO, List.of()), rules);
    }

    private StatefulHarness harness(DestinationBindingConfig config, String rules) {
        harness = new StatefulHarness(SMALL, config);
        harness.use(StatefulHarness.compile("binding.rules", rules));
        return harness;
    }

    /** A DNS response to {@link StatefulHarness#dnsQuery}: ID 0x1234, the question, one A record per address. */
    static byte[] dnsAnswer(int id, String name, long... addresses) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {
            (byte) (id >>> 8), (byte) id, (byte) 0x81, (byte) 0x80, 0, 1, 0, (byte) addresses.length, 0, 0, 0, 0
        });
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, 1, 0, 1});
        for (long a : addresses) {
            out.writeBytes(new byte[] {(byte) 0xC0, 12, 0, 1, 0, 1, 0, 0, 0x01, 0x2C, 0, 4});
            out.writeBytes(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        }
        return out.toByteArray();
    }

    /** The client asks the resolver for {@code name} and gets {@code answer}; returns the answer's verdict. */
    private Verdict resolve(String name, byte[] answer) {
        int port = ++clientPort;
        harness.send(ipv4Packet(17, CLIENT, RESOLVER, udp(port, 53, StatefulHarness.dnsQuery(name))));
        return harness.send(ipv4Packet(17, RESOLVER, CLIENT, udp(53, port, answer)));
    }

    /** A TLS connection to {@code server}:443 with {@code sni}; returns the ClientHello's verdict. */
    private Verdict tls(long server, String sni) {
        int port = ++clientPort;
        harness.send(ipv4Packet(6, CLIENT, server, tcp(port, 443, CLIENT_ISN, 0, SYN, new byte[0])));
        harness.send(ipv4Packet(6, server, CLIENT, tcp(443, port, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0])));
        harness.send(ipv4Packet(6, CLIENT, server, tcp(port, 443, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0])));
        byte[] hello;
        try {
            hello = TlsMessages.javaClientHello(sni, "TLSv1.3", "TLSv1.2");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Verdict verdict = harness.send(
                ipv4Packet(6, CLIENT, server, tcp(port, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello)));
        lastHelloLength = hello.length;
        return verdict;
    }

    private int lastHelloLength;

    /** The next client segment of the connection {@link #tls} opened last. */
    private Verdict tlsData(long server) {
        return harness.send(ipv4Packet(
                6,
                CLIENT,
                server,
                tcp(clientPort, 443, CLIENT_ISN + 1 + lastHelloLength, SERVER_ISN + 1, PSH_ACK, new byte[20])));
    }

    @Test
    void offLeavesAnSniPassedToAnotherAddressAloneAsNfwDoes() {
        harness(DestinationBindingMode.OFF, SNI_ALLOWLIST);
        resolve("allowed.example", dnsAnswer(0x1234, "allowed.example", SERVER));

        assertThat(tls(OTHER_SERVER, "allowed.example")).isEqualTo(Verdict.PASS);
        assertThat(harness.alerts).isEmpty();
        assertThat(harness.counters.dnsAnswers(DnsAnswerOutcome.ACCEPTED)).isZero(); // not even read
        assertThat(harness.flows.resolved())
                .as("no memory for a policy that does not use it")
                .isNull();
    }

    @Test
    void alertModePassesABoundSniSilently() {
        harness(DestinationBindingMode.ALERT, SNI_ALLOWLIST);
        assertThat(resolve("allowed.example", dnsAnswer(0x1234, "allowed.example", OTHER_SERVER, SERVER)))
                .isEqualTo(Verdict.PASS);

        assertThat(tls(SERVER, "Allowed.Example")).isEqualTo(Verdict.PASS); // SNI case does not matter
        assertThat(harness.alerts).isEmpty();
        assertThat(harness.counters.dnsAnswers(DnsAnswerOutcome.ACCEPTED)).isEqualTo(1);
        assertThat(harness.counters.bindingChecks(BindingResult.BOUND)).isEqualTo(1);
    }

    @Test
    void alertModeLogsAnAllowedSniSentToAnotherAddressAndPassesIt() {
        harness(DestinationBindingMode.ALERT, SNI_ALLOWLIST);
        resolve("allowed.example", dnsAnswer(0x1234, "allowed.example", SERVER));

        assertThat(tls(OTHER_SERVER, "allowed.example")).isEqualTo(Verdict.PASS);
        assertThat(harness.alerts).containsExactly("1:PASS");
        assertThat(harness.counters.bindingChecks(BindingResult.MISMATCH)).isEqualTo(1);
        assertThat(tlsData(OTHER_SERVER)).isEqualTo(Verdict.PASS);
    }

    @Test
    void enforceDropsTheFlowOfAnAllowedSniSentToAnotherAddress() {
        harness(DestinationBindingMode.ENFORCE, SNI_ALLOWLIST);
        resolve("allowed.example", dnsAnswer(0x1234, "allowed.example", SERVER));

        assertThat(tls(OTHER_SERVER, "allowed.example")).isEqualTo(Verdict.DROP);
        assertThat(harness.alerts).containsExactly("1:DROP");
        assertThat(harness.counters.packets(StatefulOutcome.DESTINATION_BINDING_DROP))
                .isEqualTo(1);
        assertThat(tlsData(OTHER_SERVER)).isEqualTo(Verdict.DROP); // the flow's verdict: the fast path drops
        assertThat(harness.counters.packets(StatefulOutcome.FLOW_DROPPED)).isEqualTo(1);

        assertThat(tls(SERVER, "allowed.example")).isEqualTo(Verdict.PASS);
    }

    @Test
    void aBindingDropIsReportedAsSuchAndARuleDropAsPolicyDrop() {
        harness(DestinationBindingMode.ENFORCE, SNI_ALLOWLIST);
        resolve("allowed.example", dnsAnswer(0x1234, "allowed.example", SERVER));

        assertThat(tls(OTHER_SERVER, "allowed.example")).isEqualTo(Verdict.DROP);
        assertThat(harness.dropReason()).isSameAs(DropReason.DESTINATION_BINDING);
        // The drop rule (sid 2) for a name the allowlist does not hold: a policy drop, not the binding's.
        assertThat(tls(SERVER, "denied.example")).isEqualTo(Verdict.DROP);
        assertThat(harness.dropReason()).isSameAs(DropReason.POLICY_DROP);
        assertThat(tls(OTHER_SERVER, "allowed.example")).isEqualTo(Verdict.DROP);
        assertThat(harness.dropReason()).isSameAs(DropReason.DESTINATION_BINDING);
        // The binding-dropped flow's later packets: its flow verdict, a policy drop.
        assertThat(tlsData(OTHER_SERVER)).isEqualTo(Verdict.DROP);
        assertThat(harness.dropReason()).isSameAs(DropReason.POLICY_DROP);
    }

    @Test
    void enforceDropsANameNeverResolvedOnceTheStartupGraceIsOver() {
        harness(config(DestinationBindingMode.ENFORCE, Duration.ofSeconds(10), List.of()), SNI_ALLOWLIST);

        assertThat(tls(SERVER, "allowed.example")).isEqualTo(Verdict.PASS); // within the grace: alerted only
        assertThat(harness.alerts).containsExactly("1:PASS");
        harness.now += Duration.ofSeconds(11).toNanos();
        assertThat(tls(SERVER, "allowed.example")).isEqualTo(Verdict.DROP);
        assertThat(harness.alerts).containsExactly("1:PASS", "1:DROP");
        assertThat(harness.counters.bindingChecks(BindingResult.UNRESOLVED)).isEqualTo(2);
    }

    @Test
    void anAnswerToNoQueryOfTheClientBindsNothing() {
        harness(DestinationBindingMode.ENFORCE, SNI_ALLOWLIST);
        // Unsolicited: no query on this flow; then one whose ID differs from the query's.
        harness.send(ipv4Packet(17, RESOLVER, CLIENT, udp(53, 33333, dnsAnswer(0x1234, "allowed.example", SERVER))));
        resolve("allowed.example", dnsAnswer(0x4321, "allowed.example", SERVER));
        resolve("other.example", dnsAnswer(0x1234, "allowed.example", SERVER)); // another question

        assertThat(harness.counters.dnsAnswers(DnsAnswerOutcome.UNMATCHED)).isEqualTo(2);
        assertThat(tls(SERVER, "allowed.example")).isEqualTo(Verdict.DROP);
        assertThat(harness.counters.bindingChecks(BindingResult.UNRESOLVED)).isEqualTo(1);
    }

    @Test
    void answersFromAServerOutsideTheTrustedResolversAreIgnored() {
        harness(
                config(DestinationBindingMode.ENFORCE, Duration.ZERO, List.of(IpPrefix.parse("10.100.0.2/32"))),
                SNI_ALLOWLIST);
        int port = 45000;
        harness.send(ipv4Packet(17, CLIENT, OTHER_SERVER, udp(port, 53, StatefulHarness.dnsQuery("allowed.example"))));
        harness.send(ipv4Packet(
                17, OTHER_SERVER, CLIENT, udp(53, port, dnsAnswer(0x1234, "allowed.example", OTHER_SERVER))));

        assertThat(harness.counters.dnsAnswers(DnsAnswerOutcome.UNTRUSTED_RESOLVER))
                .isEqualTo(1);
        assertThat(tls(OTHER_SERVER, "allowed.example")).isEqualTo(Verdict.DROP);
    }

    @Test
    void aRuleOptionEnforcesBindingWhileTheGlobalModeIsOff() {
        harness(DestinationBindingMode.OFF, SNI_ALLOWLIST.replace("sid:1;", "destination_binding:enforce; sid:1;"));
        resolve("allowed.example", dnsAnswer(0x1234, "allowed.example", SERVER));

        assertThat(tls(OTHER_SERVER, "allowed.example")).isEqualTo(Verdict.DROP);
        assertThat(tls(SERVER, "allowed.example")).isEqualTo(Verdict.PASS);
        assertThat(harness.counters.dnsAnswers(DnsAnswerOutcome.ACCEPTED)).isEqualTo(1);
    }

    @Test
    void anHttpHostPassedToAnotherAddressIsCheckedToo() {
        harness(
                DestinationBindingMode.ENFORCE,
                "pass http $HOME_NET any -> $EXTERNAL_NET any (http.host; content:\"allowed.example\"; startswith;"
                        + " endswith; sid:1;)\n");
        resolve("allowed.example", dnsAnswer(0x1234, "allowed.example", SERVER));
        int port = ++clientPort;
        harness.send(ipv4Packet(6, CLIENT, OTHER_SERVER, tcp(port, 80, CLIENT_ISN, 0, SYN, new byte[0])));
        byte[] get = "GET / HTTP/1.1\r\nHost: Allowed.Example:80\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

        assertThat(harness.send(ipv4Packet(6, CLIENT, OTHER_SERVER, tcp(port, 80, CLIENT_ISN + 1, 0, PSH_ACK, get))))
                .isEqualTo(Verdict.DROP);
        assertThat(harness.counters.bindingChecks(BindingResult.MISMATCH)).isEqualTo(1);
    }

    @Test
    void answersOverTcpBindToo() {
        harness(DestinationBindingMode.ENFORCE, SNI_ALLOWLIST);
        int port = 46000;
        harness.send(ipv4Packet(6, CLIENT, RESOLVER, tcp(port, 53, CLIENT_ISN, 0, SYN, new byte[0])));
        harness.send(
                ipv4Packet(6, RESOLVER, CLIENT, tcp(53, port, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0])));
        harness.send(ipv4Packet(6, CLIENT, RESOLVER, tcp(port, 53, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0])));
        byte[] query = StatefulHarness.dnsOverTcp(StatefulHarness.dnsQuery("allowed.example"));
        harness.send(ipv4Packet(6, CLIENT, RESOLVER, tcp(port, 53, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, query)));
        byte[] answer = StatefulHarness.dnsOverTcp(dnsAnswer(0x1234, "allowed.example", SERVER));
        assertThat(harness.send(ipv4Packet(
                        6,
                        RESOLVER,
                        CLIENT,
                        tcp(53, port, SERVER_ISN + 1, CLIENT_ISN + 1 + query.length, PSH_ACK, answer))))
                .isEqualTo(Verdict.PASS);

        assertThat(harness.counters.dnsAnswers(DnsAnswerOutcome.ACCEPTED)).isEqualTo(1);
        assertThat(tls(SERVER, "allowed.example")).isEqualTo(Verdict.PASS);
        assertThat(tls(OTHER_SERVER, "allowed.example")).isEqualTo(Verdict.DROP);
    }

    @Test
    void bindsAaaaAnswersForAnIpv6Client() {
        harness(DestinationBindingMode.ENFORCE, SNI_ALLOWLIST);
        long clientHi = 0xFD00_0000_0000_0000L;
        long resolverHi = 0xFD00_0000_0000_0000L;
        long serverHi = 0x2001_0DB8_0000_0000L;
        byte[] query = StatefulHarness.dnsQuery("allowed.example");
        query[query.length - 3] = 28; // QTYPE AAAA
        byte[] answer = dnsAnswer(0x1234, "allowed.example");
        answer[7] = 1; // one answer: an AAAA record for 2001:db8::10
        answer[answer.length - 3] = 28;
        answer = StatefulHarness.concat(
                answer,
                new byte[] {(byte) 0xC0, 12, 0, 28, 0, 1, 0, 0, 0x01, 0x2C, 0, 16},
                new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10});
        harness.send(ipv6Packet(17, clientHi, 5, resolverHi, 0x53, udp(47000, 53, query)));
        harness.send(ipv6Packet(17, resolverHi, 0x53, clientHi, 5, udp(53, 47000, answer)));
        assertThat(harness.counters.dnsAnswers(DnsAnswerOutcome.ACCEPTED)).isEqualTo(1);

        assertThat(tls6(clientHi, serverHi, 0x10, 47001)).isEqualTo(Verdict.PASS);
        assertThat(tls6(clientHi, serverHi, 0x11, 47002)).isEqualTo(Verdict.DROP);
    }

    private Verdict tls6(long clientHi, long serverHi, long serverLo, int port) {
        harness.send(ipv6Packet(6, clientHi, 5, serverHi, serverLo, tcp(port, 443, CLIENT_ISN, 0, SYN, new byte[0])));
        harness.send(ipv6Packet(
                6,
                serverHi,
                serverLo,
                clientHi,
                5,
                tcp(443, port, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK, new byte[0])));
        harness.send(ipv6Packet(
                6, clientHi, 5, serverHi, serverLo, tcp(port, 443, CLIENT_ISN + 1, SERVER_ISN + 1, ACK, new byte[0])));
        byte[] hello;
        try {
            hello = TlsMessages.javaClientHello("allowed.example", "TLSv1.3", "TLSv1.2");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return harness.send(ipv6Packet(
                6, clientHi, 5, serverHi, serverLo, tcp(port, 443, CLIENT_ISN + 1, SERVER_ISN + 1, PSH_ACK, hello)));
    }

    private static final String SSH_TO_GITHUB = """
            pass tcp $HOME_NET any -> any 22 (msg:"ssh to github"; resolved.domain:".github.com"; flow:to_server; \
            sid:1;)
            drop tcp $HOME_NET any -> any 22 (msg:"other ssh"; flow:to_server; sid:2;)
            """;

    @Test
    void resolvedDomainPassesSshToAnAddressGivenForTheDomainAndNotToAnother() {
        harness(DestinationBindingMode.OFF, SSH_TO_GITHUB);
        resolve("ssh.GitHub.com", dnsAnswer(0x1234, "ssh.github.com", SERVER));

        assertThat(harness.send(ipv4Packet(6, CLIENT, SERVER, tcp(41000, 22, CLIENT_ISN, 0, SYN, new byte[0]))))
                .isEqualTo(Verdict.PASS);
        assertThat(harness.send(ipv4Packet(6, CLIENT, OTHER_SERVER, tcp(41001, 22, CLIENT_ISN, 0, SYN, new byte[0]))))
                .isEqualTo(Verdict.DROP);
        assertThat(harness.alerts).containsExactly("2:DROP");
    }

    @Test
    void resolvedDomainDoesNotMatchOnceTheAnswerExpired() {
        harness(DestinationBindingMode.OFF, SSH_TO_GITHUB);
        resolve("github.com", dnsAnswer(0x1234, "github.com", SERVER)); // TTL 300
        harness.now += Duration.ofSeconds(301).toNanos();

        assertThat(harness.send(ipv4Packet(6, CLIENT, SERVER, tcp(41000, 22, CLIENT_ISN, 0, SYN, new byte[0]))))
                .isEqualTo(Verdict.DROP);
    }
}
