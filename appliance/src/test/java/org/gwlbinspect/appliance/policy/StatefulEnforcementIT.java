package org.gwlbinspect.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;

import java.nio.file.Path;
import java.time.Duration;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.gwlbinspect.l7.TlsMessages;
import org.junit.jupiter.api.Test;

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
    void allowsListedSnisAndDropsTheRestOfTheExampleAllowlist() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + ALLOWLIST);
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
        }
    }

    @Test
    void aFlowPickedUpMidstreamIsResetByTheExamplesStreamExceptionPolicy() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + ALLOWLIST);
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            assertThat(passes(gwlb, 41003, toServer(41003, 7000, 9000, 0x18, new byte[100])))
                    .isFalse();
            assertThat(passes(gwlb, 41003, toServer(41003, 7100, 9000, 0x18, new byte[100])))
                    .isFalse();
            assertThat(appliance.metric("appliance_stateful_midstream_flows_total"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_packets_total{outcome=\"stream_exception_reject\"}"))
                    .isEqualTo(1);
            assertThat(appliance.metric("appliance_stateful_packets_total{outcome=\"fast_path_drop\"}"))
                    .isEqualTo(1);
        }
    }
}
