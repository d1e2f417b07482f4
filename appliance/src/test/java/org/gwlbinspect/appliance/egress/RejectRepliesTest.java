package org.gwlbinspect.appliance.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.geneve.GeneveHeaders;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.gwlbinspect.codec.l4.UdpHeader;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.FragmentTracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link RejectReplies} hands the sender, read back from the native addresses it enqueues, as {@code sendmmsg}
 * would read them. The client 10.0.1.10:41000 (2001:db8::10) talks to the server 10.0.2.20:443 (2001:db8:1::20)
 * through GWLB node 10.99.0.1, which sends from UDP port 50000 to the appliance 10.99.0.2. The inner resets are the
 * golden ones of geneve-codec's {@code TcpResetWriterTest} (checked there with tshark).
 */
class RejectRepliesTest {
    private static final int GWLB_IP = 0x0A630001; // 10.99.0.1
    private static final int APPLIANCE_IP = 0x0A630002; // 10.99.0.2
    private static final int GWLB_PORT = 50000;
    private static final long CLIENT_V4 = TestPackets.ipv4(10, 0, 1, 10);
    private static final long SERVER_V4 = TestPackets.ipv4(10, 0, 2, 20);
    private static final long CLIENT_V6_HI = 0x20010db800000000L;
    private static final long CLIENT_V6_LO = 0x10L;
    private static final long SERVER_V6_HI = 0x20010db800010000L;
    private static final long SERVER_V6_LO = 0x20L;
    private static final long NOW = 1_000_000_000L;

    /** The GENEVE header GWLB sends (TestPackets' IDs and cookie), for a flow of the given Protocol Type. */
    private static String gwlbHeader(String protocolType, String cookie) {
        return "08" + "00" + protocolType // Ver 0, Opt Len 8 words | O 0, C 0 | Protocol Type
                + "000000" + "00" // VNI 0 | reserved
                + "0108" + "01" + "02" + "0abcdef012345678" // class 0x0108, type 1, 2 words: endpoint ID
                + "0108" + "02" + "02" + "1122334455667788" // class 0x0108, type 2, 2 words: attachment ID
                + "0108" + "03" + "01" + cookie; // class 0x0108, type 3, 1 word: flow cookie
    }

    private static final String IPV4_RESET_TO_CLIENT = ""
            + "45000028" + "00004000" + "400623b3" // IPv4, 40 bytes, DF, TTL 64, TCP, header checksum
            + "0a000214" + "0a00010a" // 10.0.2.20 -> 10.0.1.10
            + "01bb" + "a028" // 443 -> 41000
            + "55667788" + "11223349" // seq = the segment's ACK | ack = its seq + 5
            + "5014" + "0000" + "e575" + "0000"; // data offset 5, RST ACK | window 0 | checksum | urgent 0
    private static final String IPV4_RESET_TO_SERVER = ""
            + "45000028" + "00004000" + "400623b3" // IPv4, 40 bytes, DF, TTL 64, TCP, header checksum
            + "0a00010a" + "0a000214" // 10.0.1.10 -> 10.0.2.20
            + "a028" + "01bb" // 41000 -> 443
            + "11223344" + "55667788" // seq = the segment's seq | ack = its ACK
            + "5014" + "0000" + "e57a" + "0000"; // data offset 5, RST ACK | window 0 | checksum | urgent 0
    private static final String IPV6_RESET_TO_CLIENT = ""
            + "60000000" + "0014" + "06" + "40" // IPv6, payload 20, TCP, hop limit 64
            + "20010db8000100000000000000000020" + "20010db8000000000000000000000010" // server -> client
            + "01bb" + "a028" + "55667788" + "11223349" // 443 -> 41000, seq, ack
            + "5014" + "0000" + "a0f0" + "0000"; // data offset 5, RST ACK | window 0 | checksum | urgent 0
    private static final String IPV6_RESET_TO_SERVER = ""
            + "60000000" + "0014" + "06" + "40" // IPv6, payload 20, TCP, hop limit 64
            + "20010db8000000000000000000000010" + "20010db8000100000000000000000020" // client -> server
            + "a028" + "01bb" + "11223344" + "55667788" // 41000 -> 443, seq, ack
            + "5014" + "0000" + "a0f5" + "0000"; // data offset 5, RST ACK | window 0 | checksum | urgent 0

    private final FlowTable flows = new FlowTable(
            new FlowTableConfig(64, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30)));
    private final FlowResolver resolver =
            new FlowResolver(flows, new FragmentTracker(flows, 16, Duration.ofSeconds(30)));
    private final GeneveHeader geneve = new GeneveHeader();
    private final InnerPacket packet = new InnerPacket();
    private final RecordingQueue queue = new RecordingQueue();
    private final RejectReplies rejects = new RejectReplies(queue, 2);

    @AfterEach
    void close() {
        rejects.close();
    }

    @Test
    void queuesResetToSenderThenToDestinationEachBehindTheFlowsHeader() {
        int slot = receive(TestPackets.gwlb(ipv4(dataSegment())));

        assertThat(rejects.queueResets(flows, slot, flows.generation(slot), packet))
                .isEqualTo(ResetOutcome.QUEUED);

        assertThat(queue.sent).hasSize(2);
        String header = gwlbHeader("0800", "deadbeef");
        assertSentAsHairpin(queue.sent.get(0), header + IPV4_RESET_TO_CLIENT);
        assertSentAsHairpin(queue.sent.get(1), header + IPV4_RESET_TO_SERVER);
        assertThat(rejects.pendingDatagrams()).isEqualTo(2);
        assertThat(rejects.queuedResets()).isEqualTo(2);
        assertThat(rejects.failedRejects()).isZero();
    }

    @Test
    void answersIpv6FlowBehindAnIpv6ProtocolType() {
        byte[] inner = TestPackets.ipv6Packet(
                TcpHeader.PROTOCOL, CLIENT_V6_HI, CLIENT_V6_LO, SERVER_V6_HI, SERVER_V6_LO, dataSegment());
        int slot = receive(TestPackets.gwlb(inner));

        assertThat(rejects.queueResets(flows, slot, flows.generation(slot), packet))
                .isEqualTo(ResetOutcome.QUEUED);

        String header = gwlbHeader("86dd", "deadbeef");
        assertSentAsHairpin(queue.sent.get(0), header + IPV6_RESET_TO_CLIENT);
        assertSentAsHairpin(queue.sent.get(1), header + IPV6_RESET_TO_SERVER);
        assertThat(queue.sent.get(0).length()).isEqualTo(40 + 60);
    }

    @Test
    void usesTheHeaderAndPortOfTheFlowsLatestPacket() {
        receive(TestPackets.gwlb(ipv4(dataSegment())));
        // The server's next packet comes with a new cookie and outer port (GWLB re-hashed the flow, gwlb.md §0 item 5).
        byte[] reply = ipv4(TestPackets.tcp(443, 41000, 0x55667788L, 0x11223349L, TcpHeader.ACK, new byte[0]), true);
        int slot = receive(
                TestPackets.gwlb(TestPackets.ENDPOINT_ID, TestPackets.ATTACHMENT_ID, 0xcafef00dL, reply), 50001);
        decodeAgain(TestPackets.gwlb(ipv4(dataSegment())));

        assertThat(rejects.queueResets(flows, slot, flows.generation(slot), packet))
                .isEqualTo(ResetOutcome.QUEUED);

        String header = gwlbHeader("0800", "cafef00d");
        assertThat(queue.sent.get(0).sourcePort()).isEqualTo(50001);
        assertThat(queue.sent.get(0).hex()).isEqualTo(header + IPV4_RESET_TO_CLIENT);
        assertThat(queue.sent.get(1).hex()).isEqualTo(header + IPV4_RESET_TO_SERVER);
    }

    @Test
    void keepsQueuedDatagramsUntouchedUntilReclaimedAfterFlush() {
        int slot = receive(TestPackets.gwlb(ipv4(dataSegment())));
        int generation = flows.generation(slot);
        rejects.queueResets(flows, slot, generation, packet);
        rejects.queueResets(flows, slot, generation, packet);

        assertThat(rejects.queueResets(flows, slot, generation, packet)).isEqualTo(ResetOutcome.FLUSH_FIRST);

        assertThat(queue.sent).hasSize(4);
        for (Sent sent : queue.sent) {
            // Read again now, as a flush would: the later rejects did not overwrite the earlier ones.
            assertThat(sent.bytesNow()).isEqualTo(sent.bytesAtEnqueue());
        }
        assertThat(queue.sent.stream().map(Sent::address).distinct()).hasSize(4);

        rejects.reclaimAfterFlush();
        long firstAddress = queue.sent.get(0).address();
        queue.sent.clear();
        assertThat(rejects.queueResets(flows, slot, generation, packet)).isEqualTo(ResetOutcome.QUEUED);
        assertThat(queue.sent.get(0).address()).isEqualTo(firstAddress);
        assertThat(rejects.outcomes(ResetOutcome.FLUSH_FIRST)).isEqualTo(1);
        assertThat(rejects.queuedResets()).isEqualTo(6);
        assertThat(rejects.failedRejects()).isZero();
    }

    @Test
    void asksForFlushWhenTheSendersBatchHasNoRoomForBoth() {
        int slot = receive(TestPackets.gwlb(ipv4(dataSegment())));
        queue.freeSlots = 1;

        assertThat(rejects.queueResets(flows, slot, flows.generation(slot), packet))
                .isEqualTo(ResetOutcome.FLUSH_FIRST);

        assertThat(queue.sent).isEmpty();
        assertThat(rejects.pendingDatagrams()).isZero();
    }

    @Test
    void sendsNothingForAFlowThatEnded() {
        int slot = receive(TestPackets.gwlb(ipv4(dataSegment())));
        int generation = flows.generation(slot);
        assertThat(flows.expireIdle(NOW + Duration.ofSeconds(351).toNanos(), 1024))
                .isEqualTo(1);

        assertThat(rejects.queueResets(flows, slot, generation, packet)).isEqualTo(ResetOutcome.STALE_SLOT);

        assertThat(queue.sent).isEmpty();
        assertThat(rejects.outcomes(ResetOutcome.STALE_SLOT)).isEqualTo(1);
        assertThat(rejects.failedRejects()).isEqualTo(1);
    }

    @Test
    void sendsNothingWhenTheFlowKeptNoHeader() {
        // 28 bytes of extra options make a 68-byte header, longer than the flow table keeps (64).
        ByteBuf datagram = Unpooled.buffer();
        GeneveHeaders.writeGwlb(
                datagram,
                GeneveHeader.PROTOCOL_IPV4,
                TestPackets.ENDPOINT_ID,
                TestPackets.ATTACHMENT_ID,
                TestPackets.FLOW_COOKIE,
                HexFormat.of().parseHex("0123" + "45" + "06" + "00".repeat(24)));
        datagram.writeBytes(ipv4(dataSegment()));
        int slot = receive(datagram);

        assertThat(rejects.queueResets(flows, slot, flows.generation(slot), packet))
                .isEqualTo(ResetOutcome.NO_HEADER);

        assertThat(queue.sent).isEmpty();
    }

    @Test
    void sendsNothingWhenTheStoredHeaderIsForTheOtherIpVersion() {
        int slot = receive(TestPackets.gwlb(ipv4(dataSegment())));
        byte[] inner = TestPackets.ipv6Packet(
                TcpHeader.PROTOCOL, CLIENT_V6_HI, CLIENT_V6_LO, SERVER_V6_HI, SERVER_V6_LO, dataSegment());
        decodeAgain(TestPackets.gwlb(inner));

        assertThat(rejects.queueResets(flows, slot, flows.generation(slot), packet))
                .isEqualTo(ResetOutcome.PROTOCOL_MISMATCH);

        assertThat(queue.sent).isEmpty();
    }

    @Test
    void answersNeitherUdpNorAReset() {
        byte[] udp = TestPackets.ipv4Packet(
                UdpHeader.PROTOCOL, CLIENT_V4, SERVER_V4, TestPackets.udp(41000, 53, new byte[4]));
        int udpSlot = receive(TestPackets.gwlb(udp));
        assertThat(rejects.queueResets(flows, udpSlot, flows.generation(udpSlot), packet))
                .isEqualTo(ResetOutcome.NOT_TCP);

        byte[] reset = ipv4(TestPackets.tcp(41000, 443, 1, 2, TcpHeader.RST | TcpHeader.ACK, new byte[0]));
        int resetSlot = receive(TestPackets.gwlb(reset));
        assertThat(rejects.queueResets(flows, resetSlot, flows.generation(resetSlot), packet))
                .isEqualTo(ResetOutcome.OFFENDING_RESET);

        assertThat(queue.sent).isEmpty();
        assertThat(rejects.failedRejects()).isEqualTo(2);
        assertThat(rejects.queuedResets()).isZero();
    }

    @Test
    void refusesCapacityOutsideOneToTheSendersMaximumBatch() {
        assertThatThrownBy(() -> new RejectReplies(queue, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RejectReplies(queue, RawSocketSender.MAX_BATCH_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] dataSegment() {
        return TestPackets.tcp(41000, 443, 0x11223344L, 0x55667788L, TcpHeader.PSH | TcpHeader.ACK, new byte[5]);
    }

    private static byte[] ipv4(byte[] segment) {
        return ipv4(segment, false);
    }

    private static byte[] ipv4(byte[] segment, boolean fromServer) {
        return fromServer
                ? TestPackets.ipv4Packet(TcpHeader.PROTOCOL, SERVER_V4, CLIENT_V4, segment)
                : TestPackets.ipv4Packet(TcpHeader.PROTOCOL, CLIENT_V4, SERVER_V4, segment);
    }

    private int receive(ByteBuf datagram) {
        return receive(datagram, GWLB_PORT);
    }

    /** Decodes the datagram into {@link #packet} and records it in the flow table, as the data path does. */
    private int receive(ByteBuf datagram, int gwlbPort) {
        decodeAgain(datagram);
        int slot = resolver.resolve(
                geneve, packet, datagram, 0, datagram.readableBytes(), GWLB_IP, gwlbPort, APPLIANCE_IP, NOW);
        assertThat(slot).isNotNegative();
        return slot;
    }

    private void decodeAgain(ByteBuf datagram) {
        assertThat(TestPackets.decode(datagram, geneve, packet)).isEqualTo(DecodeStatus.OK);
    }

    private static void assertSentAsHairpin(Sent sent, String expectedHex) {
        // gwlb.md §2.1: from the appliance to the GWLB node, GWLB's source port kept, to 6081.
        assertThat(sent.sourceIp()).isEqualTo(APPLIANCE_IP);
        assertThat(sent.destinationIp()).isEqualTo(GWLB_IP);
        assertThat(sent.sourcePort()).isEqualTo(GWLB_PORT);
        assertThat(sent.destinationPort()).isEqualTo(GeneveHeader.PORT);
        assertThat(sent.hex()).isEqualTo(expectedHex);
    }

    /** One enqueued datagram, its bytes copied at enqueue time. */
    record Sent(
            int sourceIp,
            int destinationIp,
            int sourcePort,
            int destinationPort,
            long address,
            int length,
            byte[] bytesAtEnqueue) {

        String hex() {
            return HexFormat.of().formatHex(bytesAtEnqueue);
        }

        /** The bytes at the enqueued address now: what {@code sendmmsg} would read if the sender flushed now. */
        byte[] bytesNow() {
            return read(address, length);
        }
    }

    private static byte[] read(long address, int length) {
        return MemorySegment.ofAddress(address).reinterpret(length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** A sender batch that records instead of sending. */
    static final class RecordingQueue implements RejectReplies.ReplyQueue {
        final List<Sent> sent = new ArrayList<>();
        int freeSlots = 64;

        @Override
        public int freeSlots() {
            return freeSlots - sent.size();
        }

        @Override
        public boolean enqueue(
                int sourceIp,
                int destinationIp,
                int sourcePort,
                int destinationPort,
                long payloadAddress,
                int payloadLength) {
            if (freeSlots() == 0) {
                return false;
            }
            sent.add(new Sent(
                    sourceIp,
                    destinationIp,
                    sourcePort,
                    destinationPort,
                    payloadAddress,
                    payloadLength,
                    read(payloadAddress, payloadLength)));
            return true;
        }
    }
}
