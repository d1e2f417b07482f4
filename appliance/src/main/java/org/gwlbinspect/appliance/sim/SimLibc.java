package org.gwlbinspect.appliance.sim;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** The libc calls the simulator needs beyond the egress path's (namespaces, tun devices), as FFM downcall handles. */
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

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));

    /** {@code int open(const char *path, int flags, ...)}. */
    static final MethodHandle OPEN = downcall(
            "open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(2));

    /** {@code int setns(int fd, int nstype)}: moves the calling thread only. */
    static final MethodHandle SETNS =
            downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

    /** {@code int ioctl(int fd, unsigned long request, void *argument)}. */
    static final MethodHandle IOCTL = downcall(
            "ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            CAPTURE_ERRNO,
            Linker.Option.firstVariadicArg(2));

    /** {@code ssize_t read(int fd, void *buffer, size_t count)}. */
    static final MethodHandle READ =
            downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);

    /** {@code ssize_t write(int fd, const void *buffer, size_t count)}. */
    static final MethodHandle WRITE =
            downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);

    /** {@code int poll(struct pollfd *fds, nfds_t count, int timeoutMillis)}. */
    static final MethodHandle POLL =
            downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), CAPTURE_ERRNO);

    /** {@code int close(int fd)}. */
    static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private SimLibc() {}

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** The C library's message for {@code errno}; for exception messages only. */
    @SuppressWarnings("restricted") // strerror returns a NUL-terminated string of unknown length; messages are short
    static String strerror(int errno) {
        try {
            MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
            return message.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    @SuppressWarnings("restricted") // the point of this class; the JVM runs with --enable-native-access
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
