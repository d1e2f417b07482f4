package org.gwlbinspect.flowlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.gwlb;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.ipv6Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import org.gwlbinspect.codec.DecodeStatus;
import org.gwlbinspect.codec.TestPackets;
import org.gwlbinspect.codec.geneve.GeneveHeader;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.codec.l4.TcpHeader;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowResolver;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.FragmentTracker;
import org.gwlbinspect.l7.AppProtocol;
import org.junit.jupiter.api.Test;

class FlowRecordsTest {
    static final long SECOND = 1_000_000_000L;
    static final long T0 = 7_000 * SECOND;
    static final int TCP = 6;
    static final int UDP = 17;

    private final FlowTable table = new FlowTable(
            new FlowTableConfig(4, Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30)));
    private final FlowRecords records = new FlowRecords(table.capacity());

    /** Resolves a packet of {@code key}'s flow in the table as a worker does; returns the slot. */
    static int packet(FlowTable table, FlowKey key, long now, int ipBytes) {
        int slot = table.lookupOrCreate(key, now);
        assertThat(slot).isNotNegative();
        table.recordInbound(slot, key, now, ipBytes, Unpooled.EMPTY_BUFFER, 0, 0, 0x0A630001, 0x0A630002, 50000);
        return slot;
    }

    private int packet(FlowKey key, long now, int flags, int ttl) {
        int slot = packet(table, key, now, 60);
        records.onPacket(table, slot, key.direction(), flags, ttl, now);
        return slot;
    }

    private static FlowKey tcpKey(int srcLastOctet, int dstLastOctet, int sport, int dport) {
        return new FlowKey()
                .setIpv4(1, (int) ipv4(10, 0, 0, srcLastOctet), (int) ipv4(10, 0, 0, dstLastOctet), TCP, sport, dport);
    }

    @Test
    void keepsStartTimeFlagsAndTtlRangePerDirection() {
        FlowKey out = tcpKey(1, 2, 40000, 443);
        FlowKey back = tcpKey(2, 1, 443, 40000);
        int slot = packet(out, T0, TcpHeader.SYN, 64);
        packet(back, T0 + 1000, TcpHeader.SYN | TcpHeader.ACK, 120);
        packet(out, T0 + 2000, TcpHeader.ACK, 63);
        packet(out, T0 + 3000, TcpHeader.ACK | TcpHeader.FIN, 62);
        packet(back, T0 + 4000, TcpHeader.ACK, 121);

        int generation = table.generation(slot);
        assertThat(records.tracks(slot, generation)).isTrue();
        assertThat(records.startNanos(slot)).isEqualTo(T0);
        int o = out.direction();
        int b = back.direction();
        assertThat(records.seen(slot, generation, o)).isTrue();
        assertThat(records.tcpFlags(slot, o)).isEqualTo(TcpHeader.SYN | TcpHeader.ACK | TcpHeader.FIN);
        assertThat(records.minTtl(slot, o)).isEqualTo(62);
        assertThat(records.maxTtl(slot, o)).isEqualTo(64);
        assertThat(records.tcpFlags(slot, b)).isEqualTo(TcpHeader.SYN | TcpHeader.ACK);
        assertThat(records.minTtl(slot, b)).isEqualTo(120);
        assertThat(records.maxTtl(slot, b)).isEqualTo(121);
        assertThat(records.appProto(slot)).isEqualTo(AppProtocol.UNKNOWN);
        assertThat(records.alerted(slot)).isFalse();
    }

    @Test
    void keepsTheAppProtocolAndAlertedFlagSetByTheInspector() {
        int slot = packet(tcpKey(1, 2, 40001, 80), T0, TcpHeader.SYN, 64);
        records.setAppProto(slot, AppProtocol.HTTP);
        records.markAlerted(slot);
        records.markAlerted(slot);
        assertThat(records.appProto(slot)).isEqualTo(AppProtocol.HTTP);
        assertThat(records.alerted(slot)).isTrue();
        records.setAppProto(slot, AppProtocol.TLS);
        assertThat(records.appProto(slot)).isEqualTo(AppProtocol.TLS);
        assertThat(records.alerted(slot)).isTrue();
        assertThat(records.tracks(slot, table.generation(slot))).isTrue(); // the generation survives both
    }

    @Test
    void startsOverWhenTheSlotHoldsANewFlow() {
        FlowKey first = tcpKey(1, 2, 40002, 443);
        int slot = packet(first, T0, TcpHeader.SYN | TcpHeader.ACK | TcpHeader.FIN, 10);
        packet(tcpKey(2, 1, 443, 40002), T0, TcpHeader.RST, 200);
        records.setAppProto(slot, AppProtocol.TLS);
        records.markAlerted(slot);
        int oldGeneration = table.generation(slot);
        assertThat(table.expireIdle(T0 + 61 * SECOND, table.indexSize())).isEqualTo(1);

        // The freed slot is reused first (the free list is a stack): a new flow, only one direction so far.
        FlowKey second = tcpKey(3, 4, 40003, 22);
        long later = T0 + 70 * SECOND;
        assertThat(packet(second, later, TcpHeader.SYN, 50)).isEqualTo(slot);
        int generation = table.generation(slot);
        assertThat(generation).isNotEqualTo(oldGeneration);
        assertThat(records.tracks(slot, generation)).isTrue();
        assertThat(records.tracks(slot, oldGeneration)).isFalse();
        assertThat(records.startNanos(slot)).isEqualTo(later);
        assertThat(records.appProto(slot)).isEqualTo(AppProtocol.UNKNOWN);
        assertThat(records.alerted(slot)).isFalse();
        assertThat(records.tcpFlags(slot, second.direction())).isEqualTo(TcpHeader.SYN);
        assertThat(records.minTtl(slot, second.direction())).isEqualTo(50);
        assertThat(records.maxTtl(slot, second.direction())).isEqualTo(50);
        // The other direction's word still holds the old flow: not seen in the new one.
        assertThat(records.seen(slot, generation, second.direction() ^ 1)).isFalse();
    }

    @Test
    void ignoresAPacketWhoseFlowEndedAfterItWasResolved() {
        FlowKey key = tcpKey(1, 2, 40004, 443);
        int slot = packet(table, key, T0, 60);
        assertThat(table.expireIdle(T0 + 61 * SECOND, table.indexSize())).isEqualTo(1);
        records.onPacket(table, slot, key.direction(), TcpHeader.SYN, 64, T0);
        assertThat(records.tracks(slot, table.generation(slot))).isFalse();
        assertThat(records.tracks(slot, key.generation())).isFalse();
    }

    @Test
    void readsDirectionTtlAndFlagsFromTheResolvedPacket() {
        FragmentTracker fragments = new FragmentTracker(table, 16, Duration.ofSeconds(30));
        FlowResolver resolver = new FlowResolver(table, fragments);
        GeneveHeader geneve = new GeneveHeader();
        InnerPacket inner = new InnerPacket();
        long hi = 0x20010db800000000L;
        byte[][] packets = {
            ipv6Packet(TCP, hi, 0x10, hi, 0x20, tcp(40005, 443, 1, 0, TcpHeader.SYN, new byte[0])),
            ipv4Packet(TCP, ipv4(10, 0, 0, 9), ipv4(10, 0, 0, 8), tcp(443, 40006, 1, 0, TcpHeader.RST, new byte[0]))
        };
        for (byte[] p : packets) {
            ByteBuf datagram = gwlb(p);
            assertThat(TestPackets.decode(datagram, geneve, inner)).isEqualTo(DecodeStatus.OK);
            int slot = resolver.resolve(geneve, inner, datagram, 0, datagram.readableBytes(), 1, 2, 3, T0);
            records.onPacket(resolver, slot, inner, T0);
            int generation = table.generation(slot);
            int direction = resolver.direction();
            assertThat(records.seen(slot, generation, direction)).isTrue();
            assertThat(records.seen(slot, generation, direction ^ 1)).isFalse();
            assertThat(records.minTtl(slot, direction)).isEqualTo(64); // TestPackets' TTL and hop limit
            assertThat(records.tcpFlags(slot, direction)).isEqualTo(inner.tcpFlags());
        }
    }

    @Test
    void disabledRecordsIgnoreEverything() {
        FlowRecords disabled = FlowRecords.disabled();
        int slot = packet(table, tcpKey(1, 2, 40007, 443), T0, 60);
        disabled.onPacket(table, slot, 0, TcpHeader.SYN, 64, T0);
        disabled.setAppProto(slot, AppProtocol.TLS);
        disabled.markAlerted(slot);
        assertThat(disabled.tracks(slot, table.generation(slot))).isFalse();
        assertThat(disabled.seen(slot, table.generation(slot), 0)).isFalse();
    }
}
