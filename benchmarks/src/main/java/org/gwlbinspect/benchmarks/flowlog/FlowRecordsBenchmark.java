package org.gwlbinspect.benchmarks.flowlog;

import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flowlog.FlowRecords;
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
 * Per-packet cost of the flow log's bookkeeping ({@link FlowRecords#onPacket}: generation check, per-direction flags
 * and TTL range) over {@code flows} established flows visited in random order, next to {@code baselineGeneration}, the
 * flow table's generation read it starts with. Run with {@code -prof gc}: both must allocate 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class FlowRecordsBenchmark {

    private static final int ORDER_MASK = (1 << 20) - 1;

    @Param("65536")
    int flows;

    private FlowTable table;
    private FlowRecords records;
    private int[] slots;
    private int[] order; // random flow and direction per packet, precomputed
    private int next;
    private long now = 1_000_000_000L;

    @Setup
    public void setUp() {
        table = new FlowTable(
                new FlowTableConfig(flows, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30)));
        records = new FlowRecords(table.capacity());
        FlowKey key = new FlowKey();
        slots = new int[flows];
        for (int f = 0; f < flows; f++) {
            key.setIpv4(1, 0x0A000000 | f, 0x0B000001, 6, 1024 + (f & 0x7FFF), 443);
            slots[f] = table.lookupOrCreate(key, now);
            table.recordInbound(slots[f], key, now, 60, Unpooled.EMPTY_BUFFER, 0, 0, 1, 2, 50000);
            records.onPacket(table, slots[f], key.direction(), 0x02, 64, now);
        }
        SplittableRandom random = new SplittableRandom(1);
        order = new int[ORDER_MASK + 1];
        for (int i = 0; i < order.length; i++) order[i] = random.nextInt(flows) << 1 | random.nextInt(2);
    }

    @Benchmark
    public int baselineGeneration() {
        int packet = order[next++ & ORDER_MASK];
        return table.generation(slots[packet >>> 1]);
    }

    @Benchmark
    public int onPacket() {
        int packet = order[next++ & ORDER_MASK];
        int slot = slots[packet >>> 1];
        records.onPacket(table, slot, packet & 1, 0x10 | (packet & 0x08), 60 + (packet & 3), now += 1000);
        return slot;
    }
}
