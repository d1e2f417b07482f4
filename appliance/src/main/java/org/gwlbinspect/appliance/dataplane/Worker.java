package org.gwlbinspect.appliance.dataplane;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gwlbinspect.appliance.egress.RawSocketSender;
import org.gwlbinspect.appliance.egress.RejectReplies;

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
    private volatile Channel channel;
    private volatile long threadId = -1;

    Worker(int id, RawSocketSender sender) {
        this.id = id;
        this.sender = sender;
        this.rejects = new RejectReplies(sender, RejectReplies.DEFAULT_CAPACITY_REJECTS);
    }

    void attach(Channel channel) {
        this.channel = channel;
        EventLoop loop = channel.eventLoop();
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

    /** True while the socket is open and bound and the event loop has not been shut down. */
    public boolean isBound() {
        Channel ch = channel;
        return ch != null && ch.isActive() && !ch.eventLoop().isShuttingDown();
    }

    /** The event-loop thread's id (for per-thread allocation and CPU accounting), or -1 before it ran. */
    public long threadId() {
        return threadId;
    }

    public Channel channel() {
        return channel;
    }
}
