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
        long sendNanos) {

    /** The rate achieved while sending. */
    public double packetsPerSecond() {
        return sendNanos <= 0 ? 0 : sent * 1e9 / sendNanos;
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
        out.printf(Locale.ROOT, "  lost           %d%n", lost);
        out.printf(
                Locale.ROOT, "  unexpected     %d (returned although the local pipeline dropped them)%n", unexpected);
        out.printf(Locale.ROOT, "  resets         %d (injected by REJECT)%n", resets);
        out.printf(Locale.ROOT, "  mismatched     %d (returned bytes that match no sent packet)%n", mismatched);
        if (sendErrors > 0) out.printf(Locale.ROOT, "  send errors    %d%n", sendErrors);
    }
}
