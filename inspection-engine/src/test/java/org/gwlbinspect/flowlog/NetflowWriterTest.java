package org.gwlbinspect.flowlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.ipv4;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.gwlbinspect.eve.EpochClock;
import org.gwlbinspect.eve.EveLog;
import org.gwlbinspect.eve.EveLogConfig;
import org.gwlbinspect.eve.EveRecord;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.l7.AppProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetflowWriterTest {
    static final long MILLI = 1_000_000L;
    static final long SECOND = 1_000_000_000L;
    static final long T0 = 9_000 * SECOND;
    static final int TCP = 6;
    static final int UDP = 17;
    static final int SYN = TcpHeader.SYN;
    static final int ACK = TcpHeader.ACK;
    static final int FIN = TcpHeader.FIN;
    static final int PSH = 0x08;

    /** policy.md §4's netflow example: our flow_id for slot 0, generation 0. */
    static final String TCP_TO_SERVER = "{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\","
            + "\"event_timestamp\":\"1755003965\",\"event\":{\"timestamp\":\"2025-08-12T13:06:05.059525+0000\","
            + "\"flow_id\":2178619119941170,\"event_type\":\"netflow\",\"src_ip\":\"10.80.1.44\","
            + "\"src_port\":59772,\"dest_ip\":\"209.85.203.113\",\"dest_port\":80,\"proto\":\"TCP\","
            + "\"app_proto\":\"http\",\"netflow\":{\"pkts\":6,\"bytes\":395,"
            + "\"start\":\"2025-08-12T13:05:03.931841+0000\",\"end\":\"2025-08-12T13:05:03.942320+0000\","
            + "\"age\":0,\"min_ttl\":126,\"max_ttl\":126,\"state\":\"closed\",\"reason\":\"timeout\","
            + "\"alerted\":false},\"tcp\":{\"tcp_flags\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,"
            + "\"ack\":true}}}";

    static final String TCP_TO_CLIENT = "{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\","
            + "\"event_timestamp\":\"1755003965\",\"event\":{\"timestamp\":\"2025-08-12T13:06:05.059525+0000\","
            + "\"flow_id\":2178619119941170,\"event_type\":\"netflow\",\"src_ip\":\"209.85.203.113\","
            + "\"src_port\":80,\"dest_ip\":\"10.80.1.44\",\"dest_port\":59772,\"proto\":\"TCP\","
            + "\"app_proto\":\"http\",\"netflow\":{\"pkts\":3,\"bytes\":1112,"
            + "\"start\":\"2025-08-12T13:05:03.931841+0000\",\"end\":\"2025-08-12T13:05:03.942320+0000\","
            + "\"age\":0,\"min_ttl\":60,\"max_ttl\":61,\"state\":\"closed\",\"reason\":\"timeout\","
            + "\"alerted\":false},\"tcp\":{\"tcp_flags\":\"13\",\"syn\":true,\"fin\":true,\"ack\":true}}}";

    /** The next flow in slot 0 (generation 1): an IPv6 UDP exchange whose initiator is the larger address. */
    static final String UDP_TO_SERVER = "{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\","
            + "\"event_timestamp\":\"1755004013\",\"event\":{\"timestamp\":\"2025-08-12T13:06:53.931841+0000\","
            + "\"flow_id\":1663780781378710,\"event_type\":\"netflow\",\"src_ip\":\"2001:db8:99::5\","
            + "\"src_port\":53000,\"dest_ip\":\"2001:db8:53::53\",\"dest_port\":53,\"proto\":\"UDP\","
            + "\"app_proto\":\"unknown\",\"netflow\":{\"pkts\":2,\"bytes\":160,"
            + "\"start\":\"2025-08-12T13:06:13.931841+0000\",\"end\":\"2025-08-12T13:06:16.933341+0000\","
            + "\"age\":3,\"min_ttl\":63,\"max_ttl\":64,\"state\":\"established\",\"reason\":\"timeout\","
            + "\"alerted\":true}}}";

    static final String UDP_TO_CLIENT = "{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\","
            + "\"event_timestamp\":\"1755004013\",\"event\":{\"timestamp\":\"2025-08-12T13:06:53.931841+0000\","
            + "\"flow_id\":1663780781378710,\"event_type\":\"netflow\",\"src_ip\":\"2001:db8:53::53\","
            + "\"src_port\":53,\"dest_ip\":\"2001:db8:99::5\",\"dest_port\":53000,\"proto\":\"UDP\","
            + "\"app_proto\":\"unknown\",\"netflow\":{\"pkts\":1,\"bytes\":150,"
            + "\"start\":\"2025-08-12T13:06:13.931841+0000\",\"end\":\"2025-08-12T13:06:16.933341+0000\","
            + "\"age\":3,\"min_ttl\":57,\"max_ttl\":57,\"state\":\"established\",\"reason\":\"timeout\","
            + "\"alerted\":true}}}";

    static final long CLIENT = ipv4(10, 80, 1, 44);
    static final long SERVER = ipv4(209, 85, 203, 113);
    static final long V6_HI_CLIENT = 0x20010db800990000L;
    static final long V6_HI_SERVER = 0x20010db800530000L;

    @TempDir
    Path dir;

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final EpochClock clock = new EpochClock(micros("2025-08-12T13:05:03.931841Z"), T0);

    private EveLog startLog(int ringSize) {
        return EveLog.start(
                new EveLogConfig(
                        dir.resolve("alert.json"),
                        dir.resolve("flow.json"),
                        1 << 20,
                        1,
                        ringSize,
                        "networkfirewall",
                        "eu-west-1a"),
                lines::add);
    }

    private static FlowTable table(int capacity, NetflowWriter writer) {
        return new FlowTable(
                new FlowTableConfig(capacity, Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30)),
                writer);
    }

    /** One packet as the worker handles it: resolve, record in the table, then in the flow records. */
    private static int packet(
            FlowTable table, FlowRecords records, FlowKey key, long now, int bytes, int flags, int ttl) {
        int slot = FlowRecordsTest.packet(table, key, now, bytes);
        records.onPacket(table, slot, key.direction(), flags, ttl, now);
        return slot;
    }

    private static FlowKey tcp(long src, long dst, int sport, int dport) {
        return new FlowKey().setIpv4(7, (int) src, (int) dst, TCP, sport, dport);
    }

    private static FlowKey udp6(long srcHi, long srcLo, long dstHi, long dstLo, int sport, int dport) {
        return new FlowKey().setIpv6(7, srcHi, srcLo, dstHi, dstLo, UDP, sport, dport);
    }

    static long micros(String instant) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.parse(instant));
    }

    @Test
    void writesOneNetflowRecordPerDirectionWhenFlowsExpireAndStartsOverInAReusedSlot() {
        FlowTable table;
        FlowRecords records;
        try (EveLog log = startLog(64)) {
            NetflowWriter writer = new NetflowWriter(new FlowRecords(4), clock);
            writer.attach(log);
            records = writer.records();
            table = table(4, writer);

            // policy.md §4's example flow: an HTTP exchange, closed by FINs, then idle past the 60 s timeout.
            FlowKey out = tcp(CLIENT, SERVER, 59772, 80);
            FlowKey back = tcp(SERVER, CLIENT, 80, 59772);
            int slot = packet(table, records, out, T0, 60, SYN, 126);
            packet(table, records, back, T0 + MILLI, 60, SYN | ACK, 61);
            packet(table, records, out, T0 + 2 * MILLI, 52, ACK, 126);
            records.setAppProto(slot, AppProtocol.HTTP);
            packet(table, records, out, T0 + 3 * MILLI, 127, PSH | ACK, 126);
            packet(table, records, back, T0 + 5 * MILLI, 1000, ACK, 60);
            packet(table, records, out, T0 + 6 * MILLI, 52, ACK, 126);
            packet(table, records, out, T0 + 8 * MILLI, 52, FIN | ACK, 126);
            packet(table, records, back, T0 + 9 * MILLI, 52, FIN | ACK, 61);
            packet(table, records, out, T0 + 10_479_000, 52, ACK, 126);
            assertThat(slot).isZero();
            assertThat(table.expireIdle(T0 + 61_127_684_000L, table.indexSize()))
                    .isEqualTo(1);

            // The slot is reused by an IPv6 UDP flow: nothing of the TCP flow may leak into its records.
            FlowKey query = udp6(V6_HI_CLIENT, 5, V6_HI_SERVER, 0x53, 53000, 53);
            FlowKey answer = udp6(V6_HI_SERVER, 0x53, V6_HI_CLIENT, 5, 53, 53000);
            assertThat(packet(table, records, query, T0 + 70 * SECOND, 80, 0, 64))
                    .isEqualTo(slot);
            packet(table, records, query, T0 + 71 * SECOND, 80, 0, 63);
            records.markAlerted(slot);
            packet(table, records, answer, T0 + 73 * SECOND + 1_500_000, 150, 0, 57);
            assertThat(table.expireIdle(T0 + 110 * SECOND, table.indexSize())).isEqualTo(1);

            log.close();
            assertThat(log.recordsWritten(EveRecord.EventType.NETFLOW)).isEqualTo(4);
            assertThat(log.lostRecords(EveRecord.EventType.NETFLOW)).isZero();
        }
        assertThat(lines).containsExactly(TCP_TO_SERVER, TCP_TO_CLIENT, UDP_TO_SERVER, UDP_TO_CLIENT);
    }

    @Test
    void writesOnlyTheDirectionsThatSawPacketsWithReasonForcedOnEviction() {
        try (EveLog log = startLog(64)) {
            NetflowWriter writer = new NetflowWriter(new FlowRecords(1), clock);
            writer.attach(log);
            FlowTable table = table(1, writer);
            packet(table, writer.records(), tcp(CLIENT, SERVER, 40000, 443), T0, 60, SYN, 64);
            // The table is full: the next flow evicts the unanswered SYN's flow, on this (the worker's) thread.
            packet(table, writer.records(), tcp(CLIENT, SERVER, 40001, 443), T0 + SECOND, 60, SYN, 64);
            assertThat(table.evictedFlows()).isEqualTo(1);
            log.close();
        }
        assertThat(lines)
                .containsExactly("{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\","
                        + "\"event_timestamp\":\"1755003904\",\"event\":{\"timestamp\":"
                        + "\"2025-08-12T13:05:04.931841+0000\",\"flow_id\":2178619119941170,\"event_type\":\"netflow\","
                        + "\"src_ip\":\"10.80.1.44\",\"src_port\":40000,\"dest_ip\":\"209.85.203.113\","
                        + "\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"unknown\",\"netflow\":{\"pkts\":1,"
                        + "\"bytes\":60,\"start\":\"2025-08-12T13:05:03.931841+0000\","
                        + "\"end\":\"2025-08-12T13:05:03.931841+0000\",\"age\":0,\"min_ttl\":64,\"max_ttl\":64,"
                        + "\"state\":\"new\",\"reason\":\"forced\",\"alerted\":false},"
                        + "\"tcp\":{\"tcp_flags\":\"02\",\"syn\":true}}}");
    }

    @Test
    void writesLiveFlowsWithReasonShutdownWaitingForTheWriterInsteadOfDropping() {
        int flows = 200;
        try (EveLog log = startLog(2)) { // a ring far smaller than the records written
            NetflowWriter writer = new NetflowWriter(new FlowRecords(256), clock);
            writer.attach(log);
            FlowTable table = table(256, writer);
            for (int i = 0; i < flows; i++) {
                packet(table, writer.records(), tcp(CLIENT, SERVER, 30000 + i, 443), T0, 60, SYN, 64);
                packet(table, writer.records(), tcp(SERVER, CLIENT, 443, 30000 + i), T0, 60, SYN | ACK, 64);
            }
            assertThat(writer.writeLiveFlows(table, T0 + SECOND)).isEqualTo(flows);
            log.close();
            assertThat(log.lostRecords(EveRecord.EventType.NETFLOW)).isZero();
        }
        assertThat(lines).hasSize(2 * flows).allSatisfy(line -> assertThat(line)
                .contains("\"state\":\"new\",\"reason\":\"shutdown\""));
    }

    @Test
    void eachThreadWritesThroughItsOwnProducer() throws Exception {
        try (EveLog log = startLog(64)) {
            NetflowWriter writer = new NetflowWriter(new FlowRecords(64), clock);
            writer.attach(log);
            FlowTable table = table(64, writer);
            for (int i = 0; i < 10; i++) {
                packet(table, writer.records(), tcp(CLIENT, SERVER, 20000 + i, 443), T0 + i * SECOND, 60, SYN, 64);
            }
            // Half expire on a "housekeeping" thread, the rest on this thread, as workers do when they evict.
            Thread housekeeping = new Thread(() -> table.expireIdle(T0 + 65 * SECOND, table.indexSize()));
            housekeeping.start();
            housekeeping.join();
            table.expireIdle(T0 + 80 * SECOND, table.indexSize());
            assertThat(table.expiredFlows()).isEqualTo(10);
            log.close();
            assertThat(log.recordsWritten(EveRecord.EventType.NETFLOW)).isEqualTo(10);
        }
        assertThat(lines).hasSize(10);
    }

    @Test
    void writesNothingWhileDetached() {
        try (EveLog log = startLog(64)) {
            NetflowWriter writer = new NetflowWriter(new FlowRecords(4), clock);
            FlowTable table = table(4, writer);
            packet(table, writer.records(), tcp(CLIENT, SERVER, 40000, 443), T0, 60, SYN, 64);
            assertThat(table.expireIdle(T0 + 61 * SECOND, table.indexSize())).isEqualTo(1);
            writer.attach(log);
            writer.detach();
            packet(table, writer.records(), tcp(CLIENT, SERVER, 40001, 443), T0, 60, SYN, 64);
            assertThat(writer.writeLiveFlows(table, T0)).isEqualTo(1);
            log.close();
        }
        assertThat(lines).isEmpty();
    }

    @Test
    void countsInnerIpBytesWithoutTheGeneveHeaders() {
        NetflowWriter writer = new NetflowWriter(new FlowRecords(4), clock);
        FlowTable table = table(4, writer);
        FlowKey key = tcp(CLIENT, SERVER, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        ByteBuf header = Unpooled.wrappedBuffer(new byte[40]);
        for (int datagramBytes : new int[] {40 + 60, 40 + 1500}) {
            table.recordInbound(slot, key, T0, datagramBytes, header, 0, 40, 1, 2, 50000);
        }
        assertThat(NetflowWriter.ipBytes(table, slot, key.direction(), 2)).isEqualTo(1560);
    }

    @Test
    void derivesSuricatasFlowStateFromFlagsAndDirections() {
        assertThat(NetflowWriter.state(UDP, false, 0, 0)).isEqualTo(EveRecord.FlowState.NEW);
        assertThat(NetflowWriter.state(UDP, true, 0, 0)).isEqualTo(EveRecord.FlowState.ESTABLISHED);
        assertThat(NetflowWriter.state(TCP, false, SYN, 0)).isEqualTo(EveRecord.FlowState.NEW);
        assertThat(NetflowWriter.state(TCP, true, SYN, SYN | ACK)).isEqualTo(EveRecord.FlowState.NEW);
        assertThat(NetflowWriter.state(TCP, true, SYN | ACK, SYN | ACK)).isEqualTo(EveRecord.FlowState.ESTABLISHED);
        assertThat(NetflowWriter.state(TCP, true, ACK | FIN, ACK)).isEqualTo(EveRecord.FlowState.ESTABLISHED);
        assertThat(NetflowWriter.state(TCP, true, ACK | FIN, ACK | FIN)).isEqualTo(EveRecord.FlowState.CLOSED);
        assertThat(NetflowWriter.state(TCP, false, SYN | TcpHeader.RST, 0)).isEqualTo(EveRecord.FlowState.CLOSED);
    }
}
