package org.gwlbinspect.appliance.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.appliance.GwlbPeer.bytes;
import static org.gwlbinspect.codec.TestPackets.concat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.icmp;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.ipv6Extension;
import static org.gwlbinspect.codec.TestPackets.ipv6Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.gwlbinspect.appliance.GwlbPeer;
import org.gwlbinspect.appliance.GwlbPeer.Reply;
import org.gwlbinspect.appliance.TestAppliance;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.MalformedPackets;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.verdict.DropReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Plays GWLB against the running appliance over loopback and checks every returned packet byte for byte:
 * gwlb.md §0 (hairpin with the flow's source port, latest header, symmetric flows per endpoint, fragments, MTU).
 */
class DataPathIT {
    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final int UDP = 17;
    private static final int TCP = 6;
    private static TestAppliance appliance;
    private static GwlbPeer gwlb;

    @BeforeAll
    static void start() throws Exception {
        appliance = TestAppliance.start();
        gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gwlb != null) gwlb.close();
        if (appliance != null) appliance.close();
    }

    private static byte[] udpPacket(long src, long dst, int sport, int dport, String text) {
        return ipv4Packet(UDP, src, dst, udp(sport, dport, text.getBytes()));
    }

    private static byte[] datagram(long endpoint, long cookie, byte[] inner) {
        return bytes(gwlb(endpoint, 0x1122334455667788L, cookie, inner));
    }

    private static void assertHairpin(Reply reply, int sourcePort, byte[] sent) {
        assertThat(reply)
                .as("reply to the packet sent from port %d", sourcePort)
                .isNotNull();
        // gwlb.md §2.1: from the address GWLB sent to, from GWLB's own source port (to our port 6081), bytes unchanged.
        assertThat(reply.sourceAddress()).isEqualTo("127.0.0.1");
        assertThat(reply.sourcePort()).isEqualTo(sourcePort);
        assertThat(reply.payload()).isEqualTo(sent);
    }

    @Test
    void returnsManyFlowsByteForByteEachOnItsOwnSourcePort() throws Exception {
        int flows = 300;
        Map<String, Integer> expected = new HashMap<>();
        List<byte[]> sent = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < flows; i++) {
                int port = 30000 + i;
                long client = ipv4(10, 1, i >> 8, i & 0xFF);
                byte[] packet = datagram(
                        0x0abcdef012345678L,
                        0x1000 + i,
                        udpPacket(client, ipv4(10, 2, 0, 1), 40000 + i, 5353, "flow " + i + " round " + round));
                sent.add(packet);
                expected.put(Arrays.toString(packet), port);
                gwlb.send(port, packet);
            }
        }
        List<Reply> replies = gwlb.receive(sent.size(), QUIET);
        assertThat(replies).hasSize(sent.size());
        for (Reply reply : replies) {
            Integer port = expected.remove(Arrays.toString(reply.payload()));
            assertThat(port).as("reply %s matches a sent packet", reply).isNotNull();
            assertHairpin(reply, port, reply.payload());
        }
        assertThat(expected).isEmpty();
    }

    @Test
    void answersWithTheLatestCookieAndStoresIt() throws Exception {
        int port = 31001;
        long endpoint = 0x0123456789abcdefL;
        byte[] inner = udpPacket(ipv4(10, 3, 0, 1), ipv4(10, 4, 0, 1), 41000, 5000, "rotate");
        byte[] first = datagram(endpoint, 0xAAAA0001L, inner);
        byte[] second = datagram(endpoint, 0xBBBB0002L, inner);
        gwlb.send(port, first);
        assertHairpin(gwlb.receive(WAIT), port, first);
        gwlb.send(port, second);
        assertHairpin(gwlb.receive(WAIT), port, second);

        // The flow keeps the header of its latest packet (the one injected packets will carry).
        FlowTable table = appliance.application().flowTable();
        FlowKey key =
                new FlowKey().setIpv4(endpoint, (int) ipv4(10, 3, 0, 1), (int) ipv4(10, 4, 0, 1), UDP, 41000, 5000);
        int slot = table.lookup(key);
        assertThat(slot).isNotNegative();
        ByteBuf stored = Unpooled.buffer(64);
        assertThat(table.copyHeader(slot, key.generation(), stored)).isEqualTo(40);
        assertThat(bytes(stored)).isEqualTo(Arrays.copyOf(second, 40));
        assertThat(table.gwlbSourcePort(slot)).isEqualTo(port);
        assertThat(table.gwlbAddress(slot)).isEqualTo(GwlbPeer.GWLB_ADDRESS);
        assertThat(table.applianceAddress(slot)).isEqualTo(GwlbPeer.APPLIANCE_ADDRESS);
    }

    @Test
    void keepsOverlappingAddressesOfTwoEndpointsApart() throws Exception {
        byte[] inner = udpPacket(ipv4(192, 168, 1, 10), ipv4(192, 168, 1, 20), 42000, 6000, "same tuple");
        double before = appliance.metric("appliance_flows_started_total");
        byte[] a = datagram(0x0aaaaaaaaaaaaaaaL, 1, inner);
        byte[] b = datagram(0x0bbbbbbbbbbbbbbbL, 2, inner);
        gwlb.send(31101, a);
        assertHairpin(gwlb.receive(WAIT), 31101, a);
        gwlb.send(31102, b);
        assertHairpin(gwlb.receive(WAIT), 31102, b);
        assertThat(appliance.metric("appliance_flows_started_total") - before).isEqualTo(2.0);
    }

    @Test
    void matchesBothDirectionsOfAFlowToOneEntry() throws Exception {
        long client = ipv4(10, 9, 0, 1);
        long server = ipv4(10, 9, 0, 2);
        double before = appliance.metric("appliance_flows_started_total");
        byte[] syn = datagram(7, 7, ipv4Packet(TCP, client, server, tcp(43000, 443, 1, 0, 0x02, new byte[0])));
        byte[] synAck = datagram(7, 7, ipv4Packet(TCP, server, client, tcp(443, 43000, 9, 2, 0x12, new byte[0])));
        gwlb.send(31201, syn);
        assertHairpin(gwlb.receive(WAIT), 31201, syn);
        gwlb.send(31202, synAck);
        assertHairpin(gwlb.receive(WAIT), 31202, synAck);
        assertThat(appliance.metric("appliance_flows_started_total") - before).isEqualTo(1.0);
    }

    @Test
    void returnsIpv6InnerPacketsWithExtensionHeaders() throws Exception {
        long hi = 0x20010db800180000L;
        byte[] tcpSegment = tcp(44000, 443, 1000, 0, 0x02, new byte[0]);
        // Hop-by-hop (0) then TCP: the chain is walked to find the ports.
        byte[] inner = ipv6Packet(0, hi, 0x10, hi + 1, 0x20, concat(ipv6Extension(TCP, 0), tcpSegment));
        byte[] packet = datagram(0x0cccL, 0x66, inner);
        gwlb.send(31301, packet);
        assertHairpin(gwlb.receive(WAIT), 31301, packet);
    }

    @Test
    void returnsFragmentsOfAKnownFlowAndDropsOrphans() throws Exception {
        long src = ipv4(10, 5, 0, 1);
        long dst = ipv4(10, 5, 0, 2);
        byte[] udpHeaderAndStart = udp(45000, 7000, new byte[24]); // 32 bytes: fragment 1 carries offset 0..31
        byte[] firstFragment = ipv4Packet(UDP, src, dst, 0x4242, 0x2000, new byte[0], udpHeaderAndStart);
        byte[] secondFragment = ipv4Packet(UDP, src, dst, 0x4242, 32 / 8, new byte[0], new byte[16]);
        byte[] first = datagram(0x0dddL, 5, firstFragment);
        byte[] second = datagram(0x0dddL, 5, secondFragment);
        gwlb.send(31401, first);
        assertHairpin(gwlb.receive(WAIT), 31401, first);
        gwlb.send(31401, second);
        assertHairpin(gwlb.receive(WAIT), 31401, second);

        double orphansBefore = appliance.metric("appliance_dropped_packets_total{reason=\"fragment_without_flow\"}");
        byte[] orphan = datagram(0x0dddL, 5, ipv4Packet(UDP, src, dst, 0x7777, 64 / 8, new byte[0], new byte[16]));
        gwlb.send(31401, orphan);
        assertThat(gwlb.receive(QUIET)).isNull();
        assertThat(appliance.metric("appliance_dropped_packets_total{reason=\"fragment_without_flow\"}")
                        - orphansBefore)
                .isEqualTo(1.0);
    }

    @Test
    void returnsAn8500ByteInnerPacketWhole() throws Exception {
        byte[] payload = new byte[8500 - 20 - 8];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 31);
        byte[] packet =
                datagram(0x0eeeL, 9, ipv4Packet(UDP, ipv4(10, 6, 0, 1), ipv4(10, 6, 0, 2), udp(46000, 8000, payload)));
        assertThat(packet).hasSize(8540);
        gwlb.send(31501, packet);
        assertHairpin(gwlb.receive(WAIT), 31501, packet);
    }

    @Test
    void attributesIcmpErrorsToTheFlowTheyQuote() throws Exception {
        long client = ipv4(10, 7, 0, 1);
        long server = ipv4(10, 7, 0, 2);
        byte[] request = udpPacket(client, server, 47000, 9000, "ping the port");
        byte[] datagram = datagram(0x0fffL, 3, request);
        gwlb.send(31601, datagram);
        assertHairpin(gwlb.receive(WAIT), 31601, datagram);
        double before = appliance.metric("appliance_flows_started_total");
        // Port unreachable from the server, quoting the request's IP header and first 8 bytes.
        byte[] quote = Arrays.copyOf(request, 28);
        byte[] error = datagram(0x0fffL, 3, ipv4Packet(1, server, client, icmp(3, 3, 0, quote)));
        gwlb.send(31602, error);
        assertHairpin(gwlb.receive(WAIT), 31602, error);
        assertThat(appliance.metric("appliance_flows_started_total") - before).isEqualTo(0.0);
    }

    @Test
    void countsEveryMalformedPacketUnderItsReasonAndReturnsNone() throws Exception {
        for (Map.Entry<DecodeStatus, Supplier<ByteBuf>> kind :
                MalformedPackets.byStatus().entrySet()) {
            String sample =
                    "appliance_dropped_packets_total{reason=\"" + kind.getKey().label() + "\"}";
            double before = appliance.metric(sample);
            gwlb.send(31700 + kind.getKey().ordinal(), bytes(kind.getValue().get()));
            TestAppliance.await(
                    Duration.ofSeconds(2), () -> metricQuietly(sample) - before == 1.0, "drop counted as " + sample);
        }
        assertThat(gwlb.receive(QUIET)).as("no reply to any malformed packet").isNull();
    }

    private static double metricQuietly(String sample) {
        try {
            return appliance.metric(sample);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    @Test
    void repliesFromTheAddressGwlbSentToWhenBoundToAllAddresses() throws Exception {
        // dataPlane.bindAddress 0.0.0.0 (the AMI's setting): the reply's source must be the address the packet was
        // sent to (IP_RECVORIGDSTADDR), here 127.0.0.5, not 0.0.0.0 or another local address.
        gwlb.close();
        try (TestAppliance wildcard = TestAppliance.start("dataPlane.bindAddress=0.0.0.0");
                GwlbPeer peer = new GwlbPeer(0x7F000005, wildcard.dataPort)) {
            byte[] packet = datagram(0x0999L, 1, udpPacket(ipv4(10, 11, 0, 1), ipv4(10, 11, 0, 2), 49000, 9200, "any"));
            peer.send(31901, packet);
            Reply reply = peer.receive(WAIT);
            assertThat(reply).isNotNull();
            assertThat(reply.sourceAddress()).isEqualTo("127.0.0.5");
            assertThat(reply.sourcePort()).isEqualTo(31901);
            assertThat(reply.payload()).isEqualTo(packet);
        } finally {
            gwlb = new GwlbPeer(GwlbPeer.APPLIANCE_ADDRESS, appliance.dataPort);
        }
    }

    @Test
    void aBacklogLargerThanOneReadIsDrainedWithoutNewTraffic() throws Exception {
        // GeneveSocketHandle reads at most 16 batches of 64 per readiness event and relies on epoll being
        // level-triggered to hear about the rest: with every worker held up while more than that queues on its
        // socket, everything must still come back once they go on, with no new datagram to wake them.
        List<Worker> workers = appliance.application().dataPlane().workers();
        int perWorkerRead = GeneveSocketHandle.MAX_BATCHES_PER_EVENT * 64;
        int count = (perWorkerRead + 600) * workers.size(); // flows spread over the workers by hash: each gets > 1024
        CountDownLatch stalled = new CountDownLatch(workers.size());
        CountDownLatch release = new CountDownLatch(1);
        for (Worker w : workers) {
            w.eventLoop().execute(() -> {
                stalled.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        Map<Integer, byte[]> sent = new HashMap<>();
        try {
            assertThat(stalled.await(5, TimeUnit.SECONDS))
                    .as("every worker held")
                    .isTrue();
            for (int i = 0; i < count; i++) {
                byte[] packet = datagram(
                        0x0124L,
                        0x66,
                        udpPacket(ipv4(10, 9, i >> 8, i & 0xFF), ipv4(10, 9, 200, 1), 40000, 9200, "backlog " + i));
                gwlb.send(20000 + i, packet);
                sent.put(20000 + i, packet);
            }
        } finally {
            release.countDown();
        }
        List<Reply> replies = gwlb.receive(count, QUIET);
        assertThat(replies).as("replies after the workers went on").hasSize(count);
        for (Reply reply : replies) assertHairpin(reply, reply.sourcePort(), sent.get(reply.sourcePort()));
    }

    @Test
    void aWorkerWhoseSenderFailsCountsEachDatagramAndKeepsServing() throws Exception {
        // A sender closed under the worker refuses every reply: each datagram is counted (internal_error) and the
        // event loop goes on reading its socket and beating its heartbeat.
        try (TestAppliance own = TestAppliance.start("dataPlane.workers=1");
                GwlbPeer peer = new GwlbPeer(0x7F000009, GwlbPeer.APPLIANCE_ADDRESS, own.dataPort)) { // 127.0.0.9
            Worker worker = own.application().dataPlane().workers().get(0);
            worker.eventLoop()
                    .submit(() -> {
                        worker.sender().close();
                        return null;
                    })
                    .sync();
            byte[] packet = datagram(0x0125L, 0x77, udpPacket(ipv4(10, 9, 0, 1), ipv4(10, 9, 1, 1), 41000, 9300, "x"));
            for (int i = 0; i < 3; i++) peer.send(21000 + i, packet);
            TestAppliance.await(
                    Duration.ofSeconds(5),
                    () -> own.application().dataPlane().droppedPackets(DropReason.INTERNAL_ERROR) == 3,
                    "internal_error counted for each of the 3 datagrams");
            assertThat(peer.receive(QUIET))
                    .as("nothing returned through a closed sender")
                    .isNull();
            long beat = worker.lastHeartbeatNanos();
            TestAppliance.await(
                    Duration.ofSeconds(5),
                    () -> worker.lastHeartbeatNanos() != beat,
                    "the worker's loop still beating");
            assertThat(worker.isBound()).isTrue();
        }
    }

    @Test
    void allocatesNothingPerPacketInSteadyState() throws Exception {
        // The workers read into slots allocated once (UdpBatchReceiver) and the rest of the path is allocation-free:
        // measure every worker thread's allocation over steady streams of known flows. The JIT's first compilations
        // allocate on the worker (lambda forms spun for the native calls, profiles): the quietest of several windows
        // after a warm-up is the steady state.
        int flows = 64;
        byte[][] packets = new byte[flows][];
        for (int i = 0; i < flows; i++) {
            packets[i] = datagram(
                    0x0123L, 0x55, udpPacket(ipv4(10, 8, 0, i), ipv4(10, 8, 1, 1), 48000 + i, 9100, "steady " + i));
        }
        sendAndReceive(packets, 100); // warm up: JIT, flows created
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        List<Worker> workers = appliance.application().dataPlane().workers();
        for (Worker w : workers)
            assertThat(w.threadId()).as("worker %d thread known", w.id()).isPositive();
        int rounds = 50;
        double quietest = Double.MAX_VALUE;
        for (int window = 0; window < 5; window++) {
            long before = 0;
            for (Worker w : workers) before += threads.getThreadAllocatedBytes(w.threadId());
            sendAndReceive(packets, rounds);
            long after = 0;
            for (Worker w : workers) after += threads.getThreadAllocatedBytes(w.threadId());
            double perPacket = (after - before) / (double) (flows * rounds);
            System.out.printf("workers allocated %.2f bytes per packet (%d packets)%n", perPacket, flows * rounds);
            quietest = Math.min(quietest, perPacket);
        }
        // Below one byte per packet: no per-packet object at all (the smallest is 16 bytes); a few bytes per window
        // are the event loop's timers (the heartbeat).
        assertThat(quietest).as("bytes allocated per packet by the workers").isLessThan(1.0);
    }

    private static void sendAndReceive(byte[][] packets, int rounds) throws Exception {
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < packets.length; i++) gwlb.send(33000 + i, packets[i]);
            assertThat(gwlb.receive(packets.length, QUIET)).hasSize(packets.length);
        }
    }
}
