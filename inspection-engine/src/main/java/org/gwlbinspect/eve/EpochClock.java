package org.gwlbinspect.eve;

import java.time.Instant;

/**
 * Turns the {@link System#nanoTime()} readings the data path already has into epoch microseconds for EVE timestamps,
 * through the offset between the two clocks captured once: no clock call per record. A step of the wall clock after
 * the capture (an NTP step, not its slewing) is not followed until the next capture.
 */
public final class EpochClock {

    private final long offsetNanos; // epoch nanoseconds minus nanoTime; wraps harmlessly, differences stay exact

    /** A clock on which {@code nanoTime} reads as {@code epochMicros}. */
    public EpochClock(long epochMicros, long nanoTime) {
        this.offsetNanos = epochMicros * 1_000L - nanoTime;
    }

    /** Captures the offset between {@link Instant#now()} and {@link System#nanoTime()} now. */
    public static EpochClock system() {
        Instant now = Instant.now();
        long nanoTime = System.nanoTime();
        return new EpochClock(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000, nanoTime);
    }

    /** Epoch microseconds at the instant {@link System#nanoTime()} returned {@code nanoTime}. */
    public long epochMicros(long nanoTime) {
        return Math.floorDiv(nanoTime + offsetNanos, 1_000L);
    }
}
