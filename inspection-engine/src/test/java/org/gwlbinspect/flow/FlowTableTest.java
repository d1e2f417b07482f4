package org.gwlbinspect.flow;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FlowTableTest {

    static final long SECOND = 1_000_000_000L;
    static final long T0 = 5_000 * SECOND;
    static final int GWLB = 0x0A630001; // 10.99.0.1
    static final int SELF = 0x0A630002; // 10.99.0.2
    static final int TCP = 6;
    static final int UDP = 17;

    static FlowTableConfig config(int capacity) {
        return new FlowTableConfig(capacity, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
    }

    /** A 40-byte GWLB GENEVE header (gwlb.md §1.3) whose flow cookie option carries {@code cookie}. */
    static ByteBuf gwlbHeader(int cookie) {
        ByteBuf header = Unpooled.buffer(40);
        header.writeByte(0x08); // Ver 0, Opt Len 8 words
        header.writeByte(0x00); // O, C, reserved
        header.writeShort(0x0800); // inner IPv4
        header.writeInt(0); // VNI 0, reserved
        header.writeShort(0x0108).writeByte(0x01).writeByte(2).writeLong(0x0abcdef012345678L); // endpoint ID
        header.writeShort(0x0108).writeByte(0x02).writeByte(2).writeLong(0); // attachment ID
        header.writeShort(0x0108).writeByte(0x03).writeByte(1).writeInt(cookie); // flow cookie
        return header;
    }

    static RecordResult record(FlowTable table, int slot, FlowKey key, long now, int bytes, ByteBuf header) {
        return table.recordInbound(
                slot, key, now, bytes, header, header.readerIndex(), header.readableBytes(), GWLB, SELF, 50000);
    }

    static FlowKey tcp(long endpoint, int src, int dst, int srcPort, int dstPort) {
        return new FlowKey().setIpv4(endpoint, src, dst, TCP, srcPort, dstPort);
    }

    private final List<String> ended = new ArrayList<>();
    private final FlowTable table = new FlowTable(config(64), this::remember, 42);

    private void remember(FlowTable t, int slot, FlowEndReason reason, long now) {
        FlowKey key = t.readKey(slot, new FlowKey());
        ended.add(reason.label() + " src=" + key.sourceLo() + ":" + key.sourcePort() + " packets="
                + t.packets(slot, FlowKey.A_TO_B) + "/" + t.packets(slot, FlowKey.B_TO_A));
    }

    @Test
    void bothDirectionsOfAFlowHitOneEntry() {
        int out = table.lookupOrCreate(tcp(1, 0x0A000001, 0x0A000002, 40000, 443), T0);
        int back = table.lookupOrCreate(tcp(1, 0x0A000002, 0x0A000001, 443, 40000), T0);

        assertThat(out).isGreaterThanOrEqualTo(0);
        assertThat(back).isEqualTo(out);
        assertThat(table.createdFlows()).isEqualTo(1);
        assertThat(table.activeFlows()).isEqualTo(1);
    }

    @Test
    void sameTupleBehindTwoEndpointsIsTwoFlows() {
        int first = table.lookupOrCreate(tcp(1, 0x0A000001, 0x0A000002, 40000, 443), T0);
        int second = table.lookupOrCreate(tcp(2, 0x0A000001, 0x0A000002, 40000, 443), T0);

        assertThat(second).isNotEqualTo(first);
        assertThat(table.activeFlows()).isEqualTo(2);
    }

    @Test
    void ipv4AndIpv6AddressesWithTheSameLowBitsAreDifferentFlows() {
        int v4 = table.lookupOrCreate(new FlowKey().setIpv4(1, 1, 2, UDP, 53, 53), T0);
        int v6 = table.lookupOrCreate(new FlowKey().setIpv6(1, 0, 1, 0, 2, UDP, 53, 53), T0);

        assertThat(v6).isNotEqualTo(v4);
    }

    @Test
    void differentProtocolsOrPortsAreDifferentFlows() {
        int tcp = table.lookupOrCreate(new FlowKey().setIpv4(1, 1, 2, TCP, 1000, 80), T0);
        int udp = table.lookupOrCreate(new FlowKey().setIpv4(1, 1, 2, UDP, 1000, 80), T0);
        int otherPort = table.lookupOrCreate(new FlowKey().setIpv4(1, 1, 2, TCP, 1001, 80), T0);

        assertThat(List.of(tcp, udp, otherPort)).doesNotHaveDuplicates();
    }

    @Test
    void lookupFindsExistingFlowsButNeverCreates() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        assertThat(table.lookup(key)).isEqualTo(FlowTable.NOT_FOUND);

        int slot = table.lookupOrCreate(key, T0);

        assertThat(table.lookup(tcp(1, 0x0A000002, 0x0A000001, 443, 40000))).isEqualTo(slot);
        assertThat(table.createdFlows()).isEqualTo(1);
    }

    @Test
    void recordsWhichSideInitiatedTheFlow() {
        FlowKey reply = tcp(1, 0x0A000002, 0x0A000001, 443, 40000);
        int slot = table.lookupOrCreate(reply, T0); // first packet seen is the server's (e.g. after a failover)

        FlowKey initiator = table.readKey(slot, new FlowKey());
        assertThat(table.initiatorDirection(slot)).isEqualTo(reply.direction());
        assertThat(initiator.sourceLo()).isEqualTo(0x0A000002L);
        assertThat(initiator.sourcePort()).isEqualTo(443);
        assertThat(initiator.destinationPort()).isEqualTo(40000);
    }

    @Test
    void countsPacketsAndBytesPerDirection() {
        FlowKey out = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        FlowKey back = tcp(1, 0x0A000002, 0x0A000001, 443, 40000);
        ByteBuf header = gwlbHeader(1);
        int slot = table.lookupOrCreate(out, T0);
        record(table, slot, out, T0, 60, header);
        record(table, table.lookupOrCreate(back, T0), back, T0 + 1, 1500, header);
        record(table, table.lookupOrCreate(back, T0), back, T0 + 2, 1400, header);

        assertThat(table.packets(slot, out.direction())).isEqualTo(1);
        assertThat(table.bytes(slot, out.direction())).isEqualTo(60);
        assertThat(table.packets(slot, back.direction())).isEqualTo(2);
        assertThat(table.bytes(slot, back.direction())).isEqualTo(2900);
        assertThat(table.lastSeenNanos(slot)).isEqualTo(T0 + 2);
    }

    @Test
    void refreshesStoredHeaderWhenCookieChanges() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        assertThat(record(table, slot, key, T0, 60, gwlbHeader(0x11111111))).isEqualTo(RecordResult.HEADER_STORED);
        ByteBuf newer = gwlbHeader(0xDEADBEEF);
        record(table, slot, key, T0 + 1, 60, newer);

        ByteBuf copy = Unpooled.buffer(64);
        assertThat(table.copyHeader(slot, key.generation(), copy)).isEqualTo(40);
        assertThat(ByteBufUtil.hexDump(copy)).isEqualTo(ByteBufUtil.hexDump(newer));
        assertThat(copy.getInt(36)).isEqualTo(0xDEADBEEF);
    }

    @Test
    void copyHeaderAppendsAtTheWriterIndex() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        record(table, slot, key, T0, 60, gwlbHeader(7));

        ByteBuf packet = Unpooled.buffer(128).writeInt(0xCAFEBABE);
        table.copyHeader(slot, key.generation(), packet);

        assertThat(packet.readableBytes()).isEqualTo(44);
        assertThat(packet.getInt(0)).isEqualTo(0xCAFEBABE);
        assertThat(packet.getInt(40)).isEqualTo(7);
    }

    @Test
    void storesHeadersOfAnyLengthUpTo64Bytes() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        for (int length : new int[] {8, 44, 63, 64}) {
            ByteBuf header = Unpooled.buffer(length);
            for (int i = 0; i < length; i++) header.writeByte(i * 7 + length);

            assertThat(record(table, slot, key, T0, 100, header)).isEqualTo(RecordResult.HEADER_STORED);
            ByteBuf copy = Unpooled.buffer(64);
            assertThat(table.copyHeader(slot, key.generation(), copy)).isEqualTo(length);
            assertThat(ByteBufUtil.hexDump(copy)).isEqualTo(ByteBufUtil.hexDump(header));
        }
    }

    @Test
    void keepsOuterRouteOfTheLatestPacket() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        ByteBuf header = gwlbHeader(1);
        table.recordInbound(slot, key, T0, 60, header, 0, 40, 0xC0A80001, 0xC0A80002, 61000);

        assertThat(table.gwlbAddress(slot)).isEqualTo(0xC0A80001);
        assertThat(table.applianceAddress(slot)).isEqualTo(0xC0A80002);
        assertThat(table.gwlbSourcePort(slot)).isEqualTo(61000);
        assertThat(table.headerLength(slot)).isEqualTo(40);
    }

    @Test
    void headerLongerThan64BytesIsNotStoredAndIsCounted() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        record(table, slot, key, T0, 60, gwlbHeader(1));
        ByteBuf longHeader = Unpooled.buffer(68).writeZero(68);

        assertThat(record(table, slot, key, T0 + 1, 100, longHeader)).isEqualTo(RecordResult.HEADER_TOO_LONG);
        assertThat(table.headersTooLong()).isEqualTo(1);
        assertThat(table.copyHeader(slot, key.generation(), Unpooled.buffer(64)))
                .isZero(); // old cookie dropped
        assertThat(table.packets(slot, key.direction())).isEqualTo(2);
        assertThat(table.lastSeenNanos(slot)).isEqualTo(T0 + 1);
    }

    @Test
    void newFlowHasEmptyPolicyStateThatTheEngineCanKeep() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        assertThat(table.policyState(slot)).isZero();
        assertThat(table.policyIndex(slot)).isEqualTo(-1);

        table.setPolicyState(slot, 0x1234_5678_9ABCL);
        table.setPolicyIndex(slot, 77);

        assertThat(table.policyState(slot)).isEqualTo(0x1234_5678_9ABCL);
        assertThat(table.policyIndex(slot)).isEqualTo(77);
        assertThat(table.initiatorDirection(slot)).isEqualTo(key.direction());
    }

    @Test
    void tcpFlowExpiresAfterTheTcpIdleTimeoutOnly() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        record(table, slot, key, T0, 60, gwlbHeader(1));

        assertThat(table.expireIdle(T0 + 349 * SECOND, table.indexSize())).isZero();
        assertThat(table.expireIdle(T0 + 350 * SECOND, table.indexSize())).isEqualTo(1);
        assertThat(table.lookup(key)).isEqualTo(FlowTable.NOT_FOUND);
        assertThat(table.expiredFlows()).isEqualTo(1);
        assertThat(table.activeFlows()).isZero();
    }

    @Test
    void udpFlowExpiresAfterTheOtherIdleTimeout() {
        FlowKey key = new FlowKey().setIpv4(1, 1, 2, UDP, 5000, 53);
        table.lookupOrCreate(key, T0);

        assertThat(table.expireIdle(T0 + 119 * SECOND, table.indexSize())).isZero();
        assertThat(table.expireIdle(T0 + 120 * SECOND, table.indexSize())).isEqualTo(1);
    }

    @Test
    void everyPacketPostponesExpiry() {
        FlowKey key = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        int slot = table.lookupOrCreate(key, T0);
        record(table, slot, key, T0 + 300 * SECOND, 60, gwlbHeader(1));

        assertThat(table.expireIdle(T0 + 400 * SECOND, table.indexSize())).isZero();
        assertThat(table.expireIdle(T0 + 650 * SECOND, table.indexSize())).isEqualTo(1);
    }

    @Test
    void expiryWorksWhenTheNanoClockIsNegative() {
        long start = Long.MIN_VALUE + 10; // System.nanoTime may be any value, even about to wrap
        FlowKey key = new FlowKey().setIpv4(1, 1, 2, UDP, 5000, 53);
        table.lookupOrCreate(key, start);

        assertThat(table.expireIdle(start + 119 * SECOND, table.indexSize())).isZero();
        assertThat(table.expireIdle(start + 120 * SECOND, table.indexSize())).isEqualTo(1);
    }

    @Test
    void sweepContinuesWhereThePreviousCallStopped() {
        for (int i = 0; i < 20; i++) table.lookupOrCreate(new FlowKey().setIpv4(1, i, 1000, UDP, 1, 2), T0);

        long later = T0 + 200 * SECOND;
        int expired = 0;
        int calls = 0;
        while (table.activeFlows() > 0) {
            expired += table.expireIdle(later, 8);
            calls++;
        }

        assertThat(expired).isEqualTo(20);
        assertThat(calls).isLessThanOrEqualTo(table.indexSize() / 8);
    }

    @Test
    void listenerSeesExpiredFlowsWithTheirCounters() {
        FlowKey out = tcp(1, 0x0A000001, 0x0A000002, 40000, 443);
        FlowKey back = tcp(1, 0x0A000002, 0x0A000001, 443, 40000);
        int slot = table.lookupOrCreate(out, T0);
        record(table, slot, out, T0, 60, gwlbHeader(1));
        record(table, slot, back, T0, 60, gwlbHeader(1));
        record(table, slot, back, T0, 60, gwlbHeader(1));

        table.expireIdle(T0 + 400 * SECOND, table.indexSize());

        assertThat(ended).containsExactly("expired src=" + 0x0A000001 + ":40000 packets=1/2");
    }

    @Test
    void evictsTheLeastRecentlySeenCandidateWhenFullAndCountsIt() {
        FlowTable small = new FlowTable(config(4), this::remember, 42); // 8 index words: every key sees all of them
        FlowKey[] keys = new FlowKey[5];
        for (int i = 0; i < 5; i++) keys[i] = tcp(1, 0x0A000001, 0x0A000002, 1000 + i, 443);
        for (int i = 0; i < 4; i++) {
            int slot = small.lookupOrCreate(keys[i], T0 + i);
            record(small, slot, keys[i], T0 + i, 60, gwlbHeader(i));
        }
        record(small, small.lookupOrCreate(keys[0], T0 + 4), keys[0], T0 + 4, 60, gwlbHeader(0)); // 1 is now oldest

        int fifth = small.lookupOrCreate(keys[4], T0 + 5);

        assertThat(fifth).isGreaterThanOrEqualTo(0);
        assertThat(small.evictedFlows()).isEqualTo(1);
        assertThat(small.activeFlows()).isEqualTo(4);
        assertThat(small.lookup(keys[1])).isEqualTo(FlowTable.NOT_FOUND);
        assertThat(small.lookup(keys[0])).isGreaterThanOrEqualTo(0);
        assertThat(small.lookup(keys[2])).isGreaterThanOrEqualTo(0);
        assertThat(small.lookup(keys[3])).isGreaterThanOrEqualTo(0);
        assertThat(ended).containsExactly("evicted src=" + 0x0A000001 + ":1001 packets=1/0");
    }

    @Test
    void evictingAnAlreadyIdleCandidateCountsAsExpired() {
        FlowTable small = new FlowTable(config(2), this::remember, 42);
        small.lookupOrCreate(new FlowKey().setIpv4(1, 1, 2, UDP, 1, 1), T0);
        small.lookupOrCreate(new FlowKey().setIpv4(1, 1, 2, UDP, 2, 2), T0 + 10 * SECOND);

        small.lookupOrCreate(new FlowKey().setIpv4(1, 1, 2, UDP, 3, 3), T0 + 121 * SECOND);

        assertThat(small.expiredFlows()).isEqualTo(1);
        assertThat(small.evictedFlows()).isZero();
        assertThat(ended).singleElement().asString().startsWith("expired");
    }

    @Test
    void slotReuseBumpsTheGenerationAndStaleHandlesAreRefused() {
        FlowTable one = new FlowTable(config(1), FlowEndListener.NONE, 42);
        FlowKey first = new FlowKey().setIpv4(1, 1, 2, UDP, 1, 1);
        int slot = one.lookupOrCreate(first, T0);
        int generation = first.generation();
        assertThat(one.generation(slot)).isEqualTo(generation);
        assertThat(one.isCurrent(slot, generation)).isTrue();
        one.setPolicyIndex(slot, 5);

        one.expireIdle(T0 + 200 * SECOND, one.indexSize());
        FlowKey second = new FlowKey().setIpv4(1, 3, 4, UDP, 1, 1);
        int reused = one.lookupOrCreate(second, T0 + 201 * SECOND);

        assertThat(reused).isEqualTo(slot);
        assertThat(second.generation()).isEqualTo(generation + 1);
        assertThat(one.isCurrent(slot, generation)).isFalse();
        assertThat(one.policyIndex(slot)).isEqualTo(-1);
        assertThat(record(one, slot, first, T0 + 202 * SECOND, 60, gwlbHeader(1)))
                .isEqualTo(RecordResult.FLOW_ENDED);
        assertThat(one.copyHeader(slot, generation, Unpooled.buffer(64))).isEqualTo(FlowTable.STALE_SLOT);
        assertThat(one.packets(slot, first.direction())).isZero();
    }

    @Test
    void neverThrowsUnderRandomKeysAtFullCapacity() {
        FlowTable small = new FlowTable(config(256), FlowEndListener.NONE, 42);
        Random random = new Random(1);
        FlowKey key = new FlowKey();
        ByteBuf header = gwlbHeader(9);
        long now = T0;
        for (int i = 0; i < 200_000; i++) {
            now += random.nextInt(2_000_000); // up to 2 ms between packets
            if (random.nextBoolean()) {
                key.setIpv4(
                        random.nextInt(4),
                        random.nextInt(),
                        random.nextInt(),
                        random.nextInt(256),
                        random.nextInt(65536),
                        random.nextInt(65536));
            } else {
                key.setIpv6(
                        random.nextInt(4),
                        random.nextLong(),
                        random.nextLong(),
                        random.nextLong(),
                        random.nextLong(),
                        random.nextInt(256),
                        random.nextInt(65536),
                        random.nextInt(65536));
            }
            int slot = small.lookupOrCreate(key, now);
            assertThat(slot).isBetween(0, 255);
            assertThat(record(small, slot, key, now, 100, header)).isEqualTo(RecordResult.HEADER_STORED);
            if (i % 1000 == 0) small.expireIdle(now, 64);
        }

        assertThat(small.activeFlows()).isEqualTo(256).isEqualTo(small.countLiveFlows());
        assertThat(small.createdFlows() - small.expiredFlows() - small.evictedFlows())
                .isEqualTo(256);
        assertThat(small.evictedFlows()).isPositive();
        assertThat(small.creationFailures()).isZero();
    }
}
