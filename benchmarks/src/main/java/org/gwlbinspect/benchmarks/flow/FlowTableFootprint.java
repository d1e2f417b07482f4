package org.gwlbinspect.benchmarks.flow;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;

/**
 * Measures the heap taken by an empty flow table (all storage is allocated up front, so it does not grow with flows).
 * Run: {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar org.gwlbinspect.benchmarks.flow.FlowTableFootprint
 * [capacity]}.
 */
public final class FlowTableFootprint {

    private FlowTableFootprint() {}

    public static void main(String[] args) {
        int capacity = args.length > 0
                ? Integer.parseInt(args[0])
                : FlowTableConfig.defaults().capacity();
        FlowTableConfig config =
                new FlowTableConfig(capacity, Duration.ofSeconds(350), Duration.ofSeconds(120), Duration.ofSeconds(30));
        long before = usedAfterGc();
        FlowTable table = new FlowTable(config);
        long after = usedAfterGc();
        long bytes = after - before;
        System.out.printf(
                "capacity=%d flows, index=%d words, heap=%d bytes (%.1f MiB), %.1f bytes/flow%n",
                table.capacity(), table.indexSize(), bytes, bytes / 1048576.0, (double) bytes / capacity);
        if (table.activeFlows() != 0) throw new AssertionError(); // keeps the table reachable until here
    }

    private static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
