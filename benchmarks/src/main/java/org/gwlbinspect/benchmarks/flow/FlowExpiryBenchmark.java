package org.gwlbinspect.benchmarks.flow;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.flow.FlowEndListener;
import org.gwlbinspect.flow.FlowExpiry;
import org.gwlbinspect.flow.FlowKey;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The idle sweep as the appliance runs it: one op is one {@link FlowExpiry#run()}, the task {@code
 * dataplane.FlowHousekeeping} schedules every 100 ms on its own thread, over the slice it sizes for a 5 s full pass
 * ({@link FlowExpiry#slotsPerRun}: index size / 50, that is 41 index words at 1 k flows and 41 944 at 1 M). The table
 * has room for exactly {@code flows} flows and holds that many TCP flows.
 *
 * <ul>
 *   <li>{@code baselineSweepEmptyTable}: the same slice of a table of the same size that holds no flow, so the walk
 *       over the index words alone (one read per word).
 *   <li>{@code sweepLiveFlows}: every flow was seen 1 s ago; each occupied word costs a read of its entry's control
 *       word, key and last-seen time, and nothing ends. The steady state of a busy appliance.
 *   <li>{@code sweepIdleFlows}: every flow is past the 350 s TCP idle timeout, so each one found is ended (CAS on the
 *       control word and the index word, the flow-end listener, the entry back on the free list). The listener only
 *       reads the ended flow's key ({@link FlowTable#readKey}, from the entry just loaded) and notes its number, so
 *       this is the cost of the table alone: the EVE netflow record the appliance
 *       writes there is measured by {@code flowlog.FlowRecordsBenchmark}. A {@link Level#Invocation} set-up, outside
 *       the measured time, creates again, idle, the flows the previous run ended, so every run finds its slice as full
 *       as the first one did. The flows ended per run are printed at the end of each trial.
 * </ul>
 *
 * Per index word swept = ns/op ÷ {@code slotsPerRun}; per flow ended = ({@code sweepIdleFlows} − {@code
 * sweepLiveFlows}) ÷ flows ended per run. Only the table the benchmark method needs is filled (one 1 M-flow table is
 * about 210 MB of heap and a second or two of set-up). Run with {@code -prof gc}: {@code gc.alloc.rate.norm} must be 0
 * B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class FlowExpiryBenchmark {

    private static final int GWLB = 0x0A630001;
    private static final int SELF = 0x0A630002;
    private static final int SERVER = 0x0B000001;
    private static final long CREATED = 1_000_000_000L;
    /** 1 s after the flows were created: none is idle. */
    private static final long LIVE_NOW = CREATED + 1_000_000_000L;
    /** 400 s after: past the 350 s TCP idle timeout, every flow is idle. */
    private static final long IDLE_NOW = CREATED + 400_000_000_000L;

    @Param({"1024", "1048576"})
    int flows;

    private FlowTable table;
    private FlowExpiry expiry;
    private final FlowKey key = new FlowKey();
    private final ByteBuf header = Unpooled.directBuffer(40);
    /** The key of an ended flow, read by the listener. */
    private final FlowKey endedKey = new FlowKey();
    /** The flows ended since the last set-up, in the order the listener saw them. */
    private int[] ended;
    /** What the set-up creates again: the last {@link #ended}, swapped, so flows evicted meanwhile are kept apart. */
    private int[] toCreate;

    private int endedCount;
    private boolean refill;
    private long runs;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        header.writeInt(0x08000800).writeInt(0);
        header.writeInt(0x01080102).writeLong(0x0abcdef012345678L);
        header.writeInt(0x01080202).writeLong(0);
        header.writeInt(0x01080301).writeInt(0xDEADBEEF);
        ended = new int[flows];
        toCreate = new int[flows];
        // The flow's number from its key, read from the entry the sweep has just loaded, as a real listener reads it.
        FlowEndListener recordEnded = (t, slot, reason, nowNanos) ->
                ended[endedCount++] = (int) t.readKey(slot, endedKey).sourceLo() & 0xFFFFFF;
        FlowTableConfig config =
                new FlowTableConfig(flows, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        table = new FlowTable(config, recordEnded, 1);
        String method = params.getBenchmark();
        long now;
        if (method.endsWith("baselineSweepEmptyTable")) {
            now = LIVE_NOW;
        } else {
            for (int f = 0; f < flows; f++) create(f);
            // A full table: a key whose window is full evicts another flow, so a few flows (2 of 1 M) are not there.
            if (table.activeFlows() < flows - flows / 1000) {
                throw new IllegalStateException("filled " + table.activeFlows() + " of " + flows + " flows");
            }
            endedCount = 0; // the flows evicted while filling stay out
            now = method.endsWith("sweepIdleFlows") ? IDLE_NOW : LIVE_NOW;
        }
        refill = now == IDLE_NOW;
        long clock = now;
        // The production slice: the size FlowHousekeeping gives its FlowExpiry.
        expiry = new FlowExpiry(
                table, FlowExpiry.slotsPerRun(table, Duration.ofMillis(100), Duration.ofSeconds(5)), () -> clock);
        if (summary().isEmpty()) throw new AssertionError();
    }

    /**
     * What the trial measured besides time. Formatted once in the set-up too: the first use of the formatter loads
     * classes and locale data, and that allocation would otherwise be counted in the last iteration's B/op.
     */
    private String summary() {
        return String.format(
                "%n%d index words per run, %.1f flows ended per run (%d runs)%n",
                FlowExpiry.slotsPerRun(table, Duration.ofMillis(100), Duration.ofSeconds(5)),
                runs == 0 ? 0.0 : (double) expiry.expired() / runs,
                runs);
    }

    private void create(int flow) {
        key.setIpv4(flow & 3, 0x0A000000 | flow, SERVER, 6, 1024 + (flow & 0x7FFF), 443);
        int slot = table.lookupOrCreate(key, CREATED);
        if (slot < 0) throw new IllegalStateException("flow " + flow + " not created: " + slot);
        table.recordInbound(slot, key, CREATED, 100, header, 0, 40, GWLB, SELF, 50000);
    }

    /** Creates again, idle, what the last run ended; not measured. */
    @Setup(Level.Invocation)
    public void recreateEnded() {
        if (!refill) return;
        int[] create = ended;
        int count = endedCount;
        ended = toCreate;
        toCreate = create;
        endedCount = 0;
        for (int i = 0; i < count; i++) create(create[i]); // may evict (rarely): that flow is created next time
        runs++;
    }

    @TearDown(Level.Trial)
    public void report() {
        if (expiry.failedRuns() != 0) {
            throw new IllegalStateException(expiry.failedRuns() + " runs failed: the measured runs are not the sweep");
        }
        if (refill) System.out.print(summary());
        header.release();
    }

    @Benchmark
    public long baselineSweepEmptyTable() {
        expiry.run();
        return expiry.expired();
    }

    @Benchmark
    public long sweepLiveFlows() {
        expiry.run();
        return expiry.expired();
    }

    @Benchmark
    public long sweepIdleFlows() {
        expiry.run();
        return expiry.expired();
    }
}
