package org.gwlbinspect.appliance.dataplane;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Tells one worker's epoll loop whether to sleep in {@code epoll_wait} or to poll again: after the worker handled
 * packets it keeps polling without blocking for a short window ({@code dataPlane.busyPollMicros}), and only sleeps
 * once the window passed with nothing to read.
 *
 * <p>Why: on a paravirtualised VM a sleep and wake-up per packet costs more than the packet (the context switch, the
 * blocking {@code epoll_pwait2} and Netty's work around it; docs/performance.md, "Tail latency"). At a moderate rate
 * the next packet arrives within tens of microseconds, so a worker that polls that long handles it without the
 * round trip through the scheduler. At a high rate the worker never runs out of work and the window never starts; at
 * no traffic it sleeps as before, after one window.
 *
 * <p>How Netty's {@code EpollIoHandler.run} reads the answer: a count of ready events (from the non-blocking
 * {@code selectNow}, {@code epoll_wait} with timeout 0) is processed at once; {@link SelectStrategy#CONTINUE} returns
 * to the event loop, which runs its due tasks and asks again (the poll); {@link SelectStrategy#SELECT} blocks in
 * {@code epoll_wait} until I/O, a task or a timer. {@link SelectStrategy#BUSY_WAIT} is not used: Netty's native busy
 * wait spins inside JNI until an event arrives, unbounded in time, so a worker would burn a whole core while idle.
 *
 * <p>The loop gives no hook after a blocking wait, so a return from {@code SELECT} counts as activity: the worker
 * polls for one window after every wake-up, including the heartbeat timer's (every 100 ms, a few tens of
 * microseconds of polling each; negligible).
 *
 * <p>Used only by its own event-loop thread, apart from the two counters, which metrics read from other threads
 * (single writer: plain read + release store, style.md §3). Nothing here allocates.
 */
public final class BusyPollSelectStrategy implements SelectStrategy {
    static final boolean YIELD = Boolean.getBoolean("gwlbinspect.busyPollYield"); // EXPERIMENT
    private final long windowNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong polledBatches = new AtomicLong();
    private final AtomicLong sleeps = new AtomicLong();
    // When the worker last had something to do (it found events or woke from a blocking wait).
    private long lastActiveNanos;
    // The previous answer handed events to the loop or put it to sleep: the loop worked since then.
    private boolean activeSinceLastCall = true;

    /**
     * @param windowNanos how long to keep polling after the last activity, > 0
     * @param nanoClock monotonic nanoseconds ({@code System::nanoTime}; a fake one in tests)
     */
    public BusyPollSelectStrategy(long windowNanos, LongSupplier nanoClock) {
        if (windowNanos <= 0) throw new IllegalArgumentException("busy-poll window must be > 0 ns, got " + windowNanos);
        this.windowNanos = windowNanos;
        this.nanoClock = nanoClock;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        int ready = selectNow.get();
        long now = nanoClock.getAsLong();
        // The window starts when the batch found (or woken for) on the previous call has been handled, i.e. now.
        if (activeSinceLastCall) lastActiveNanos = now;
        if (ready > 0) {
            activeSinceLastCall = true;
            // Counted when the batch was found by polling (a blocking wait's batches are seen by Netty only).
            polledBatches.setRelease(polledBatches.getPlain() + 1);
            return ready;
        }
        activeSinceLastCall = false;
        // Tasks waiting: let the loop run them now (0 ready events processes nothing), as Netty's default does.
        if (hasTasks) return ready;
        if (now - lastActiveNanos < windowNanos) {
            if (YIELD) Thread.yield(); // EXPERIMENT
            return SelectStrategy.CONTINUE;
        }
        activeSinceLastCall = true; // whatever wakes the loop up starts a new window
        sleeps.setRelease(sleeps.getPlain() + 1);
        return SelectStrategy.SELECT;
    }

    /** Batches of events found by a non-blocking poll (within a window, or with tasks pending). */
    public long polledBatches() {
        return polledBatches.getAcquire();
    }

    /** Times the loop went to sleep in a blocking {@code epoll_wait} after a window with nothing to read. */
    public long sleeps() {
        return sleeps.getAcquire();
    }
}
