package org.gwlbinspect.appliance.dataplane;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.SucceededFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gwlbinspect.appliance.egress.RawSocketSender;
import org.gwlbinspect.appliance.egress.RejectReplies;
import org.gwlbinspect.appliance.ingress.UdpBatchReceiver;

/**
 * One data-path thread: an event loop with its own SO_REUSEPORT socket on the GENEVE port, its own raw socket for
 * returns, counters and decoder flyweights. Other threads only read its counters and heartbeat.
 */
public final class Worker {
    /** How often the event loop proves it is making progress; a stalled loop stops beating. */
    static final long HEARTBEAT_INTERVAL_MILLIS = 100;

    private final int id;
    private final WorkerCounters counters = new WorkerCounters();
    private final RawSocketSender sender;
    private final RejectReplies rejects;
    // Written by the worker's heartbeat task, read by the health monitor; its own object, so no false sharing.
    private final AtomicLong lastHeartbeatNanos = new AtomicLong(System.nanoTime());
    private volatile IoEventLoop loop;
    private volatile IoRegistration registration;
    private volatile UdpBatchReceiver socket;
    private volatile long threadId = -1;

    Worker(int id, RawSocketSender sender) {
        this.id = id;
        this.sender = sender;
        this.rejects = new RejectReplies(sender, RejectReplies.DEFAULT_CAPACITY_REJECTS);
    }

    void attach(IoEventLoop loop, IoRegistration registration, UdpBatchReceiver socket) {
        this.loop = loop;
        this.registration = registration;
        this.socket = socket;
        loop.execute(() -> threadId = Thread.currentThread().threadId());
        loop.scheduleAtFixedRate(this::beat, 0, HEARTBEAT_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        lastHeartbeatNanos.setRelease(System.nanoTime());
        counters.heartbeat();
    }

    public int id() {
        return id;
    }

    public WorkerCounters counters() {
        return counters;
    }

    RawSocketSender sender() {
        return sender;
    }

    /** The TCP resets this worker sent for REJECT verdicts (counters readable from any thread). */
    public RejectReplies rejects() {
        return rejects;
    }

    public long lastHeartbeatNanos() {
        return lastHeartbeatNanos.getAcquire();
    }

    /** True while the socket is open, bound and registered with the event loop, and the loop is not shutting down. */
    public boolean isBound() {
        IoEventLoop l = loop;
        UdpBatchReceiver s = socket;
        IoRegistration r = registration;
        return l != null && s != null && r != null && s.isOpen() && r.isValid() && !l.isShuttingDown();
    }

    /**
     * Stops reading and closes the worker's GENEVE socket, on its event loop (the only thread that reads the socket's
     * memory); the returned future completes when done. The loop itself keeps running.
     */
    public Future<?> closeSocket() {
        IoEventLoop l = loop;
        if (l == null || l.isShutdown()) return new SucceededFuture<>(ImmediateEventExecutor.INSTANCE, null);
        return l.submit(() -> {
            registration.cancel();
            socket.close();
        });
    }

    /** Closes the socket from another thread once the event loop has ended (idempotent). */
    void closeSocketAfterLoopEnded() {
        UdpBatchReceiver s = socket;
        if (s != null) s.close();
    }

    /** The event-loop thread's id (for per-thread allocation and CPU accounting), or -1 before it ran. */
    public long threadId() {
        return threadId;
    }

    /** The worker's event loop (null before it is attached). */
    public IoEventLoop eventLoop() {
        return loop;
    }
}
