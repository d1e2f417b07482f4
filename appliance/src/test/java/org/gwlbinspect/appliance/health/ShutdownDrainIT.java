package org.gwlbinspect.appliance.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.udp;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;

/** SIGTERM path: the health check fails at once while the data path keeps forwarding for health.drainTime. */
class ShutdownDrainIT {

    @Test
    void failsHealthAtOnceAndKeepsForwardingForTheDrainTime() throws Exception {
        TestAppliance appliance = TestAppliance.start("health.drainTime=2s");
        try (GwlbPeer gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            byte[] packet = GwlbPeer.bytes(
                    gwlb(ipv4Packet(17, ipv4(10, 0, 0, 1), ipv4(10, 0, 0, 2), udp(1000, 2000, new byte[32]))));
            gwlb.send(34000, packet);
            assertThat(gwlb.receive(Duration.ofSeconds(2))).isNotNull();

            long shutdownStart = System.nanoTime();
            // Dropwizard's shutdown hook runs the same server stop on SIGTERM.
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(appliance::close);

            TestAppliance.await(
                    Duration.ofMillis(800),
                    () -> !TestAppliance.tcpConnects(appliance.healthPort, 200),
                    "health port to close");
            long healthFailedMillis = (System.nanoTime() - shutdownStart) / 1_000_000;

            int answeredDuringDrain = 0;
            int sentDuringDrain = 0;
            // Packets sent in the first 1.5 s of the 2 s drain must all come back.
            while (System.nanoTime() - shutdownStart < 1_500_000_000L) {
                gwlb.send(34000, packet);
                sentDuringDrain++;
                if (gwlb.receive(Duration.ofMillis(500)) != null) answeredDuringDrain++;
                Thread.sleep(50);
            }
            assertThat(healthFailedMillis).isLessThan(800);
            assertThat(sentDuringDrain).isGreaterThan(10);
            assertThat(answeredDuringDrain).isEqualTo(sentDuringDrain);
            stopped.get();
            long stopMillis = (System.nanoTime() - shutdownStart) / 1_000_000;
            assertThat(stopMillis).as("the stop waited for the drain time").isGreaterThanOrEqualTo(2000);
            gwlb.send(34000, packet);
            assertThat(gwlb.receive(Duration.ofMillis(300)))
                    .as("nothing forwarded after the drain")
                    .isNull();
        }
    }
}
