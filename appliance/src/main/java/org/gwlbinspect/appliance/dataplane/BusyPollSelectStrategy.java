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
 * low rates and with no traffic the window shrinks to nothing (below) and the worker sleeps at once, as before.
 *
 * <p>How Netty's {@code EpollIoHandler.run} reads the answer: a count of ready events (from the non-blocking
 * {@code selectNow}, {@code epoll_wait} with timeout 0) is processed at once; {@link SelectStrategy#CONTINUE} returns
 * to the event loop, which runs its due tasks and asks again (the poll); {@link SelectStrategy#SELECT} blocks in
 * {@code epoll_wait} until I/O, a task or a timer. {@link SelectStrategy#BUSY_WAIT} is not used: Netty's native busy
 * wait spins inside JNI until an event arrives, unbounded in time, so a worker would burn a whole core while idle.
 *
 * <p>The window adapts, as KVM's halt polling does: how long the worker then slept says whether polling would have
 * paid. A sleep no longer than the configured window (the next packet came soon after it gave up) doubles the window,
 * up to the configured one; a longer sleep halves it, and below an eighth of the configured window polling stops
 * until short sleeps grow it back. So at low rates (gaps much longer than the window) and when idle (the 100 ms
 * heartbeat timer's wake-ups) the worker sleeps at once as with Netty's default, with no poll at all, and the CPU is
 * spent only where the gaps between packets are shorter than the window.
 *
 * <p>The loop gives no hook after a blocking wait, so a return from {@code SELECT} counts as activity. The sleep is
 * measured up to the first datagram read after it ({@link #readStarted}, from the worker's handler), not up to the
 * next call: that one comes after the whole batch was handled, which on a loaded machine (preempted mid-batch) is
 * longer than the window, and every wake-up would then look like a long sleep. A wake-up without a read (a timer,
 * a task) is measured up to the next call.
 *
 * <p>Used only by its own event-loop thread, apart from the two counters, which metrics read from other threads
 * (single writer: plain read + release store, style.md §3). Nothing here allocates.
 */
public final class BusyPollSelectStrategy implements SelectStrategy {
    private final long maxWindowNanos;
    // Shrinking below this turns polling off: a window of a few microseconds rarely catches anything.
    private final long minWindowNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong polledBatches = new AtomicLong();
    private final AtomicLong sleeps = new AtomicLong();
    // The current window: 0 (sleep at once) or minWindowNanos..maxWindowNanos.
    private long windowNanos;
    // When the worker last had something to do (it found events or woke from a blocking wait).
    private long lastActiveNanos;
    // The previous answer handed events to the loop: the loop worked since then.
    private boolean activeSinceLastCall = true;
    // The previous answer was SELECT, given at sleepStartNanos.
    private boolean sleptSinceLastCall;
    private long sleepStartNanos;
    // When the worker's handler read its first datagram since the last SELECT (same thread), if it did.
    private boolean readSinceSleep;
    private long wokenByReadNanos;

    /**
     * @param maxWindowNanos the longest window, where it starts, > 0
     * @param nanoClock monotonic nanoseconds ({@code System::nanoTime}; a fake one in tests)
     */
    public BusyPollSelectStrategy(long maxWindowNanos, LongSupplier nanoClock) {
        if (maxWindowNanos <= 0)
            throw new IllegalArgumentException("busy-poll window must be > 0 ns, got " + maxWindowNanos);
        this.maxWindowNanos = maxWindowNanos;
        this.minWindowNanos = Math.max(1, maxWindowNanos / 8);
        this.windowNanos = maxWindowNanos;
        this.nanoClock = nanoClock;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (sleptSinceLastCall) {
            long wokenAt = readSinceSleep ? wokenByReadNanos : nanoClock.getAsLong();
            adaptWindow(wokenAt - sleepStartNanos);
            readSinceSleep = false;
            sleptSinceLastCall = false;
            activeSinceLastCall = true;
        }
        if (windowNanos == 0 && !hasTasks) {
            // Polling off: exactly Netty's default, without the extra non-blocking epoll_wait.
            return sleep(nanoClock.getAsLong());
        }
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
        // No Thread.yield() between polls: tried (sched_yield per poll), it raised the median latency at 20 kpps
        // (docs/performance.md, "Sixth round (busy poll)").
        if (now - lastActiveNanos < windowNanos) return SelectStrategy.CONTINUE;
        return sleep(now);
    }

    /**
     * Called by the worker's handler, on the event-loop thread, with the time it read the first datagram of a batch
     * (the time it takes anyway for the flow table, so this costs a field write).
     */
    public void readStarted(long nanos) {
        if (sleptSinceLastCall && !readSinceSleep) {
            readSinceSleep = true;
            wokenByReadNanos = nanos;
        }
    }

    private int sleep(long now) {
        sleptSinceLastCall = true;
        sleepStartNanos = now;
        sleeps.setRelease(sleeps.getPlain() + 1);
        return SelectStrategy.SELECT;
    }

    private void adaptWindow(long sleptNanos) {
        if (sleptNanos <= maxWindowNanos) {
            windowNanos = windowNanos == 0 ? minWindowNanos : Math.min(maxWindowNanos, windowNanos * 2);
        } else {
            windowNanos /= 2;
            if (windowNanos < minWindowNanos) windowNanos = 0;
        }
    }

    /** The current window in nanoseconds (0 = polling off until short sleeps grow it back); for tests. */
    long windowNanos() {
        return windowNanos;
    }

    /** Batches of events found by a non-blocking poll (within a window, or with tasks pending). */
    public long polledBatches() {
        return polledBatches.getAcquire();
    }

    /** Times the loop went to sleep in a blocking {@code epoll_wait}. */
    public long sleeps() {
        return sleeps.getAcquire();
    }
}
