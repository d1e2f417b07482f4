package org.gwlbinspect.appliance.sim;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.gwlbinspect.appliance.egress.Libc;

/**
 * The libc calls the simulator needs beyond the egress path's (namespaces, tun devices, reading with a timeout), as FFM
 * downcall handles built on {@link Libc}'s errno capture; errno, {@code strerror} and {@code close} are {@link Libc}'s.
 */
final class SimLibc {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 2;
    static final int O_CLOEXEC = 0x80000;
    /** {@code man 2 setns}: the fd must refer to a network namespace. */
    static final int CLONE_NEWNET = 0x40000000;
    /** linux/if_tun.h: {@code _IOW('T', 202, int)}. */
    static final long TUNSETIFF = 0x400454caL;

    static final int IFF_TUN = 0x0001;
    /** No 4-byte packet-information prefix: a read returns the bare IP packet. */
    static final int IFF_NO_PI = 0x1000;

    /** {@code struct ifreq}: 16 bytes of name, then a union whose first member is {@code short ifr_flags}. */
    static final int IFREQ_SIZE = 40;

    static final int IFNAMSIZ = 16;
    static final int POLLIN = 0x1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;

    /** {@code int open(const char *path, int flags, ...)}. */
    static final MethodHandle OPEN = Libc.downcallWithErrno(
            "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));

    /** {@code int setns(int fd, int nstype)}: moves the calling thread only. */
    static final MethodHandle SETNS =
            Libc.downcallWithErrno("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    /** {@code int ioctl(int fd, unsigned long request, void *argument)}. */
    static final MethodHandle IOCTL = Libc.downcallWithErrno(
            "ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));

    /** {@code ssize_t read(int fd, void *buffer, size_t count)}. */
    static final MethodHandle READ =
            Libc.downcallWithErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    /** {@code ssize_t write(int fd, const void *buffer, size_t count)}. */
    static final MethodHandle WRITE =
            Libc.downcallWithErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    /** {@code int poll(struct pollfd *fds, nfds_t count, int timeoutMillis)}. */
    static final MethodHandle POLL =
            Libc.downcallWithErrno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private SimLibc() {}

    /**
     * Waits up to {@code timeoutMillis} for {@code pollFd}'s descriptor (a {@code struct pollfd} asking for {@link
     * #POLLIN}) to be readable, then reads once into {@code buffer}.
     *
     * @return the bytes read, 0 when nothing came in time (or a signal interrupted), -errno on failure
     */
    static int pollAndRead(
            MemorySegment callState, MemorySegment pollFd, int fd, MemorySegment buffer, int timeoutMillis)
            throws Throwable {
        int ready = (int) POLL.invokeExact(callState, pollFd, 1L, timeoutMillis);
        if (ready <= 0) return ready == 0 || Libc.errno(callState) == EINTR ? 0 : -Libc.errno(callState);
        long n = (long) READ.invokeExact(callState, fd, buffer, buffer.byteSize());
        if (n >= 0) return (int) n;
        int errno = Libc.errno(callState);
        return errno == EINTR || errno == EAGAIN ? 0 : -errno;
    }
}
