package org.gwlbinspect.appliance.egress;

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
import static org.gwlbinspect.appliance.egress.SocketLayouts.SOCKADDR_IN;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Sends replies to GWLB from a raw IPv4 socket ({@code socket(AF_INET, SOCK_RAW, IPPROTO_RAW)}), a batch per
 * {@code sendmmsg(2)} call, without copying payloads (gwlb.md §2, performance-notes.md).
 *
 * <p>Each queued message is two iovecs: the 28-byte outer IPv4+UDP header written by {@link HairpinHeaderWriter} into
 * this sender's native memory, then the caller's payload (GENEVE header + inner packet) at its native address. All
 * native memory (the {@code mmsghdr} array, 2 iovecs, a {@code sockaddr_in} and a header slot per message) is
 * allocated once, by the constructor; {@link #enqueue} and {@link #flush} allocate nothing.
 *
 * <p>Use: per received batch, {@link #enqueue} each reply; when it returns {@code false} the batch is full:
 * {@link #flush}, release what was enqueued, enqueue again. At the end of the receive batch (Netty's
 * {@code channelReadComplete}) {@link #flush} and release. <b>Payload lifetime:</b> the sender reads payload memory
 * only inside {@link #flush}; the caller must keep every enqueued payload valid (a Netty buffer retained) until the
 * next {@code flush()} returns, and may release all of them then, whether or not their sends succeeded.
 *
 * <p><b>Threads:</b> not thread-safe; one instance per worker (event-loop) thread, which alone calls
 * {@code enqueue}, {@code flush} and {@code close}. It may be constructed on another thread (its memory comes from a
 * shared arena). The counters ({@link #sentPackets()}, {@link #sentBytes()}, {@link #sendErrors()},
 * {@link #wouldBlockDrops()}, {@link #lastErrno()}) are written once per flush by the owner and may be read from any
 * thread.
 *
 * <p><b>Never blocks</b> (style.md §7): {@code sendmmsg} is called with {@code MSG_DONTWAIT}. When the socket's send
 * buffer is full (the device queue is behind) the rest of the batch is retried at most {@link #WOULD_BLOCK_RETRIES}
 * times, then dropped and counted in {@link #sendErrors()} and {@link #wouldBlockDrops()}; a worker must not stall its
 * receive path waiting for the transmit path. Send errors are counted, never thrown.
 */
public final class RawSocketSender implements AutoCloseable {

    /** Messages per {@code sendmmsg} by default. */
    public static final int DEFAULT_BATCH_SIZE = 64;

    /** The kernel caps a {@code sendmmsg} vector at {@code UIO_MAXIOV} messages. */
    public static final int MAX_BATCH_SIZE = Libc.UIO_MAXIOV;

    /** Largest payload: an IPv4 packet is at most 65535 bytes, 28 of which are our header. */
    public static final int MAX_PAYLOAD_LENGTH = HairpinHeaderWriter.MAX_PAYLOAD_LENGTH;

    /**
     * Send buffer requested by default: 4 MiB. The kernel's default ({@code net.core.wmem_default}, 212 992 B) is less
     * than one batch of 64 jumbo replies (~548 KB), so a single flush could find the buffer full.
     */
    public static final int DEFAULT_SEND_BUFFER_BYTES = 4 << 20;

    /** {@code man 7 socket}: the kernel doubles the requested size, which must still fit an {@code int}. */
    public static final int MAX_SEND_BUFFER_BYTES = Integer.MAX_VALUE / 2;

    private static final int IOVECS_PER_MESSAGE = 2; // outer header, payload
    private static final long HEADER_SLOT = 32; // 28 bytes rounded up so each header starts 8-byte aligned
    /**
     * Immediate retries of the rest of a batch after {@code EAGAIN} (or {@code EINTR}) in one flush, before dropping
     * it. A retry costs one syscall and finds room only if the device freed some in the meantime; sleeping or polling
     * for room would stall the worker's event loop.
     */
    static final int WOULD_BLOCK_RETRIES = 2;

    private final int batchSize;
    private final HairpinHeaderWriter headerWriter;
    private final Arena arena;
    private final int fd;
    private final MemorySegment messages;
    /** {@code messagesFrom[i]} = the mmsghdr array from message i on, to resend after a partial send. */
    private final MemorySegment[] messagesFrom;

    private final MemorySegment iovecs;
    private final MemorySegment addresses;
    private final MemorySegment headers;
    private final MemorySegment callState;
    private final int sendBufferBytes;
    private final SendmmsgCall sendmmsg;

    private int queued;
    private boolean closed;

    // Single writer (the owner thread, once per flush), read by metrics threads.
    private volatile long sentPackets;
    private volatile long sentBytes;
    private volatile long sendErrors;
    private volatile long wouldBlockDrops;
    private volatile int lastErrno;

    /** A sender with {@link #DEFAULT_BATCH_SIZE} and {@link HairpinHeaderWriter#DEFAULT_TTL}. */
    public static RawSocketSender open() throws NativeCallException {
        return new RawSocketSender(DEFAULT_BATCH_SIZE, HairpinHeaderWriter.DEFAULT_TTL);
    }

    /**
     * Opens the raw socket with a send buffer of {@link #DEFAULT_SEND_BUFFER_BYTES} and preallocates a batch.
     *
     * @see #RawSocketSender(int, int, int)
     */
    public RawSocketSender(int batchSize, int ttl) throws NativeCallException {
        this(batchSize, ttl, DEFAULT_SEND_BUFFER_BYTES);
    }

    /**
     * Opens the raw socket, sizes its send buffer and preallocates a batch.
     *
     * <p>The send buffer is set with {@code SO_SNDBUF}, which the kernel caps at {@code net.core.wmem_max}; when that cap
     * applies the sender also tries {@code SO_SNDBUFFORCE}, which succeeds with {@code CAP_NET_ADMIN} (root) and
     * otherwise leaves the capped size (see {@link #sendBufferBytes()}).
     *
     * @param batchSize messages per {@code sendmmsg}, 1..{@link #MAX_BATCH_SIZE}
     * @param ttl outer IPv4 TTL, 1..255
     * @param sendBufferBytes requested socket send buffer, 1..{@link #MAX_SEND_BUFFER_BYTES}; the kernel raises values
     *     below its minimum (about 4.5 KiB) to that minimum
     * @throws NativeCallException when the socket cannot be opened ({@code EPERM} without root or {@code CAP_NET_RAW})
     *     or its send buffer cannot be set
     */
    public RawSocketSender(int batchSize, int ttl, int sendBufferBytes) throws NativeCallException {
        this(batchSize, ttl, sendBufferBytes, null);
    }

    /**
     * As {@link #RawSocketSender(int, int, int)}, sending through {@code sendmmsg} instead of the kernel when it is not
     * null: tests script the results the kernel gives rarely (EAGAIN that clears on retry, EINTR).
     */
    RawSocketSender(int batchSize, int ttl, int sendBufferBytes, SendmmsgCall sendmmsg) throws NativeCallException {
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batchSize must be 1.." + MAX_BATCH_SIZE + ", got " + batchSize);
        }
        if (sendBufferBytes < 1 || sendBufferBytes > MAX_SEND_BUFFER_BYTES) {
            throw new IllegalArgumentException(
                    "sendBufferBytes must be 1.." + MAX_SEND_BUFFER_BYTES + ", got " + sendBufferBytes);
        }
        this.batchSize = batchSize;
        this.headerWriter = new HairpinHeaderWriter(ttl);
        this.arena = Arena.ofShared();
        try {
            this.callState = arena.allocate(Libc.CALL_STATE);
            this.messages = arena.allocate(MMSGHDR, batchSize);
            this.iovecs = arena.allocate(IOVEC, (long) batchSize * IOVECS_PER_MESSAGE);
            this.addresses = arena.allocate(SOCKADDR_IN, batchSize);
            this.headers = arena.allocate(HEADER_SLOT * batchSize, 8);
            this.messagesFrom = new MemorySegment[batchSize];
            for (int i = 0; i < batchSize; i++) {
                messagesFrom[i] = messages.asSlice(i * MMSGHDR.byteSize());
                linkMessage(i);
            }
            this.fd = openRawSocket(callState);
            try {
                this.sendBufferBytes =
                        Sockets.sizeBuffer(callState, fd, Libc.SO_SNDBUF, Libc.SO_SNDBUFFORCE, sendBufferBytes);
                this.sendmmsg = sendmmsg != null ? sendmmsg : new KernelSendmmsg(fd, callState);
            } catch (Throwable t) {
                Sockets.closeQuietly(callState, fd, t);
                throw t;
            }
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
    }

    /** Points message {@code i} at its own sockaddr and iovecs, and iovec 0 at its header slot; done once. */
    private void linkMessage(int i) {
        long message = i * MMSGHDR.byteSize();
        long address = i * SOCKADDR_IN.byteSize();
        long iovec = (long) i * IOVECS_PER_MESSAGE * IOVEC.byteSize();
        messages.set(ValueLayout.JAVA_LONG, message + MSG_NAME, addresses.address() + address);
        messages.set(ValueLayout.JAVA_INT, message + MSG_NAMELEN, (int) SOCKADDR_IN.byteSize());
        messages.set(ValueLayout.JAVA_LONG, message + MSG_IOV, iovecs.address() + iovec);
        messages.set(ValueLayout.JAVA_LONG, message + MSG_IOVLEN, IOVECS_PER_MESSAGE);
        messages.set(ValueLayout.JAVA_LONG, message + MSG_CONTROL, 0L);
        messages.set(ValueLayout.JAVA_LONG, message + MSG_CONTROLLEN, 0L);
        messages.set(ValueLayout.JAVA_INT, message + MSG_FLAGS, 0);
        // sin_port stays 0: man 7 raw, it "is ignored for sending in Linux 2.2 and later and should be always set to
        // 0".
        addresses.set(ValueLayout.JAVA_SHORT, address + SIN_FAMILY, (short) Libc.AF_INET);
        iovecs.set(ValueLayout.JAVA_LONG, iovec + IOV_BASE, headers.address() + i * HEADER_SLOT);
        iovecs.set(ValueLayout.JAVA_LONG, iovec + IOV_LEN, HairpinHeaderWriter.HEADER_LENGTH);
    }

    private static int openRawSocket(MemorySegment callState) throws NativeCallException {
        return Sockets.open(
                callState,
                Libc.AF_INET,
                Libc.SOCK_RAW | Libc.SOCK_CLOEXEC,
                Libc.IPPROTO_RAW,
                "socket(AF_INET, SOCK_RAW, IPPROTO_RAW)",
                "raw sockets need root or CAP_NET_RAW (e.g. setcap cap_net_raw+ep on the java binary, or"
                        + " AmbientCapabilities=CAP_NET_RAW in the systemd unit)");
    }

    /**
     * Queues one reply: a header from the arguments, then {@code payloadLength} bytes at {@code payloadAddress}. IPs are
     * IPv4 addresses as ints (10.99.0.2 = {@code 0x0A630002}); on the return path pass the received packet's IPs
     * swapped and its ports not swapped (gwlb.md §2.1).
     *
     * @param payloadAddress native address of the payload, e.g. {@code buf.memoryAddress() + buf.readerIndex()} of a
     *     retained direct Netty buffer; must stay valid until the next {@link #flush()} returns
     * @return {@code false}, queuing nothing, when the batch is full: {@link #flush()} first
     * @throws IllegalArgumentException for a port outside 0..65535, a payload length outside
     *     0..{@link #MAX_PAYLOAD_LENGTH} or a null address with a non-zero length (caller bugs, not packet content)
     */
    public boolean enqueue(
            int sourceIp,
            int destinationIp,
            int sourcePort,
            int destinationPort,
            long payloadAddress,
            int payloadLength) {
        int i = queued;
        if (i == batchSize) {
            return false;
        }
        if (payloadAddress == 0 && payloadLength != 0) {
            throw new IllegalArgumentException("payload address is 0 for " + payloadLength + " bytes");
        }
        headerWriter.write(
                headers, i * HEADER_SLOT, sourceIp, destinationIp, sourcePort, destinationPort, payloadLength);
        addresses.set(SIN_ADDR_LAYOUT, i * SOCKADDR_IN.byteSize() + SIN_ADDR, destinationIp);
        long payloadIovec = ((long) i * IOVECS_PER_MESSAGE + 1) * IOVEC.byteSize();
        iovecs.set(ValueLayout.JAVA_LONG, payloadIovec + IOV_BASE, payloadAddress); // a pointer is a long store
        iovecs.set(ValueLayout.JAVA_LONG, payloadIovec + IOV_LEN, payloadLength);
        queued = i + 1;
        return true;
    }

    /**
     * Same as {@link #enqueue(int, int, int, int, long, int)} with the whole of a native segment as the payload.
     *
     * @throws IllegalArgumentException if {@code payload} is a heap segment (no native address) or too large
     */
    public boolean enqueue(
            int sourceIp, int destinationIp, int sourcePort, int destinationPort, MemorySegment payload) {
        if (!payload.isNative()) {
            throw new IllegalArgumentException("payload must be native memory, got a heap segment");
        }
        if (payload.byteSize() > MAX_PAYLOAD_LENGTH) {
            throw new IllegalArgumentException(
                    "payload of " + payload.byteSize() + " bytes exceeds " + MAX_PAYLOAD_LENGTH);
        }
        return enqueue(
                sourceIp, destinationIp, sourcePort, destinationPort, payload.address(), (int) payload.byteSize());
    }

    /**
     * Sends everything queued with one {@code sendmmsg}, more only after a partial send, and never blocks.
     *
     * <p>{@code man 2 sendmmsg}: the call returns the number of messages sent, and an error only when the first one
     * failed. So after a partial send the next call starts at the message that stopped it: an error that concerns that
     * message alone ({@code EMSGSIZE}, {@code ENETUNREACH}, ...) is counted in {@link #sendErrors()}, the message
     * skipped and the rest sent. {@code EAGAIN} concerns the whole socket (its send buffer is full): the rest is
     * retried up to {@link #WOULD_BLOCK_RETRIES} times in this flush, then all of it is counted in {@link #sendErrors()}
     * and {@link #wouldBlockDrops()} with {@code lastErrno() == EAGAIN}. Either way, when this returns the queue is empty
     * and no payload memory is referenced any more (the kernel has copied what it accepted).
     *
     * @return the number of messages the kernel accepted (0 when nothing was queued)
     * @throws IllegalStateException if the sender is closed
     */
    public int flush() {
        int count = queued;
        if (count == 0) {
            return 0;
        }
        if (closed) {
            throw new IllegalStateException("RawSocketSender is closed");
        }
        queued = 0;
        int sent = 0;
        int failed = 0;
        int wouldBlock = 0;
        long bytes = 0;
        int droppedErrno = 0; // the errno of the last message dropped in this flush
        int retriesLeft = WOULD_BLOCK_RETRIES;
        int next = 0;
        while (next < count) {
            // man 2 sendmmsg: "A nonblocking call sends as many messages as possible (up to the limit specified by
            // vlen)
            // and returns immediately." MSG_DONTWAIT makes this call nonblocking without changing the socket.
            int result = sendmmsg.sendmmsg(messagesFrom[next], count - next, Libc.MSG_DONTWAIT);
            if (result > 0) {
                for (int k = next; k < next + result; k++) {
                    bytes += Integer.toUnsignedLong(
                            messages.get(ValueLayout.JAVA_INT, k * MMSGHDR.byteSize() + MSG_LEN));
                }
                sent += result;
                next += result;
                continue;
            }
            int errno = -result; // 0 if the kernel accepted nothing without an error, which vlen > 0 rules out
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                // EAGAIN (== EWOULDBLOCK on Linux): the send buffer is full. EINTR: a signal came before anything was
                // sent
                // (not expected without blocking, bounded all the same). Nothing failed yet: try the rest again, a few
                // times.
                if (retriesLeft > 0) {
                    retriesLeft--;
                    continue;
                }
                int rest = count - next;
                failed += rest;
                if (errno == Errno.EAGAIN) {
                    wouldBlock += rest;
                }
                droppedErrno = errno;
                break;
            }
            failed++; // the message at 'next' was refused (EMSGSIZE, ENETUNREACH, ENOBUFS, ...): drop it, go on
            droppedErrno = errno;
            next++;
        }
        // One volatile write per counter per batch, not per packet.
        sentPackets = sentPackets + sent;
        sentBytes = sentBytes + bytes;
        if (failed != 0) {
            sendErrors = sendErrors + failed;
            lastErrno = droppedErrno;
        }
        if (wouldBlock != 0) {
            wouldBlockDrops = wouldBlockDrops + wouldBlock;
        }
        return sent;
    }

    /**
     * {@code sendmmsg(2)} on one socket, as the seam between {@link #flush} and the kernel: returns the number of
     * messages sent, or {@code -errno} (the raw syscall convention), and allocates nothing.
     */
    @FunctionalInterface
    interface SendmmsgCall {
        /**
         * @param messages the {@code mmsghdr} vector, from the first message to send on
         * @param count messages in the vector, at least 1
         * @param flags {@code MSG_*} flags
         */
        int sendmmsg(MemorySegment messages, int count, int flags);
    }

    /** The real call, errno captured in the sender's call-state segment (owner thread only). */
    private static final class KernelSendmmsg implements SendmmsgCall {
        private final int fd;
        private final MemorySegment callState;

        KernelSendmmsg(int fd, MemorySegment callState) {
            this.fd = fd;
            this.callState = callState;
        }

        @Override
        public int sendmmsg(MemorySegment messages, int count, int flags) {
            int result;
            try {
                result = (int) Libc.SENDMMSG_NO_ERRNO.invokeExact(fd, messages, count, flags);
                if (result >= 0) return result;
                // Failed without sending anything (man 2 sendmmsg: an error only when the first message failed):
                // send again with errno captured to learn why (Libc.RECVMMSG_NO_ERRNO says why not every time). A
                // failure that persists (EMSGSIZE, EAGAIN while the buffer stays full) fails again with its errno;
                // one that cleared sends, as any retry would.
                result = (int) Libc.SENDMMSG.invokeExact(callState, fd, messages, count, flags);
            } catch (Throwable t) {
                throw new IllegalStateException("sendmmsg() downcall failed", t); // a linkage bug, not a send error
            }
            return result >= 0 ? result : -Libc.errno(callState);
        }
    }

    /** Messages queued and not yet flushed. */
    public int queued() {
        return queued;
    }

    /** True when {@link #enqueue} would return {@code false}. */
    public boolean isFull() {
        return queued == batchSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public int ttl() {
        return headerWriter.ttl();
    }

    /**
     * The socket's send buffer as {@code getsockopt(SO_SNDBUF)} reported it after opening: twice the size requested
     * (the kernel's bookkeeping allowance, {@code man 7 socket}), or twice {@code net.core.wmem_max} when the request
     * exceeded that cap and {@code SO_SNDBUFFORCE} was refused, or the kernel's minimum. Any thread.
     */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /** Messages the kernel accepted since opening. Any thread. */
    public long sentPackets() {
        return sentPackets;
    }

    /** IPv4 bytes (28-byte header included) the kernel accepted since opening. Any thread. */
    public long sentBytes() {
        return sentBytes;
    }

    /**
     * Messages dropped since opening, each not retried or retried only a few times; includes
     * {@link #wouldBlockDrops()}. Any thread.
     */
    public long sendErrors() {
        return sendErrors;
    }

    /**
     * Messages dropped since opening because the socket's send buffer stayed full ({@code EAGAIN}) through
     * {@link #WOULD_BLOCK_RETRIES} retries; also counted in {@link #sendErrors()}. Any thread.
     */
    public long wouldBlockDrops() {
        return wouldBlockDrops;
    }

    /** The errno of the most recent refused message ({@link Errno#name} names it), 0 if none. Any thread. */
    public int lastErrno() {
        return lastErrno;
    }

    /**
     * Frees the native memory and closes the socket; anything still queued is discarded. Call it on the owner thread,
     * or after the owner has stopped. Idempotent.
     *
     * @throws NativeCallException if {@code close(2)} fails (the descriptor is released anyway on Linux)
     */
    @Override
    public void close() throws NativeCallException {
        if (closed) {
            return;
        }
        closed = true;
        queued = 0;
        // Free the memory first: an owner still inside flush() would then fail on the arena, before using the fd.
        arena.close();
        int result;
        int errno;
        try (Arena callArena = Arena.ofConfined()) {
            MemorySegment closeState = callArena.allocate(Libc.CALL_STATE); // the shared arena's is gone
            result = (int) Libc.CLOSE.invokeExact(closeState, fd);
            errno = Libc.errno(closeState);
        } catch (Throwable t) {
            throw new IllegalStateException("close() downcall failed", t);
        }
        if (result != 0) {
            throw new NativeCallException("close(" + fd + ")", errno, "");
        }
    }
}
