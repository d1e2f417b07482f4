package org.gwlbinspect.appliance.dataplane;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.unix.FileDescriptor;
import org.gwlbinspect.appliance.ingress.UdpBatchReceiver;

/**
 * A worker's GENEVE socket as its epoll event loop sees it (Netty's {@code EpollIoHandler}, registered for
 * {@code EPOLLIN}, level-triggered): when the socket is readable, reads it a batch at a time and hands each batch to
 * the worker's {@link GeneveReceiveHandler}, which has sent the batch's replies when it returns.
 *
 * <p>Runs on the worker's event loop only. Netty closes the handle (and so the socket) when the loop shuts down.
 */
final class GeneveSocketHandle implements EpollIoHandle {
    /**
     * Batches read per readiness event at most, so that a flood cannot starve the loop's timers and tasks (the
     * heartbeat the health check watches); anything left is reported again at the loop's next {@code epoll_wait}.
     * Netty's own datagram channels stop after 16 reads too.
     */
    static final int MAX_BATCHES_PER_EVENT = 16;

    private final UdpBatchReceiver socket;
    private final FileDescriptor fd;
    private final GeneveReceiveHandler handler;

    GeneveSocketHandle(UdpBatchReceiver socket, GeneveReceiveHandler handler) {
        this.socket = socket;
        this.fd = new FileDescriptor(socket.fd());
        this.handler = handler;
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        if (!socket.isOpen()) return;
        try {
            for (int batch = 0; batch < MAX_BATCHES_PER_EVENT; batch++) {
                int count = socket.receive();
                if (count == 0) {
                    handler.countReceiveErrors(socket);
                    return;
                }
                handler.onBatch(socket, count);
                // A batch with room left emptied the socket: skip the receive that would only find nothing (a system
                // call per wake-up at moderate rates). What arrived since, epoll reports at the loop's next wait.
                if (count < socket.batchSize()) return;
            }
        } catch (RuntimeException e) {
            // A native call that could not be made (a linkage bug, a sender closed under us): counted, and the loop
            // goes on serving its timers and the next readiness event (style.md §3, the worker's outer edge).
            handler.countInternalError();
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
