package org.gwlbinspect.appliance.replay;

import java.io.PrintStream;
import java.util.Locale;

/**
 * What a replay against a running appliance saw.
 *
 * @param sent datagrams sent
 * @param sendErrors datagrams the kernel refused
 * @param expectedBack sent datagrams the local pipeline passed, so the appliance should return them
 * @param returned datagrams returned byte for byte as sent
 * @param lost expected back but not returned (in time)
 * @param unexpected returned although the local pipeline dropped them (the appliance runs another policy?)
 * @param resets TCP resets the appliance injected (REJECT)
 * @param mismatched returned datagrams whose bytes match none sent
 * @param sendNanos time from the first to the last datagram sent
 * @param returnNanos time from the first datagram sent to the last one returned (0 when none came back)
 * @param latency time from sending each returned datagram (its batch's sendmmsg) to receiving it
 * @param applianceCpuSeconds the appliance's process CPU time over the run (its metrics read before and after), NaN
 *     when not read
 */
public record TargetSummary(
        long sent,
        long sendErrors,
        long expectedBack,
        long returned,
        long lost,
        long unexpected,
        long resets,
        long mismatched,
        long sendNanos,
        long returnNanos,
        Latency latency,
        double applianceCpuSeconds) {

    /** Percentiles of the returned datagrams' round trip through the appliance, in nanoseconds (within 1.6 %). */
    public record Latency(long samples, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {}

    /** The rate achieved while sending. */
    public double packetsPerSecond() {
        return sendNanos <= 0 ? 0 : sent * 1e9 / sendNanos;
    }

    /** Datagrams returned per second, from the first sent to the last returned. */
    public double returnedPerSecond() {
        return returnNanos <= 0 ? 0 : returned * 1e9 / returnNanos;
    }

    /** The appliance's CPU time per datagram sent to it, in microseconds; NaN without metrics. */
    public double applianceCpuMicrosPerPacket() {
        return sent == 0 ? Double.NaN : applianceCpuSeconds * 1e6 / sent;
    }

    public void print(PrintStream out, String capture, String target) {
        out.printf(
                Locale.ROOT,
                "sent %d packets of %s to %s in %.3f s (%.0f packets/s)%n",
                sent,
                capture,
                target,
                sendNanos / 1e9,
                packetsPerSecond());
        out.printf(Locale.ROOT, "  expected back  %d (passed by the local pipeline)%n", expectedBack);
        out.printf(Locale.ROOT, "  returned       %d byte for byte%n", returned);
        out.printf(
                Locale.ROOT,
                "  lost           %d (%.3f %% of expected)%n",
                lost,
                expectedBack == 0 ? 0.0 : 100.0 * lost / expectedBack);
        out.printf(
                Locale.ROOT, "  unexpected     %d (returned although the local pipeline dropped them)%n", unexpected);
        out.printf(Locale.ROOT, "  resets         %d (injected by REJECT)%n", resets);
        out.printf(Locale.ROOT, "  mismatched     %d (returned bytes that match no sent packet)%n", mismatched);
        if (sendErrors > 0) out.printf(Locale.ROOT, "  send errors    %d%n", sendErrors);
        out.printf(
                Locale.ROOT,
                "  throughput     %.0f packets/s returned (first sent to last returned, %.3f s)%n",
                returnedPerSecond(),
                returnNanos / 1e9);
        out.printf(
                Locale.ROOT,
                "  latency        p50 %s  p99 %s  p99.9 %s  max %s (send to return, %d packets)%n",
                duration(latency.p50Nanos()),
                duration(latency.p99Nanos()),
                duration(latency.p999Nanos()),
                duration(latency.maxNanos()),
                latency.samples());
        if (!Double.isNaN(applianceCpuSeconds))
            out.printf(
                    Locale.ROOT,
                    "  appliance CPU  %.3f s, %.2f µs per packet sent%n",
                    applianceCpuSeconds,
                    applianceCpuMicrosPerPacket());
    }

    private static String duration(long nanos) {
        if (nanos < 10_000) return String.format(Locale.ROOT, "%.1f µs", nanos / 1e3);
        if (nanos < 10_000_000) return String.format(Locale.ROOT, "%.0f µs", nanos / 1e3);
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
}
