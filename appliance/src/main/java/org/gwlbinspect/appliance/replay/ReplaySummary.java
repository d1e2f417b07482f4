package org.gwlbinspect.appliance.replay;

import java.io.PrintStream;
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
    private final Map<String, Long> dropped = new TreeMap<>();
    private final Map<String, Long> skipped = new TreeMap<>();
    private final Map<Long, Long> alertsBySid = new TreeMap<>();

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
        skipped.merge(reason, 1L, Long::sum);
    }

    void verdict(Verdict verdict, DropReason reason, long[] sids, int alertCount) {
        switch (verdict) {
            case PASS -> passed++;
            case REJECT -> rejected++;
            case DROP -> dropped.merge(reason.label(), 1L, Long::sum);
        }
        for (int i = 0; i < alertCount; i++) alertsBySid.merge(sids[i], 1L, Long::sum);
    }

    void allowedWritten() {
        allowedWritten++;
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
        return dropped.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Dropped packets by {@link DropReason} label. */
    public Map<String, Long> dropped() {
        return dropped;
    }

    public long rejected() {
        return rejected;
    }

    public long skippedTotal() {
        return skipped.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Skipped frames by reason ({@code not_ip}, {@code frame_truncated}, ...). */
    public Map<String, Long> skipped() {
        return skipped;
    }

    public long alerts() {
        return alerts;
    }

    /** Alerts by sid (default alert actions under their sids 2, 4, 6, 8). */
    public Map<Long, Long> alertsBySid() {
        return alertsBySid;
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
        out.printf(Locale.ROOT, "  passed    %d%n", passed);
        out.printf(Locale.ROOT, "  dropped   %d%s%n", droppedTotal(), breakdown(dropped));
        out.printf(Locale.ROOT, "  rejected  %d%n", rejected);
        if (!skipped.isEmpty()) out.printf(Locale.ROOT, "  skipped   %d%s%n", skippedTotal(), breakdown(skipped));
        StringBuilder sids = new StringBuilder();
        for (Map.Entry<Long, Long> e : alertsBySid.entrySet())
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
}
