package org.gwlbinspect.appliance.replay;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.Verdict;

/** What an in-process replay did: the counts it prints at the end and that the tests read. */
public final class ReplaySummary {
    private final String capture;
    private String linkType = "?";
    private long frames;
    private long passed;
    private long rejected;
    private long alerts;
    private long flows;
    private long netflowRecords;
    private long alertRecords;
    private long recordsLost;
    private long allowedWritten;
    private long firstTimestampNanos;
    private long lastTimestampNanos;
    private long elapsedNanos;
    private long cpuNanos = -1;
    // Counted per frame without boxing (a TreeMap merge made a Long per drop beyond the small-integer cache): a
    // counter cell per reason (DropReasons are canonical instances, skip reasons constants), found with a get that
    // allocates nothing; the sorted maps are built when read.
    private final Map<DropReason, long[]> dropped = new HashMap<>();
    private final Map<String, long[]> skipped = new HashMap<>();
    private final SidCounts alertsBySid = new SidCounts();

    ReplaySummary(String capture) {
        this.capture = capture;
    }

    void linkType(String name) {
        this.linkType = name;
    }

    void frame(long timestampNanos) {
        if (frames++ == 0) firstTimestampNanos = timestampNanos;
        lastTimestampNanos = timestampNanos;
    }

    void skipped(String reason) {
        long[] count = skipped.get(reason);
        if (count == null) skipped.put(reason, count = new long[1]); // once per reason
        count[0]++;
    }

    void verdict(Verdict verdict, DropReason reason, long[] sids, int alertCount) {
        switch (verdict) {
            case PASS -> passed++;
            case REJECT -> rejected++;
            case DROP -> {
                long[] count = dropped.get(reason);
                if (count == null) dropped.put(reason, count = new long[1]); // once per reason
                count[0]++;
            }
        }
        for (int i = 0; i < alertCount; i++) alertsBySid.increment(sids[i]);
    }

    void allowedWritten() {
        allowedWritten++;
    }

    /**
     * The replay thread's CPU time over the loop, -1 when the JVM cannot measure it. Other processes on the core
     * inflate the wall time of {@link #packetsPerSecond} but hardly the thread's own CPU time, so a before/after
     * comparison on a shared machine reads this one.
     */
    void cpu(long cpuNanos) {
        this.cpuNanos = cpuNanos;
    }

    void finish(long elapsedNanos, long alerts, long flows, long netflowRecords, long alertRecords, long recordsLost) {
        this.elapsedNanos = elapsedNanos;
        this.alerts = alerts;
        this.flows = flows;
        this.netflowRecords = netflowRecords;
        this.alertRecords = alertRecords;
        this.recordsLost = recordsLost;
    }

    /** Frames read from the capture. */
    public long frames() {
        return frames;
    }

    /** Frames fed into the pipeline (not skipped). */
    public long replayed() {
        return frames - skippedTotal();
    }

    public long passed() {
        return passed;
    }

    /** Dropped packets (verdict drop, or not decoded / no flow), REJECT not included. */
    public long droppedTotal() {
        long total = 0;
        for (long[] count : dropped.values()) total += count[0];
        return total;
    }

    /** Dropped packets by {@link DropReason} label, sorted by label. */
    public Map<String, Long> dropped() {
        Map<String, Long> byLabel = new TreeMap<>();
        dropped.forEach((reason, count) -> byLabel.merge(reason.label(), count[0], Long::sum));
        return byLabel;
    }

    public long rejected() {
        return rejected;
    }

    public long skippedTotal() {
        long total = 0;
        for (long[] count : skipped.values()) total += count[0];
        return total;
    }

    /** Skipped frames by reason ({@code not_ip}, {@code frame_truncated}, ...), sorted by reason. */
    public Map<String, Long> skipped() {
        Map<String, Long> byReason = new TreeMap<>();
        skipped.forEach((reason, count) -> byReason.put(reason, count[0]));
        return byReason;
    }

    public long alerts() {
        return alerts;
    }

    /** Alerts by sid (default alert actions under their sids 2, 4, 6, 8), sorted by sid. */
    public Map<Long, Long> alertsBySid() {
        return alertsBySid.toMap();
    }

    /** Flows the flow table created. */
    public long flows() {
        return flows;
    }

    /** Netflow records written to the flow log (one per direction that saw packets); 0 without logs. */
    public long netflowRecords() {
        return netflowRecords;
    }

    public long alertRecords() {
        return alertRecords;
    }

    public long allowedPacketsWritten() {
        return allowedWritten;
    }

    public long elapsedNanos() {
        return elapsedNanos;
    }

    /** The replay thread's CPU nanoseconds over the loop ({@link Replay#replayAll}), -1 when not measured. */
    public long cpuNanos() {
        return cpuNanos;
    }

    /** The loop's CPU nanoseconds per frame, -1 when not measured. */
    public double cpuNanosPerPacket() {
        return cpuNanos < 0 || frames == 0 ? -1 : (double) cpuNanos / frames;
    }

    /** Frames per second of wall time, the capture read and the logs written included. */
    public double packetsPerSecond() {
        return elapsedNanos == 0 ? 0 : frames * 1e9 / elapsedNanos;
    }

    /** Prints the summary, one count per line; {@code policy} names the policy enforced. */
    public void print(PrintStream out, String policy) {
        out.printf(
                Locale.ROOT,
                "replayed %s (%s, %d packets over %.3f s of capture) with %s in %.3f s: %.0f packets/s%n",
                capture,
                linkType,
                frames,
                (lastTimestampNanos - firstTimestampNanos) / 1e9,
                policy,
                elapsedNanos / 1e9,
                packetsPerSecond());
        if (cpuNanos >= 0)
            out.printf(
                    Locale.ROOT,
                    "  cpu       %.3f s of the replay thread, %.0f ns per packet%n",
                    cpuNanos / 1e9,
                    cpuNanosPerPacket());
        out.printf(Locale.ROOT, "  passed    %d%n", passed);
        out.printf(Locale.ROOT, "  dropped   %d%s%n", droppedTotal(), breakdown(dropped()));
        out.printf(Locale.ROOT, "  rejected  %d%n", rejected);
        if (!skipped.isEmpty()) out.printf(Locale.ROOT, "  skipped   %d%s%n", skippedTotal(), breakdown(skipped()));
        StringBuilder sids = new StringBuilder();
        for (Map.Entry<Long, Long> e : alertsBySid().entrySet())
            sids.append(sids.isEmpty() ? " (" : ", ")
                    .append("sid ")
                    .append(e.getKey())
                    .append(": ")
                    .append(e.getValue());
        if (!sids.isEmpty()) sids.append(')');
        out.printf(Locale.ROOT, "  alerts    %d%s%n", alerts, sids);
        out.printf(Locale.ROOT, "  flows     %d%n", flows);
        if (netflowRecords + alertRecords > 0)
            out.printf(
                    Locale.ROOT,
                    "  logs      %d alert and %d netflow records%s%n",
                    alertRecords,
                    netflowRecords,
                    recordsLost > 0 ? ", " + recordsLost + " LOST" : "");
        if (allowedWritten > 0) out.printf(Locale.ROOT, "  written   %d allowed packets%n", allowedWritten);
    }

    private static String breakdown(Map<String, Long> counts) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Long> e : counts.entrySet())
            b.append(b.isEmpty() ? " (" : ", ").append(e.getKey()).append(": ").append(e.getValue());
        return b.isEmpty() ? "" : b.append(')').toString();
    }

    /** Counts per sid in an open-addressing table of primitives: no boxing per alert; it doubles when half full. */
    static final class SidCounts {
        private static final long NO_SID = Long.MIN_VALUE; // sids are positive, default-action sids their negation's

        private long[] sids = newKeys(16);
        private long[] counts = new long[16];
        private int size;

        void increment(long sid) {
            int mask = sids.length - 1;
            int i = spread(sid) & mask;
            while (sids[i] != sid) {
                if (sids[i] == NO_SID) {
                    sids[i] = sid;
                    if (++size * 2 > sids.length) {
                        counts[i]++;
                        grow();
                        return;
                    }
                    break;
                }
                i = (i + 1) & mask;
            }
            counts[i]++;
        }

        Map<Long, Long> toMap() {
            Map<Long, Long> map = new TreeMap<>();
            for (int i = 0; i < sids.length; i++) if (sids[i] != NO_SID) map.put(sids[i], counts[i]);
            return map;
        }

        private void grow() {
            long[] oldSids = sids;
            long[] oldCounts = counts;
            sids = newKeys(oldSids.length * 2);
            counts = new long[oldSids.length * 2];
            int mask = sids.length - 1;
            for (int j = 0; j < oldSids.length; j++) {
                if (oldSids[j] == NO_SID) continue;
                int i = spread(oldSids[j]) & mask;
                while (sids[i] != NO_SID) i = (i + 1) & mask;
                sids[i] = oldSids[j];
                counts[i] = oldCounts[j];
            }
        }

        private static long[] newKeys(int n) {
            long[] keys = new long[n];
            Arrays.fill(keys, NO_SID);
            return keys;
        }

        private static int spread(long sid) {
            long h = sid * 0x9E37_79B9_7F4A_7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
