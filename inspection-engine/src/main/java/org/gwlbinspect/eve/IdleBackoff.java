package org.gwlbinspect.eve;

import java.util.concurrent.TimeUnit;

/**
 * How long the EVE writer parks when it found nothing to write: 1 ms after activity, doubled after each empty poll up
 * to 8 ms.
 *
 * <p>Why not a fixed 1 ms: producers never wake the writer (that would be a syscall on the data path), so an idle
 * writer polls, and on a paravirtualised VM each wake-up costs 40-65 us of CPU. At 1 ms that was about half of an idle
 * appliance's CPU and a thousand wake-ups a second competing with the workers for the cores (docs/performance.md,
 * "Sixth round (busy poll)"). Backing off to 8 ms cuts the idle wake-ups eightfold; once records flow the writer is
 * back at 1 ms.
 *
 * <p>The price: after an idle spell of 15 ms or more, the first records wait up to 8 ms, so a producer's ring must hold
 * 8 ms of records (the default 4096 records: 512 000 records/s per worker) or the excess is lost and counted, as with
 * any full ring.
 */
final class IdleBackoff {
    static final long MIN_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(8);

    private long nextParkNanos = MIN_PARK_NANOS;

    /** After a poll that wrote records: the next idle park is the shortest again. */
    void active() {
        nextParkNanos = MIN_PARK_NANOS;
    }

    /** After a poll that found nothing: how long to park now (and the next empty poll parks twice as long). */
    long idleParkNanos() {
        long park = nextParkNanos;
        nextParkNanos = Math.min(MAX_PARK_NANOS, park * 2);
        return park;
    }
}
