package org.gwlbinspect.appliance.policy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.l7.TlsMessages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example strict-order egress allow-list enforced by the running appliance on real ClientHellos (made by the
 * JDK's TLS client): an allowed SNI's flow comes back byte for byte, another SNI's data is dropped by {@code
 * aws:drop_established} while its handshake passes, and a flow picked up midstream meets the stream exception policy.
 */
class StatefulEnforcementIT {
    private static final Path ALLOWLIST = Path.of("..", "examples", "policies", "egress-strict-allowlist.json")
            .toAbsolutePath();
    private static final long CLIENT = ipv4(10, 100, 1, 5);
    private static final long SERVER = ipv4(52, 1, 2, 3);
    private static final Duration WAIT = Duration.ofMillis(700);

    private static byte[] toServer(int clientPort, long seq, long ack, int flags, byte[] payload) {
        return GwlbPeer.bytes(gwlb(ipv4Packet(6, CLIENT, SERVER, tcp(clientPort, 443, seq, ack, flags, payload))));
    }

    private static byte[] toClient(int clientPort, long seq, long ack, int flags, byte[] payload) {
        return GwlbPeer.bytes(gwlb(ipv4Packet(6, SERVER, CLIENT, tcp(443, clientPort, seq, ack, flags, payload))));
    }

    /** Sends and returns whether the appliance returned the datagram unchanged. */
    private static boolean passes(GwlbPeer gwlb, int sourcePort, byte[] datagram) throws Exception {
        gwlb.send(sourcePort, datagram);
        GwlbPeer.Reply reply = gwlb.receive(WAIT);
        if (reply == null) return false;
        assertThat(reply.payload()).isEqualTo(datagram);
        return true;
    }

    private static void handshake(GwlbPeer gwlb, int port) throws Exception {
        assertThat(passes(gwlb, port, toServer(port, 1000, 0, 0x02, new byte[0])))
                .isTrue();
        assertThat(passes(gwlb, port, toClient(port, 5000, 1001, 0x12, new byte[0])))
                .isTrue();
        assertThat(passes(gwlb, port, toServer(port, 1001, 5001, 0x10, new byte[0])))
                .isTrue();
    }

    @Test
    void allowsListedSnisAndDropsTheRestOfTheExampleAllowlist(@TempDir Path dir) throws Exception {
        Path alerts = dir.resolve("alert.json");
        try (TestAppliance appliance = TestAppliance.start(
                        "policy.path=" + ALLOWLIST,
                        "logs.alertFile=" + alerts,
                        "logs.flowFile=" + dir.resolve("flow.json"));
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            handshake(gwlb, 41001);
            byte[] allowed = TlsMessages.javaClientHello("sts.eu-west-1.amazonaws.com", "TLSv1.3", "TLSv1.2");
            assertThat(passes(gwlb, 41001, toServer(41001, 1001, 5001, 0x18, allowed)))
                    .isTrue();
            assertThat(passes(gwlb, 41001, toServer(41001, 1001 + allowed.length, 5001, 0x18, new byte[64])))
                    .isTrue();

            handshake(gwlb, 41002);
            byte[] denied = TlsMessages.javaClientHello("example.org", "TLSv1.3", "TLSv1.2");
            assertThat(passes(gwlb, 41002, toServer(41002, 1001, 5001, 0x18, denied)))
                    .isFalse();
            assertThat(passes(gwlb, 41002, toClient(41002, 5001, 1001, 0x10, new byte[0])))
                    .isTrue();

            assertThat(appliance.metric("appliance_stateful_packets_total{outcome=\"pass\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_packets_total{outcome=\"fast_path_pass\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_packets_total{outcome=\"drop\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_alerts_total")).isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_app_layer_flows_total{app_proto=\"tls\"}"))
                    .isEqualTo(2);
            assertThat(appliance.metric("appliance_dropped_packets_total{reason=\"policy_drop\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_default_action_drops_total"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_inspection_seconds_count"))
                    .isGreaterThanOrEqualTo(8);
            // The generated allow-list pass rule of group egress-domains decided the allowed flow.
            TestAppliance.await(
                    Duration.ofSeconds(5),
                    () -> metricOrNaN(
                                    appliance,
                                    "appliance_stateful_group_verdicts{action=\"pass\",group=\"egress-domains\"}")
                            == 1,
                    "per-group verdicts");
            assertThat(appliance.metricSum("appliance_stateful_rule_hits{")).isEqualTo(1);
            // aws:alert_established logged the drop, with the SNI, in NFW's envelope (policy.md §4).
            TestAppliance.await(Duration.ofSeconds(5), () -> lines(alerts).size() == 1, "one alert record");
            assertThat(lines(alerts).get(0))
                    .startsWith("{\"firewall_name\":")
                    .contains("\"event_type\":\"alert\"")
                    .contains("\"src_ip\":\"10.100.1.5\",\"src_port\":41002,\"dest_ip\":\"52.1.2.3\",\"dest_port\":443")
                    .contains("\"alert\":{\"action\":\"blocked\",\"signature_id\":4,\"rev\":0,"
                            + "\"signature\":\"aws:alert_established action\"")
                    .contains("\"verdict\":{\"action\":\"drop\"}")
                    .contains("\"tls\":{\"sni\":\"example.org\",\"version\":\"UNDETERMINED\"}");
        }
    }

    @Test
    void aFlowPickedUpMidstreamIsResetByTheExamplesStreamExceptionPolicy() throws Exception {
        // policy.md §2.8: StreamExceptionPolicy REJECT drops the packet and resets the connection, inside the flow.
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + ALLOWLIST);
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            byte[] midstream = toServer(41003, 7000, 9000, 0x18, new byte[100]);
            gwlb.send(41003, midstream);
            List<GwlbPeer.Reply> resets = gwlb.receive(2, WAIT);
            assertResets(resets, midstream, 41003, 9000, 7100);
            assertThat(passes(gwlb, 41003, toServer(41003, 7100, 9000, 0x18, new byte[100])))
                    .isFalse();
            assertThat(appliance.metric("appliance_stateful_midstream_flows_total"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_packets_total{outcome=\"stream_exception_reject\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_packets_total{outcome=\"fast_path_drop\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_rejects_total{outcome=\"queued\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void aRejectRuleResetsBothEndsBehindTheFlowsGeneveHeader(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("reject.rules");
        Files.writeString(rules, "reject tls any any -> any any (tls.sni; content:\"blocked.example\"; sid:31;)\n");
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + rules);
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            handshake(gwlb, 41004);
            byte[] hello = TlsMessages.javaClientHello("blocked.example", "TLSv1.3", "TLSv1.2");
            byte[] packet = toServer(41004, 1001, 5001, 0x18, hello);
            gwlb.send(41004, packet);
            assertResets(gwlb.receive(2, WAIT), packet, 41004, 5001, 1001 + hello.length);
            // An app-layer rule rejects the flow: what follows is dropped without inspection (policy.md §3.3).
            assertThat(passes(gwlb, 41004, toClient(41004, 5001, 1001, 0x10, new byte[0])))
                    .isFalse();
            assertThat(appliance.metric("appliance_stateful_packets_total{outcome=\"reject\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_rejects_total{outcome=\"queued\"}"))
                    .isEqualTo(1);
        }
    }

    private static double metricOrNaN(TestAppliance appliance, String sample) {
        try {
            return appliance.metric(sample);
        } catch (Exception | AssertionError e) {
            return Double.NaN;
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] tcpPacket(long src, long dst, int sport, int dport, long seq, int flags, byte[] payload) {
        return GwlbPeer.bytes(gwlb(ipv4Packet(6, src, dst, tcp(sport, dport, seq, 1, flags, payload))));
    }

    /** A three-way handshake from {@code client} that must come back whole, then {@code request} as the first data. */
    private static boolean requestPasses(GwlbPeer gwlb, long client, long server, int sport, int dport, byte[] request)
            throws Exception {
        assertThat(passes(gwlb, sport, tcpPacket(client, server, sport, dport, 100, 0x02, new byte[0])))
                .isTrue();
        assertThat(passes(gwlb, sport, tcpPacket(server, client, dport, sport, 500, 0x12, new byte[0])))
                .isTrue();
        assertThat(passes(gwlb, sport, tcpPacket(client, server, sport, dport, 101, 0x10, new byte[0])))
                .isTrue();
        return passes(gwlb, sport, tcpPacket(client, server, sport, dport, 101, 0x18, request));
    }

    @Test
    void theExampleIpsPolicyInActionOrderDropsDeniedHostsAndSignaturesAndLogsAlerts(@TempDir Path dir)
            throws Exception {
        Path policy =
                Path.of("..", "examples", "policies", "ips-action-order.json").toAbsolutePath();
        Path alerts = dir.resolve("alert.json");
        long inside = ipv4(10, 0, 0, 5);
        long outside = ipv4(198, 51, 100, 7);
        long webServer = ipv4(10, 0, 1, 19);
        try (TestAppliance appliance = TestAppliance.start(
                        "policy.path=" + policy,
                        "logs.alertFile=" + alerts,
                        "logs.flowFile=" + dir.resolve("flow.json"));
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            byte[] denied = "GET / HTTP/1.1\r\nHost: cdn.malware.example\r\n\r\n".getBytes(US_ASCII);
            assertThat(requestPasses(gwlb, inside, SERVER, 42001, 80, denied)).isFalse();
            byte[] allowed = "GET / HTTP/1.1\r\nHost: example.net\r\n\r\n".getBytes(US_ASCII);
            assertThat(requestPasses(gwlb, inside, SERVER, 42002, 80, allowed)).isTrue();
            byte[] deniedSni = TlsMessages.javaClientHello("evil.com", "TLSv1.3", "TLSv1.2");
            assertThat(requestPasses(gwlb, inside, SERVER, 42003, 443, deniedSni))
                    .isFalse();
            byte[] admin = "GET /admin/users HTTP/1.1\r\nHost: intranet\r\n\r\n".getBytes(US_ASCII);
            assertThat(requestPasses(gwlb, outside, webServer, 42004, 8080, admin))
                    .isFalse();
            // An alert rule logs and lets the packet through.
            byte[] htpasswd = "GET /.HTPASSWD HTTP/1.1\r\nHost: intranet\r\n\r\n".getBytes(US_ASCII);
            assertThat(requestPasses(gwlb, outside, webServer, 42005, 80, htpasswd))
                    .isTrue();

            TestAppliance.await(Duration.ofSeconds(5), () -> lines(alerts).size() == 4, "four alert records");
            List<String> records = lines(alerts);
            assertThat(records.get(0))
                    .contains("\"signature\":\"matching HTTP denylisted FQDNs\"")
                    .contains("\"http\":{\"hostname\":\"cdn.malware.example\"")
                    .contains("\"verdict\":{\"action\":\"drop\"}");
            assertThat(records.get(1))
                    .contains("\"signature\":\"matching TLS denylisted FQDNs\"")
                    .contains("\"tls\":{\"sni\":\"evil.com\"");
            assertThat(records.get(2))
                    .contains("\"signature_id\":210504,\"rev\":1,\"signature\":\"admin path from outside\"")
                    .contains("stateful-rulegroup/web-signatures");
            assertThat(records.get(3))
                    .contains("\"alert\":{\"action\":\"allowed\",\"signature_id\":210503")
                    .contains("\"verdict\":{\"action\":\"alert\"}");
        }
    }

    @Test
    void dnsQueriesAreDroppedByName(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("dns.rules");
        Files.writeString(
                rules,
                "drop dns any any -> any any (dns.query; content:\"tracker.example\"; nocase; endswith; sid:53;)\n");
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + rules);
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            long resolver = ipv4(10, 0, 0, 2);
            assertThat(passes(gwlb, 42010, dns(CLIENT, resolver, 53001, "ads.Tracker.Example")))
                    .isFalse();
            assertThat(passes(gwlb, 42011, dns(CLIENT, resolver, 53002, "docs.example.org")))
                    .isTrue();
            assertThat(appliance.metric("appliance_stateful_app_layer_flows_total{app_proto=\"dns\"}"))
                    .isEqualTo(2);
        }
    }

    private static byte[] dns(long client, long resolver, int sport, String name) {
        java.io.ByteArrayOutputStream query = new java.io.ByteArrayOutputStream();
        query.writeBytes(new byte[] {0x4a, 0x11, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            query.write(label.length());
            query.writeBytes(label.getBytes(US_ASCII));
        }
        query.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return GwlbPeer.bytes(gwlb(ipv4Packet(17, client, resolver, udp(sport, 53, query.toByteArray()))));
    }

    /**
     * Two datagrams behind the rejected packet's own GENEVE header, sent from GWLB's port: a RST|ACK from the server to
     * the client at the client's acknowledgment, and a RST from the client to the server at the rejected sequence
     * number (the only one the server accepts, RFC 5961).
     */
    private static void assertResets(
            List<GwlbPeer.Reply> replies, byte[] rejected, int sourcePort, long toClientSeq, long toClientAck) {
        assertThat(replies).hasSize(2);
        GeneveHeader sentHeader = new GeneveHeader();
        ByteBuf sent = Unpooled.wrappedBuffer(rejected);
        assertThat(sentHeader.wrap(sent, 0, rejected.length)).isEqualTo(DecodeStatus.OK);
        int headerLength = sentHeader.innerOffset();
        InnerPacket inner = new InnerPacket();
        boolean toClient = false;
        boolean toServer = false;
        for (GwlbPeer.Reply reply : replies) {
            assertThat(reply.sourcePort()).isEqualTo(sourcePort);
            byte[] bytes = reply.payload();
            assertThat(Arrays.copyOf(bytes, headerLength)).isEqualTo(Arrays.copyOf(rejected, headerLength));
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            assertThat(inner.decode(buf, headerLength, bytes.length - headerLength, 0x0800))
                    .isEqualTo(DecodeStatus.OK);
            assertThat(inner.tcpFlags() & 0x04).isEqualTo(0x04);
            assertThat(inner.payloadLength()).isZero();
            if (inner.srcAddrLo() == SERVER) {
                toClient = true;
                assertThat(inner.tcp().sequenceNumber()).isEqualTo(toClientSeq);
                assertThat(inner.tcp().acknowledgmentNumber()).isEqualTo(toClientAck);
            } else {
                toServer = true;
                assertThat(inner.srcAddrLo()).isEqualTo(CLIENT);
            }
        }
        assertThat(toClient).isTrue();
        assertThat(toServer).isTrue();
    }
}
