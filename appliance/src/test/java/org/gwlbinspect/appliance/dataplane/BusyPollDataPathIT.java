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
        try (TestAppliance appliance = TestAppliance.start("dataPlane.busyPollMicros=500", "dataPlane.workers=2");
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
            // Sent back to back, well within a 500 µs window of each other: some batches are found by polling.
            assertThat(appliance.metric(POLLED)).as("batches found by polling").isPositive();

            // Idle: every wake-up (the 100 ms heartbeat) is followed by one window and a sleep, not by endless polling.
            double sleepsBefore = appliance.metric(SLEEPS);
            Thread.sleep(1_000);
            assertThat(appliance.metric(SLEEPS) - sleepsBefore)
                    .as("sleeps of 2 idle workers in 1 s")
                    .isGreaterThanOrEqualTo(2);
        }
    }
}
