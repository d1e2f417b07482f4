package org.gwlbinspect.appliance.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.appliance.GwlbPeer.bytes;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.TestAppliance;
import org.gwlbinspect.flow.FlowTable;
import org.junit.jupiter.api.Test;

/**
 * A SYN flood against the running appliance with a small flow table (issue #8, docs/security.md "Floods"): the flood's
 * flows evict each other, counted as embryonic, while established connections keep their entries and every one of
 * their packets comes back.
 */
class FlowFloodIT {
    private static final int TCP = 6;
    private static final int CAPACITY = 1024;
    private static final int ESTABLISHED = 64;
    private static final int FLOOD = 20_000; // ~20 tables' worth of one-packet flows
    private static final int ROUNDS = 20; // the established flows send one packet each this often during the flood
    private static final int IN_FLIGHT = 256; // the sender waits for replies beyond this: no socket buffer overflows
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private static final long SERVER = ipv4(52, 1, 2, 3);
    private static final int PEER = 0x7F000812; // 127.0.8.18: this test's own GWLB address, no other tool's
    private static final int ESTABLISHED_PORTS = 40_000; // outer (GWLB) source port of established flow i: 40000 + i
    private static final int FLOOD_PORTS = 20_000; // flood packets cycle over 20000..39999

    @Test
    void synFloodEvictsItsOwnFlowsWhileEstablishedFlowsKeepPassing() throws Exception {
        try (TestAppliance appliance = TestAppliance.start("flows.capacity=" + CAPACITY);
                GwlbPeer gwlb = new GwlbPeer(PEER, GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort)) {
            AtomicLong establishedReplies = new AtomicLong();
            AtomicLong floodReplies = new AtomicLong();
            AtomicLong wrongPort = new AtomicLong();
            AtomicBoolean receiving = new AtomicBoolean(true);
            Thread receiver = Thread.ofPlatform().name("flood-replies").start(() -> {
                try {
                    while (receiving.get()) {
                        GwlbPeer.Reply reply = gwlb.receive(Duration.ofMillis(100));
                        if (reply == null) continue;
                        // Sorted by the inner source address (10.1.0.x: established, 11.x: flood), and the outer
                        // port checked against it: a reply must come back on the port its flow was sent from.
                        byte[] p = reply.payload();
                        int inner = 8 + (p[0] & 0x3F) * 4;
                        boolean established = (p[inner + 12] & 0xFF) == 10 || (p[inner + 16] & 0xFF) == 10;
                        (established ? establishedReplies : floodReplies).incrementAndGet();
                        if (established != reply.sourcePort() >= ESTABLISHED_PORTS) wrongPort.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            long sent = 0;
            long establishedSent = 0;
            try {
                for (int i = 0; i < ESTABLISHED; i++) { // SYN, SYN-ACK, ACK
                    long client = ipv4(10, 1, 0, 1 + i);
                    gwlb.send(ESTABLISHED_PORTS + i, synFrom(client, 50_000 + i));
                    gwlb.send(ESTABLISHED_PORTS + i, packet(SERVER, client, 443, 50_000 + i, 0x12));
                    gwlb.send(ESTABLISHED_PORTS + i, packet(client, SERVER, 50_000 + i, 443, 0x10));
                }
                sent += 3L * ESTABLISHED;
                establishedSent += 3L * ESTABLISHED;
                awaitReplies(establishedReplies, floodReplies, sent, 0, deadline);
                assertThat(appliance.application().flowTable().activeFlows()).isEqualTo(ESTABLISHED);

                for (int i = 0; i < FLOOD; i++) {
                    long spoofed = ipv4(11, (i >>> 16) & 0xFF, (i >>> 8) & 0xFF, i & 0xFF);
                    gwlb.send(FLOOD_PORTS + i % 20_000, synFrom(spoofed, 1024 + i % 60_000));
                    sent++;
                    if (i % (FLOOD / ROUNDS) == FLOOD / ROUNDS - 1) {
                        for (int e = 0; e < ESTABLISHED; e++) { // data, alternately from client and server
                            long client = ipv4(10, 1, 0, 1 + e);
                            gwlb.send(
                                    ESTABLISHED_PORTS + e,
                                    e % 2 == 0
                                            ? packet(client, SERVER, 50_000 + e, 443, 0x18)
                                            : packet(SERVER, client, 443, 50_000 + e, 0x18));
                        }
                        sent += ESTABLISHED;
                        establishedSent += ESTABLISHED;
                    }
                    awaitReplies(establishedReplies, floodReplies, sent, IN_FLIGHT, deadline);
                }
                awaitReplies(establishedReplies, floodReplies, sent, 0, deadline);
            } finally {
                receiving.set(false);
                receiver.join(Duration.ofSeconds(5));
            }

            FlowTable table = appliance.application().flowTable();
            assertThat(establishedReplies.get())
                    .as("established packets returned")
                    .isEqualTo(establishedSent);
            assertThat(floodReplies.get()).as("flood packets returned").isEqualTo(FLOOD);
            assertThat(wrongPort.get()).as("replies on another flow's port").isZero();
            assertThat(table.evictedEstablishedFlows()).isZero();
            // Every flow beyond the capacity evicted an embryonic one. (A flow a worker created and the other worker
            // evicted before its packet was recorded is created again, so count from the flows started.)
            long started = table.createdFlows();
            assertThat(started).isGreaterThanOrEqualTo(FLOOD + ESTABLISHED);
            assertThat(table.evictedEmbryonicFlows()).isEqualTo(started - CAPACITY);
            assertThat(table.activeFlows()).isEqualTo(CAPACITY);
            assertThat(table.creationFailures()).isZero();
            TestAppliance.await(
                    Duration.ofSeconds(2),
                    () -> metric(appliance, "appliance_flow_evictions_total{kind=\"embryonic\"}") == started - CAPACITY,
                    "embryonic evictions in /metrics");
            assertThat(appliance.metric("appliance_flow_evictions_total{kind=\"established\"}"))
                    .isZero();
            assertThat(appliance.metric("appliance_flows_evicted_total")).isEqualTo(started - CAPACITY);
            assertThat(appliance.metric("appliance_dropped_packets_total{reason=\"flow_table_full\"}"))
                    .isZero();
        }
    }

    /** Waits until at most {@code inFlight} packets sent are unanswered; fails at the deadline. */
    private static void awaitReplies(AtomicLong a, AtomicLong b, long sent, int inFlight, long deadline)
            throws InterruptedException {
        while (sent - a.get() - b.get() > inFlight) {
            if (System.nanoTime() - deadline > 0)
                throw new AssertionError("replies stalled: sent " + sent + ", returned " + (a.get() + b.get()));
            Thread.sleep(1);
        }
    }

    private static byte[] synFrom(long client, int port) {
        return packet(client, SERVER, port, 443, 0x02);
    }

    private static byte[] packet(long src, long dst, int sport, int dport, int flags) {
        return bytes(
                gwlb(ipv4Packet(TCP, src, dst, tcp(sport, dport, 1000, flags == 0x02 ? 0 : 2000, flags, new byte[0]))));
    }

    private static double metric(TestAppliance appliance, String sample) {
        try {
            return appliance.metric(sample);
        } catch (Exception e) {
            return Double.NaN;
        }
    }
}
