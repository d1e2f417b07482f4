package org.gwlbinspect.appliance.ingress;

import static org.gwlbinspect.appliance.egress.SocketLayouts.IOVEC;
import static org.gwlbinspect.appliance.egress.SocketLayouts.IOV_BASE;
import static org.gwlbinspect.appliance.egress.SocketLayouts.IOV_LEN;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MMSGHDR;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_CONTROL;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_CONTROLLEN;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_FLAGS;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_IOV;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_IOVLEN;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_LEN;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_NAME;
import static org.gwlbinspect.appliance.egress.SocketLayouts.MSG_NAMELEN;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_ADDR;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_ADDR_LAYOUT;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_FAMILY;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_PORT;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_PORT_LAYOUT;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SOCKADDR_IN;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.gwlbinspect.appliance.egress.Errno;
import org.gwlbinspect.appliance.egress.Libc;
import org.gwlbinspect.appliance.egress.NativeCallException;
import org.gwlbinspect.appliance.egress.Sockets;

/**
 * A worker's GENEVE socket: a nonblocking IPv4 UDP socket (with {@code SO_REUSEPORT}, so each worker binds its own
 * and the kernel spreads flows over them) that {@link #receive()} reads a whole batch from with one {@code recvmmsg},
 * into memory allocated once: a slot of {@code slotBytes} per datagram, its sender's {@code sockaddr_in} and, when
 * bound to every address, an {@code IP_ORIGDSTADDR} control message with the address the datagram was sent to.
 *
 * <p>Why not Netty's {@code EpollDatagramChannel}: its read path allocates a {@code DatagramPacket}, a buffer slice and
 * one or two {@code InetSocketAddress} per datagram (on this VM, the first touches of fresh heap pages by those
 * allocations were page faults on the worker thread, 200–400 a second at 20 000 packets/s), asks the kernel with a
 * {@code getsockopt(IP_RECVORIGDSTADDR)} before every {@code recvmmsg}, and walks every slot of the batch through
 * JNI on each call, however few datagrams arrived. Here a receive is one system call and allocates nothing; the
 * worker's epoll event loop is still Netty's ({@code GeneveSocketHandle} registers this socket with it).
 *
 * <p>The slots stay valid until the next {@link #receive()}: a caller that points replies at them (no copy) sends those
 * replies first. Used by one thread at a time (its worker's event loop); {@link #close()} by that thread or once it
 * has ended.
 */
public final class UdpBatchReceiver implements AutoCloseable {
    /** recvmmsg(2): {@code vlen} is capped at {@code UIO_MAXIOV} (1024). */
    public static final int MAX_BATCH_SIZE = 1024;

    // CMSG_SPACE(sizeof(struct sockaddr_in)): a 16-byte cmsghdr {size_t len; int level; int type;} and the address.
    private static final long CONTROL_SLOT = 32;
    private static final long CMSG_LEVEL = 8;
    private static final long CMSG_TYPE = 12;
    private static final long CMSG_DATA = 16;

    private final int batchSize;
    private final int slotBytes;
    private final boolean recipients;
    private final Arena arena;
    private final int fd;
    private final MemorySegment callState;
    private final MemorySegment messages;
    private final MemorySegment names;
    private final MemorySegment controls;
    private final MemorySegment slots;
    private final ByteBuf datagrams;
    private final int localPort;
    private int lastCount;
    private volatile boolean closed; // read by the health check
    // Single writer (the worker), read by metrics threads.
    private volatile long receiveErrors;
    private volatile int lastErrno;

    /**
     * Opens the socket, binds it and preallocates a batch.
     *
     * @param bindAddress IPv4 address as an int (127.0.0.1 = {@code 0x7F000001}); 0 binds every address and turns on
     *     {@link #recipientAddress(int)}
     * @param port UDP port, 0 for one the kernel picks ({@link #localPort()})
     * @param batchSize datagrams per {@code recvmmsg}, 1..{@link #MAX_BATCH_SIZE}
     * @param slotBytes bytes per datagram slot; a longer datagram is cut to it and marked {@link #truncated(int)}
     * @param receiveBufferBytes {@code SO_RCVBUF} requested; above {@code net.core.rmem_max} it is forced with
     *     {@code SO_RCVBUFFORCE} where the process may ({@code CAP_NET_ADMIN}), else the capped size stays
     * @throws NativeCallException when the socket cannot be opened, configured or bound (e.g. {@code EADDRINUSE})
     */
    public UdpBatchReceiver(int bindAddress, int port, int batchSize, int slotBytes, int receiveBufferBytes)
            throws NativeCallException {
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE)
            throw new IllegalArgumentException("batchSize must be 1.." + MAX_BATCH_SIZE + ", got " + batchSize);
        if (slotBytes < 1 || (long) slotBytes * batchSize > Integer.MAX_VALUE)
            throw new IllegalArgumentException("slotBytes must be 1.." + Integer.MAX_VALUE / batchSize + ", got "
                    + slotBytes + " for a batch of " + batchSize);
        if (port < 0 || port > 0xFFFF) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        this.batchSize = batchSize;
        this.slotBytes = slotBytes;
        this.recipients = bindAddress == 0;
        this.arena = Arena.ofShared();
        try {
            callState = arena.allocate(Libc.CALL_STATE);
            messages = arena.allocate(MMSGHDR, batchSize);
            MemorySegment iovecs = arena.allocate(IOVEC, batchSize);
            names = arena.allocate(SOCKADDR_IN, batchSize);
            controls = arena.allocate(CONTROL_SLOT * batchSize, 8);
            slots = arena.allocate((long) slotBytes * batchSize, 64);
            for (int i = 0; i < batchSize; i++) {
                long message = i * MMSGHDR.byteSize();
                long iovec = i * IOVEC.byteSize();
                messages.set(ValueLayout.JAVA_LONG, message + MSG_NAME, names.address() + i * SOCKADDR_IN.byteSize());
                messages.set(ValueLayout.JAVA_LONG, message + MSG_IOV, iovecs.address() + iovec);
                messages.set(ValueLayout.JAVA_LONG, message + MSG_IOVLEN, 1L);
                messages.set(
                        ValueLayout.JAVA_LONG,
                        message + MSG_CONTROL,
                        recipients ? controls.address() + i * CONTROL_SLOT : 0L);
                iovecs.set(ValueLayout.JAVA_LONG, iovec + IOV_BASE, slots.address() + (long) i * slotBytes);
                iovecs.set(ValueLayout.JAVA_LONG, iovec + IOV_LEN, slotBytes);
                rearm(i);
            }
            // One buffer over every slot, for the decoders (they read at absolute offsets); never freed by Netty.
            datagrams = Unpooled.wrappedBuffer(slots.asByteBuffer());
            fd = Sockets.open(
                    callState,
                    Libc.AF_INET,
                    Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC,
                    0,
                    "socket(AF_INET, SOCK_DGRAM, 0)",
                    "");
            try {
                Sockets.setInt(callState, fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1, "SO_REUSEPORT");
                Sockets.sizeBuffer(callState, fd, Libc.SO_RCVBUF, Libc.SO_RCVBUFFORCE, receiveBufferBytes);
                if (recipients)
                    Sockets.setInt(callState, fd, Libc.SOL_IP, Libc.IP_RECVORIGDSTADDR, 1, "IP_RECVORIGDSTADDR");
                localPort = Sockets.bind(callState, fd, bindAddress, port);
            } catch (Throwable t) {
                Sockets.closeQuietly(callState, fd, t);
                throw t;
            }
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /** The kernel overwrites these three fields of every message it fills; give them back their sizes. */
    private void rearm(int i) {
        long message = i * MMSGHDR.byteSize();
        messages.set(ValueLayout.JAVA_INT, message + MSG_NAMELEN, (int) SOCKADDR_IN.byteSize());
        messages.set(ValueLayout.JAVA_LONG, message + MSG_CONTROLLEN, recipients ? CONTROL_SLOT : 0L);
        messages.set(ValueLayout.JAVA_INT, message + MSG_FLAGS, 0);
    }

    /**
     * Reads the datagrams waiting on the socket, up to a batch, without blocking. The previous batch's slots are
     * overwritten.
     *
     * @return how many datagrams were read: 0 when none was waiting, or after a receive error (counted in
     *     {@link #receiveErrors()}, errno in {@link #lastErrno()}; the socket stays usable)
     * @throws IllegalStateException if closed
     */
    public int receive() {
        if (closed) throw new IllegalStateException("UdpBatchReceiver is closed");
        for (int i = 0; i < lastCount; i++) rearm(i);
        lastCount = 0;
        int result;
        try {
            result = (int)
                    Libc.RECVMMSG_NO_ERRNO.invokeExact(fd, messages, batchSize, Libc.MSG_DONTWAIT, MemorySegment.NULL);
            if (result <= 0) {
                // Nothing read: read again with errno captured to learn why (Libc.RECVMMSG_NO_ERRNO says why not
                // every time). Rare: GeneveSocketHandle reads only when epoll says there is something, and stops
                // after a batch with room left.
                result = (int) Libc.RECVMMSG.invokeExact(
                        callState, fd, messages, batchSize, Libc.MSG_DONTWAIT, MemorySegment.NULL);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("recvmmsg() downcall failed", t);
        }
        if (result > 0) {
            lastCount = result;
            return result;
        }
        int errno = Libc.errno(callState);
        // EAGAIN: nothing waiting (epoll is level-triggered, so it says again when there is). EINTR: a signal before
        // any datagram; the next readiness event retries.
        if (result < 0 && errno != Errno.EAGAIN && errno != Errno.EINTR) {
            receiveErrors = receiveErrors + 1;
            lastErrno = errno;
        }
        return 0;
    }

    /** Bytes of datagram {@code i} of the last receive that are in its slot (at most the slot's size). */
    public int length(int i) {
        return messages.get(ValueLayout.JAVA_INT, i * MMSGHDR.byteSize() + MSG_LEN);
    }

    /** Whether datagram {@code i} was longer than its slot and was cut ({@code MSG_TRUNC}). */
    public boolean truncated(int i) {
        return (messages.get(ValueLayout.JAVA_INT, i * MMSGHDR.byteSize() + MSG_FLAGS) & Libc.MSG_TRUNC) != 0;
    }

    /** Whether datagram {@code i} came from an IPv4 sender (always, on this IPv4 socket; checked, not assumed). */
    public boolean senderIsIpv4(int i) {
        return names.get(ValueLayout.JAVA_SHORT, i * SOCKADDR_IN.byteSize() + SIN_FAMILY) == Libc.AF_INET;
    }

    /** The sender's IPv4 address of datagram {@code i}, as an int (10.0.0.1 = {@code 0x0A000001}). */
    public int senderAddress(int i) {
        return names.get(SIN_ADDR_LAYOUT, i * SOCKADDR_IN.byteSize() + SIN_ADDR);
    }

    /** The sender's UDP port of datagram {@code i}. */
    public int senderPort(int i) {
        return Short.toUnsignedInt(names.get(SIN_PORT_LAYOUT, i * SOCKADDR_IN.byteSize() + SIN_PORT));
    }

    /**
     * The address datagram {@code i} was sent to, from its {@code IP_ORIGDSTADDR} control message; 0 when the socket is
     * bound to one address (the caller knows it) or the message is missing.
     */
    public int recipientAddress(int i) {
        if (!recipients) return 0;
        long controlLength = messages.get(ValueLayout.JAVA_LONG, i * MMSGHDR.byteSize() + MSG_CONTROLLEN);
        long at = i * CONTROL_SLOT;
        if (controlLength < CMSG_DATA + SOCKADDR_IN.byteSize()
                || controls.get(ValueLayout.JAVA_INT, at + CMSG_LEVEL) != Libc.SOL_IP
                || controls.get(ValueLayout.JAVA_INT, at + CMSG_TYPE) != Libc.IP_ORIGDSTADDR) return 0;
        return controls.get(SIN_ADDR_LAYOUT, at + CMSG_DATA + SIN_ADDR);
    }

    /** Offset of datagram {@code i}'s first byte in {@link #datagrams()}. */
    public int offset(int i) {
        return i * slotBytes;
    }

    /** Native address of datagram {@code i}'s first byte (for a reply that points at it). */
    public long address(int i) {
        return slots.address() + (long) i * slotBytes;
    }

    /** Every slot as one buffer: datagram {@code i} is at {@link #offset(int)}, {@link #length(int)} bytes. */
    public ByteBuf datagrams() {
        return datagrams;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The socket's file descriptor (to register with epoll). */
    public int fd() {
        return fd;
    }

    /** The UDP port the socket is bound to. */
    public int localPort() {
        return localPort;
    }

    /** Receives that failed with an error other than "nothing waiting" or "interrupted". */
    public long receiveErrors() {
        return receiveErrors;
    }

    /** The errno of the last failed receive, 0 if none failed. */
    public int lastErrno() {
        return lastErrno;
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Closes the socket and frees the batch; only from the thread that receives, or once it has ended. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            Sockets.closeQuietly(callState, fd, null);
        } finally {
            arena.close();
        }
    }
}
