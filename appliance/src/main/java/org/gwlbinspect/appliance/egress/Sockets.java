package org.gwlbinspect.appliance.egress;

import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_ADDR;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_ADDR_LAYOUT;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_FAMILY;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_PORT;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SIN_PORT_LAYOUT;
import static org.gwlbinspect.appliance.egress.SocketLayouts.SOCKADDR_IN;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Setting up the data path's sockets through {@link Libc}: open, options, bind, close. Start-up and shutdown only; each
 * call takes the caller's {@link Libc#CALL_STATE} segment and turns a failure into a {@link NativeCallException} that
 * names the call.
 */
public final class Sockets {
    private Sockets() {}

    /**
     * {@code socket(domain, type, protocol)}.
     *
     * @param call the call as the error message names it, e.g. {@code socket(AF_INET, SOCK_DGRAM, 0)}
     * @param permissionHint added to the message when the call is refused for lack of a privilege
     */
    public static int open(
            MemorySegment callState, int domain, int type, int protocol, String call, String permissionHint)
            throws NativeCallException {
        int fd;
        try {
            fd = (int) Libc.SOCKET.invokeExact(callState, domain, type, protocol);
        } catch (Throwable t) {
            throw new IllegalStateException("socket() downcall failed", t);
        }
        if (fd < 0) {
            int errno = Libc.errno(callState);
            throw new NativeCallException(
                    call, errno, errno == Errno.EPERM || errno == Errno.EACCES ? permissionHint : "");
        }
        return fd;
    }

    /** {@code setsockopt} of an int option. */
    public static void setInt(MemorySegment callState, int fd, int level, int option, int value, String name)
            throws NativeCallException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment v = call.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, value);
            if (setsockopt(callState, fd, level, option, v) != 0)
                throw new NativeCallException("setsockopt(" + name + ", " + value + ")", Libc.errno(callState), "");
        }
    }

    /**
     * Sets a socket buffer ({@code SO_SNDBUF} or {@code SO_RCVBUF}) to {@code requestedBytes} and returns the size the
     * kernel reports back.
     *
     * <p>{@code man 7 socket}: the option is capped at {@code net.core.wmem_max} / {@code rmem_max}, and "the kernel
     * doubles this value (to allow space for bookkeeping overhead)", which {@code getsockopt} returns. The
     * {@code ...FORCE} option "can override" the cap for a privileged ({@code CAP_NET_ADMIN}) process. Asking for the
     * capability is the only reliable test of it (uid 0 is neither necessary nor, in a user namespace, sufficient), but
     * a refused capability check may be logged by the LSM, so it is asked only when the plain option was capped.
     */
    public static int sizeBuffer(MemorySegment callState, int fd, int option, int forceOption, int requestedBytes)
            throws NativeCallException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment value = call.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = call.allocate(ValueLayout.JAVA_INT);
            value.set(ValueLayout.JAVA_INT, 0, requestedBytes);
            if (setsockopt(callState, fd, Libc.SOL_SOCKET, option, value) != 0)
                throw new NativeCallException(
                        "setsockopt(" + bufferName(option) + ", " + requestedBytes + ")", Libc.errno(callState), "");
            int effective = getInt(callState, fd, option, value, length);
            if (effective / 2 < requestedBytes) { // capped
                value.set(ValueLayout.JAVA_INT, 0, requestedBytes);
                if (setsockopt(callState, fd, Libc.SOL_SOCKET, forceOption, value) == 0) {
                    effective = getInt(callState, fd, option, value, length);
                } else if (Libc.errno(callState) != Errno.EPERM) { // EPERM: no CAP_NET_ADMIN, keep the capped size
                    throw new NativeCallException(
                            "setsockopt(" + bufferName(option) + "FORCE, " + requestedBytes + ")",
                            Libc.errno(callState),
                            "");
                }
            }
            return effective;
        }
    }

    private static String bufferName(int option) {
        return option == Libc.SO_RCVBUF ? "SO_RCVBUF" : option == Libc.SO_SNDBUF ? "SO_SNDBUF" : "option " + option;
    }

    /**
     * Binds an IPv4 socket to {@code address}:{@code port} and returns the port it got (the kernel's pick for 0).
     *
     * @param address IPv4 address as an int, 0 for every address
     */
    public static int bind(MemorySegment callState, int fd, int address, int port) throws NativeCallException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment name = call.allocate(SOCKADDR_IN);
            name.set(ValueLayout.JAVA_SHORT, SIN_FAMILY, (short) Libc.AF_INET);
            name.set(SIN_PORT_LAYOUT, SIN_PORT, (short) port);
            name.set(SIN_ADDR_LAYOUT, SIN_ADDR, address);
            int result;
            try {
                result = (int) Libc.BIND.invokeExact(callState, fd, name, (int) SOCKADDR_IN.byteSize());
            } catch (Throwable t) {
                throw new IllegalStateException("bind() downcall failed", t);
            }
            String where = ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF)
                    + "." + (address & 0xFF) + ":" + port;
            if (result != 0) throw new NativeCallException("bind(" + where + ")", Libc.errno(callState), "");
            MemorySegment length = call.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, (int) SOCKADDR_IN.byteSize());
            try {
                result = (int) Libc.GETSOCKNAME.invokeExact(callState, fd, name, length);
            } catch (Throwable t) {
                throw new IllegalStateException("getsockname() downcall failed", t);
            }
            if (result != 0) throw new NativeCallException("getsockname(" + where + ")", Libc.errno(callState), "");
            return Short.toUnsignedInt(name.get(SIN_PORT_LAYOUT, SIN_PORT));
        }
    }

    /**
     * Closes {@code fd}; a failure is added to {@code failure} when there is one (a constructor cleaning up), else
     * ignored (the descriptor is gone either way: close(2) "should not be retried after an error").
     */
    public static void closeQuietly(MemorySegment callState, int fd, Throwable failure) {
        try {
            int ignored = (int) Libc.CLOSE.invokeExact(callState, fd);
        } catch (Throwable t) {
            if (failure != null) failure.addSuppressed(t);
        }
    }

    private static int setsockopt(MemorySegment callState, int fd, int level, int option, MemorySegment value) {
        try {
            return (int) Libc.SETSOCKOPT.invokeExact(
                    callState, fd, level, option, value, (int) ValueLayout.JAVA_INT.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("setsockopt() downcall failed", t);
        }
    }

    private static int getInt(MemorySegment callState, int fd, int option, MemorySegment value, MemorySegment length)
            throws NativeCallException {
        length.set(ValueLayout.JAVA_INT, 0, (int) ValueLayout.JAVA_INT.byteSize());
        int result;
        try {
            result = (int) Libc.GETSOCKOPT.invokeExact(callState, fd, Libc.SOL_SOCKET, option, value, length);
        } catch (Throwable t) {
            throw new IllegalStateException("getsockopt() downcall failed", t);
        }
        if (result != 0)
            throw new NativeCallException("getsockopt(" + bufferName(option) + ")", Libc.errno(callState), "");
        return value.get(ValueLayout.JAVA_INT, 0);
    }
}
