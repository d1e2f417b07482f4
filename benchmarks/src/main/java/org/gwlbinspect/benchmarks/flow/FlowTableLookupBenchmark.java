package org.gwlbinspect.benchmarks.flow;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.RecordResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-packet cost of the flow table on one worker: fill the key, look up (or create) the flow and record the packet
 * with its 40-byte GENEVE header, over {@code flows} established flows visited in random order, so the entries mostly
 * come from L3 or memory as they do under real traffic. {@code missCreateWithEviction} opens a new flow per packet on a
 * full table, so each one also evicts (a SYN flood: the table holds embryonic flows); {@code
 * missCreateWithEvictionAmongEstablished} does the same on a table of established flows only, the eviction policy's
 * worst case (it looks through the whole window and three more before it evicts an established flow); {@code
 * baselineFillKey} is the key canonicalisation alone, and
 * {@code copyHeaderForReply} the egress read.
 *
 * <p>{@code flows} is both the number of flows and the table's capacity: 1 024 (200 KB per table: it stays in cache), 65 536
 * (13 MB per table, about the size of a server L3 cache) and 1 048 576, the appliance's default capacity (200 MB per table: every
 * random lookup goes to memory). The trial set-up fills three such tables, once per benchmark method and size (at
 * 1 M flows about 630 MB of heap and a few seconds before the first warm-up iteration); nothing is set up per
 * iteration or invocation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class FlowTableLookupBenchmark {

    private static final int GWLB = 0x0A630001;
    private static final int SELF = 0x0A630002;
    private static final int ORDER_MASK = (1 << 20) - 1;

    @Param({"1024", "65536", "1048576"})
    int flows;

    private FlowTable table;
    private FlowTable fullTable;
    private FlowTable establishedTable;
    private int newEstablishedFlow;
    private final FlowKey key = new FlowKey();
    private final ByteBuf header = Unpooled.directBuffer(40);
    private final ByteBuf reply = Unpooled.directBuffer(128);
    private int[] clients;
    private int[] order; // random flow and direction per packet, precomputed
    private int next;
    private int newFlow;
    private long now = 1_000_000_000L;
    private int[] slots;
    private int[] generations;

    @Setup
    public void setUp() {
        FlowTableConfig config =
                new FlowTableConfig(flows, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        table = new FlowTable(config);
        fullTable = new FlowTable(config);
        establishedTable = new FlowTable(config);
        header.writeInt(0x08000800).writeInt(0);
        header.writeInt(0x01080102).writeLong(0x0abcdef012345678L);
        header.writeInt(0x01080202).writeLong(0);
        header.writeInt(0x01080301).writeInt(0xDEADBEEF);
        SplittableRandom random = new SplittableRandom(1);
        clients = new int[flows];
        slots = new int[flows];
        generations = new int[flows];
        for (int f = 0; f < flows; f++) {
            clients[f] = 0x0A000000 | f;
            fill(f, 0);
            slots[f] = table.lookupOrCreate(key, now);
            generations[f] = key.generation();
            record(table, slots[f]);
            fill(f, 0);
            fullTable.lookupOrCreate(key, now);
            for (int packet : new int[] {0, 1, 0}) { // SYN, SYN-ACK, ACK: the initiator spoke after the reply
                fill(f, packet);
                record(establishedTable, establishedTable.lookupOrCreate(key, now));
            }
        }
        newEstablishedFlow = flows;
        newFlow = flows;
        order = new int[ORDER_MASK + 1];
        for (int i = 0; i < order.length; i++) order[i] = random.nextInt(flows) << 1 | random.nextInt(2);
    }

    private void fill(int flow, int reverse) {
        int client = clients[flow];
        int server = 0x0B000001;
        int clientPort = 1024 + (flow & 0x7FFF);
        if (reverse == 0) key.setIpv4(flow & 3, client, server, 6, clientPort, 443);
        else key.setIpv4(flow & 3, server, client, 6, 443, clientPort);
    }

    private RecordResult record(FlowTable t, int slot) {
        return t.recordInbound(slot, key, now, 1500, header, 0, 40, GWLB, SELF, 50000);
    }

    @Benchmark
    public int baselineFillKey() {
        int packet = order[next++ & ORDER_MASK];
        fill(packet >>> 1, packet & 1);
        return key.direction();
    }

    @Benchmark
    public RecordResult hitLookupOrCreateAndRecord() {
        int packet = order[next++ & ORDER_MASK];
        fill(packet >>> 1, packet & 1);
        int slot = table.lookupOrCreate(key, now += 1000);
        return record(table, slot);
    }

    @Benchmark
    public RecordResult missCreateWithEviction() {
        int flow = newFlow++;
        key.setIpv4(flow & 3, 0x0C000000 | (flow & 0xFFFFFF), 0x0B000001, 6, 1024 + ((flow >>> 24) & 0x7FFF), 443);
        int slot = fullTable.lookupOrCreate(key, now += 1000);
        return slot < 0 ? null : record(fullTable, slot);
    }

    /**
     * A new connection per invocation on a table that holds established flows only: SYN (creating the flow and evicting
     * an established one, after looking through the whole window and three more for a better victim), SYN-ACK and ACK
     * (so the new flow is established too and the table stays so). Three packets per invocation: compare with three
     * {@code hitLookupOrCreateAndRecord}s.
     */
    @Benchmark
    public RecordResult missCreateWithEvictionAmongEstablished() {
        int flow = newEstablishedFlow++;
        int client = 0x0D000000 | (flow & 0xFFFFFF);
        int port = 1024 + ((flow >>> 24) & 0x7FFF);
        key.setIpv4(flow & 3, client, 0x0B000001, 6, port, 443);
        int slot = establishedTable.lookupOrCreate(key, now += 1000);
        if (slot < 0) return null;
        record(establishedTable, slot);
        key.setIpv4(flow & 3, 0x0B000001, client, 6, 443, port); // as a worker does: look up, then record
        record(establishedTable, establishedTable.lookupOrCreate(key, now));
        key.setIpv4(flow & 3, client, 0x0B000001, 6, port, 443);
        return record(establishedTable, establishedTable.lookupOrCreate(key, now));
    }

    @Benchmark
    public int copyHeaderForReply() {
        int flow = order[next++ & ORDER_MASK] >>> 1;
        reply.clear();
        return table.copyHeader(slots[flow], generations[flow], reply);
    }
}
