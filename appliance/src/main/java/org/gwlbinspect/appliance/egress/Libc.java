package org.gwlbinspect.appliance.egress;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc socket calls the data path needs (egress; the workers' receive sockets in ingress), as FFM downcall
 * handles, and the Linux constants they take; also the shared FFM plumbing (errno capture, {@code strerror},
 * {@code close}, making a downcall handle) that other packages' native calls (the simulator's namespaces, tun devices
 * and raw sockets) are built on.
 */
public final class Libc {

    public static final int AF_INET = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code IPPROTO_RAW} implies {@code IP_HDRINCL}: we supply the IPv4 header ({@code man 7 raw}). */
    static final int IPPROTO_RAW = 255;
    /** sendmmsg(2): "vlen is capped to UIO_MAXIOV (1024)". */
    static final int UIO_MAXIOV = 1024;

    public static final int SOL_SOCKET = 1;
    /** {@code man 7 socket}: the send buffer size, capped at {@code net.core.wmem_max}. */
    static final int SO_SNDBUF = 7;
    /** {@code man 7 socket}: as {@code SO_SNDBUF}, but a process with {@code CAP_NET_ADMIN} may exceed wmem_max. */
    static final int SO_SNDBUFFORCE = 32;
    /** {@code man 2 send}: make this one call nonblocking, whatever the socket's {@code O_NONBLOCK}. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code man 2 recvmsg}, in {@code msg_flags}: the datagram was longer than the buffer and was cut. */
    public static final int MSG_TRUNC = 0x20;

    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_NONBLOCK = 0x800;
    /** {@code man 7 socket}: the receive buffer size, capped at {@code net.core.rmem_max}. */
    public static final int SO_RCVBUF = 8;
    /** {@code man 7 socket}: as {@code SO_RCVBUF}, but a process with {@code CAP_NET_ADMIN} may exceed rmem_max. */
    public static final int SO_RCVBUFFORCE = 33;
    /** {@code man 7 socket}: several sockets bind the same port; the kernel spreads datagrams by 4-tuple hash. */
    public static final int SO_REUSEPORT = 15;

    public static final int SOL_IP = 0;
    /**
     * {@code man 7 ip}: {@code IP_RECVORIGDSTADDR} turns on an {@code IP_ORIGDSTADDR} control message with each
     * datagram, the {@code sockaddr_in} it was sent to (both are 20).
     */
    public static final int IP_RECVORIGDSTADDR = 20;

    public static final int IP_ORIGDSTADDR = 20;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** Where a downcall made with errno captured stores errno; allocate one per calling thread. */
    public static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));

    /** {@code int socket(int domain, int type, int protocol)}, errno captured (first argument: the call state). */
    public static final MethodHandle SOCKET =
            downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

    private static final FunctionDescriptor RECVMMSG_DESCRIPTOR =
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    private static final FunctionDescriptor SENDMMSG_DESCRIPTOR =
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);

    /**
     * {@code int sendmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags)}, errno captured. Not
     * {@code critical} although called with {@code MSG_DONTWAIT}: one call runs the kernel's transmit path (on loopback
     * also the receive path) for a whole batch, too long to hold off the JVM's safepoints.
     */
    static final MethodHandle SENDMMSG = downcall("sendmmsg", SENDMMSG_DESCRIPTOR, CAPTURE_ERRNO);

    /** {@link #SENDMMSG} without errno, for the first try (see {@link #RECVMMSG_NO_ERRNO} for why). */
    static final MethodHandle SENDMMSG_NO_ERRNO = downcall("sendmmsg", SENDMMSG_DESCRIPTOR);

    /**
     * {@code int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags, struct timespec *timeout)},
     * errno captured; called with {@code MSG_DONTWAIT}, so it returns at once.
     */
    public static final MethodHandle RECVMMSG = downcall("recvmmsg", RECVMMSG_DESCRIPTOR, CAPTURE_ERRNO);

    /**
     * {@link #RECVMMSG} without errno, for the data path's first try: a downcall that captures errno allocates a
     * slice of the capture segment each time (JDK 25 {@code SharedUtils.checkCaptureSegment}), which C2 did not
     * scalar-replace in the worker's loop (JFR allocation samples, docs/performance.md "Eighth round"). A call that
     * fails is repeated once through the capturing handle to learn why.
     */
    public static final MethodHandle RECVMMSG_NO_ERRNO = downcall("recvmmsg", RECVMMSG_DESCRIPTOR);

    /** {@code int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen)}, errno captured. */
    static final MethodHandle BIND =
            downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);

    /** {@code int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen)}, errno captured. */
    static final MethodHandle GETSOCKNAME =
            downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), CAPTURE_ERRNO);

    /** {@code int setsockopt(int fd, int level, int name, const void *value, socklen_t length)}, errno captured. */
    public static final MethodHandle SETSOCKOPT = downcall(
            "setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
            CAPTURE_ERRNO);

    /** {@code int getsockopt(int fd, int level, int name, void *value, socklen_t *length)}, errno captured. */
    static final MethodHandle GETSOCKOPT = downcall(
            "getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS),
            CAPTURE_ERRNO);

    /** {@code int close(int fd)}, errno captured. */
    public static final MethodHandle CLOSE =
            downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {}

    /** The errno a call left in {@code callState} (a {@link #CALL_STATE} segment). */
    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** The C library's message for {@code errno}; for exception messages, not the data path. */
    @SuppressWarnings("restricted") // strerror returns a NUL-terminated string of unknown length; messages are short
    public static String strerror(int errno) {
        try {
            MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
            return message.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "strerror failed: " + t;
        }
    }

    /**
     * A downcall handle for libc's {@code name} that captures errno: the handle takes a {@link #CALL_STATE} segment
     * before the C arguments.
     */
    public static MethodHandle downcallWithErrno(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = java.util.Arrays.copyOf(options, options.length + 1);
        all[options.length] = CAPTURE_ERRNO;
        return downcall(name, descriptor, all);
    }

    @SuppressWarnings("restricted") // the point of this class; the JVM runs with --enable-native-access
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }
}
