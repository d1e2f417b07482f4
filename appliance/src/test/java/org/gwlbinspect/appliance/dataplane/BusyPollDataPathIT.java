package org.gwlbinspect.appliance.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.appliance.GwlbPeer.bytes;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.GwlbPeer.Reply;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;

/**
 * With {@code dataPlane.busyPollMicros} on, the workers still hairpin every packet byte for byte (gwlb.md §0), find
 * packets by polling while traffic flows, and go back to sleep when it stops.
 */
class BusyPollDataPathIT {
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final String POLLED = "appliance_busy_poll_polled_batches_total";
    private static final String SLEEPS = "appliance_busy_poll_sleeps_total";

    @Test
    void hairpinsEveryPacketByteForBytePollingWhileBusyAndSleepsWhenIdle() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("dataPlane.busyPollMicros=1000", "dataPlane.workers=2");
                GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            int flows = 400;
            Map<String, Integer> expected = new HashMap<>();
            for (int i = 0; i < flows; i++) {
                int port = 35000 + i;
                byte[] inner = ipv4Packet(
                        17,
                        ipv4(10, 20, i >> 8, i & 0xFF),
                        ipv4(10, 21, 0, 1),
                        udp(42000 + i, 53, ("busy poll " + i).getBytes()));
                byte[] packet = bytes(gwlb(0x0badc0deL, 0x1122334455667788L, 0x7000 + i, inner));
                expected.put(Arrays.toString(packet), port);
                gwlb.send(port, packet);
            }
            List<Reply> replies = gwlb.receive(flows, QUIET);
            assertThat(replies).hasSize(flows);
            for (Reply reply : replies) {
                Integer port = expected.remove(Arrays.toString(reply.payload()));
                assertThat(port).as("reply %s matches a packet sent", reply).isNotNull();
                assertThat(reply.sourceAddress()).isEqualTo("127.0.0.1");
                assertThat(reply.sourcePort()).isEqualTo(port);
            }
            assertThat(expected).isEmpty();

            // Ping-pong, one packet in flight: each arrives a round trip after the worker emptied its socket, well
            // within the window once the short sleeps before it have grown it back (the idle start shrank it to 0).
            double polledBefore = appliance.metric(POLLED);
            byte[] inner = ipv4Packet(17, ipv4(10, 22, 0, 1), ipv4(10, 23, 0, 1), udp(43000, 53, "ping".getBytes()));
            byte[] ping = bytes(gwlb(0x0badc0deL, 0x1122334455667788L, 0x8000, inner));
            for (int i = 0; i < 300; i++) {
                gwlb.send(36000, ping);
                Reply reply = gwlb.receive(Duration.ofSeconds(2));
                assertThat(reply).as("reply to ping %d", i).isNotNull();
                assertThat(reply.sourcePort()).isEqualTo(36000);
                assertThat(reply.payload()).isEqualTo(ping);
            }
            assertThat(appliance.metric(POLLED) - polledBefore)
                    .as("packets found by polling instead of a wake-up")
                    .isPositive();

            // Idle: the workers sleep again (woken by the 100 ms heartbeat), they do not poll on and on.
            double sleepsBefore = appliance.metric(SLEEPS);
            Thread.sleep(1_000);
            assertThat(appliance.metric(SLEEPS) - sleepsBefore)
                    .as("sleeps of 2 idle workers in 1 s")
                    .isGreaterThanOrEqualTo(2);
        }
    }
}
