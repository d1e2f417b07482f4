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
 * {@link #lastErrno()}) are written once per flush by the owner and may be read from any thread.
 *
 * <p>The socket is blocking: when its send buffer is full (the NIC is behind) {@code sendmmsg} waits for room rather
 * than dropping part of a batch. Send errors are counted, never thrown.
 */
public final class RawSocketSender implements AutoCloseable {

  /** Messages per {@code sendmmsg} by default. */
  public static final int DEFAULT_BATCH_SIZE = 64;

  /** The kernel caps a {@code sendmmsg} vector at {@code UIO_MAXIOV} messages. */
  public static final int MAX_BATCH_SIZE = Libc.UIO_MAXIOV;

  /** Largest payload: an IPv4 packet is at most 65535 bytes, 28 of which are our header. */
  public static final int MAX_PAYLOAD_LENGTH = HairpinHeaderWriter.MAX_PAYLOAD_LENGTH;

  private static final int IOVECS_PER_MESSAGE = 2; // outer header, payload
  private static final long HEADER_SLOT = 32; // 28 bytes rounded up so each header starts 8-byte aligned
  private static final int NO_FLAGS = 0;

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

  private int queued;
  private boolean closed;

  // Single writer (the owner thread, once per flush), read by metrics threads.
  private volatile long sentPackets;
  private volatile long sentBytes;
  private volatile long sendErrors;
  private volatile int lastErrno;

  /** A sender with {@link #DEFAULT_BATCH_SIZE} and {@link HairpinHeaderWriter#DEFAULT_TTL}. */
  public static RawSocketSender open() throws NativeCallException {
    return new RawSocketSender(DEFAULT_BATCH_SIZE, HairpinHeaderWriter.DEFAULT_TTL);
  }

  /**
   * Opens the raw socket and preallocates a batch.
   *
   * @param batchSize messages per {@code sendmmsg}, 1..{@link #MAX_BATCH_SIZE}
   * @param ttl outer IPv4 TTL, 1..255
   * @throws NativeCallException when the socket cannot be opened; {@code EPERM} without root or {@code CAP_NET_RAW}
   */
  public RawSocketSender(int batchSize, int ttl) throws NativeCallException {
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException("batchSize must be 1.." + MAX_BATCH_SIZE + ", got " + batchSize);
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
    // sin_port stays 0: man 7 raw, it "is ignored for sending in Linux 2.2 and later and should be always set to 0".
    addresses.set(ValueLayout.JAVA_SHORT, address + SIN_FAMILY, (short) Libc.AF_INET);
    iovecs.set(ValueLayout.JAVA_LONG, iovec + IOV_BASE, headers.address() + i * HEADER_SLOT);
    iovecs.set(ValueLayout.JAVA_LONG, iovec + IOV_LEN, HairpinHeaderWriter.HEADER_LENGTH);
  }

  private static int openRawSocket(MemorySegment callState) throws NativeCallException {
    int fd;
    try {
      fd = (int) Libc.SOCKET.invokeExact(callState, Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.IPPROTO_RAW);
    } catch (Throwable t) {
      throw new IllegalStateException("socket() downcall failed", t);
    }
    if (fd < 0) {
      int errno = Libc.errno(callState);
      String hint = errno == Errno.EPERM || errno == Errno.EACCES
          ? "raw sockets need root or CAP_NET_RAW (e.g. setcap cap_net_raw+ep on the java binary, or"
              + " AmbientCapabilities=CAP_NET_RAW in the systemd unit)"
          : "";
      throw new NativeCallException("socket(AF_INET, SOCK_RAW, IPPROTO_RAW)", errno, hint);
    }
    return fd;
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
      int sourceIp, int destinationIp, int sourcePort, int destinationPort, long payloadAddress, int payloadLength) {
    int i = queued;
    if (i == batchSize) {
      return false;
    }
    if (payloadAddress == 0 && payloadLength != 0) {
      throw new IllegalArgumentException("payload address is 0 for " + payloadLength + " bytes");
    }
    headerWriter.write(headers, i * HEADER_SLOT, sourceIp, destinationIp, sourcePort, destinationPort, payloadLength);
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
  public boolean enqueue(int sourceIp, int destinationIp, int sourcePort, int destinationPort, MemorySegment payload) {
    if (!payload.isNative()) {
      throw new IllegalArgumentException("payload must be native memory, got a heap segment");
    }
    if (payload.byteSize() > MAX_PAYLOAD_LENGTH) {
      throw new IllegalArgumentException("payload of " + payload.byteSize() + " bytes exceeds " + MAX_PAYLOAD_LENGTH);
    }
    return enqueue(sourceIp, destinationIp, sourcePort, destinationPort, payload.address(), (int) payload.byteSize());
  }

  /**
   * Sends everything queued with one {@code sendmmsg}, more only after a partial send: the kernel stops at the first
   * message that fails, so that message is counted in {@link #sendErrors()} with its errno in {@link #lastErrno()},
   * skipped, and the rest is sent. When this returns the queue is empty and no payload memory is referenced any more.
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
    long bytes = 0;
    int errno = 0;
    int next = 0;
    while (next < count) {
      int result = sendmmsg(messagesFrom[next], count - next);
      if (result > 0) {
        for (int k = next; k < next + result; k++) {
          bytes += Integer.toUnsignedLong(messages.get(ValueLayout.JAVA_INT, k * MMSGHDR.byteSize() + MSG_LEN));
        }
        sent += result;
        next += result;
      } else {
        errno = result < 0 ? Libc.errno(callState) : 0;
        if (errno == Errno.EINTR) {
          continue; // a signal arrived before anything was sent: nothing failed, try again
        }
        failed++; // the message at 'next' was refused (EMSGSIZE, ENETUNREACH, ENOBUFS, ...): drop it, go on
        next++;
      }
    }
    // One volatile write per counter per batch, not per packet.
    sentPackets = sentPackets + sent;
    sentBytes = sentBytes + bytes;
    if (failed != 0) {
      sendErrors = sendErrors + failed;
      lastErrno = errno;
    }
    return sent;
  }

  private int sendmmsg(MemorySegment from, int count) {
    try {
      return (int) Libc.SENDMMSG.invokeExact(callState, fd, from, count, NO_FLAGS);
    } catch (Throwable t) {
      throw new IllegalStateException("sendmmsg() downcall failed", t); // a linkage bug, not a send error
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

  /** Messages the kernel accepted since opening. Any thread. */
  public long sentPackets() {
    return sentPackets;
  }

  /** IPv4 bytes (28-byte header included) the kernel accepted since opening. Any thread. */
  public long sentBytes() {
    return sentBytes;
  }

  /** Messages the kernel refused since opening (each is dropped, not retried). Any thread. */
  public long sendErrors() {
    return sendErrors;
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
