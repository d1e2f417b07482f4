package org.gwlbinspect.appliance.sim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.gwlbinspect.appliance.egress.Libc;

/**
 * A layer-3 tun device ({@code IFF_TUN | IFF_NO_PI}, Documentation/networking/tuntap.rst): what the kernel routes into
 * it is read here as bare IP packets, and a packet written here enters the kernel as if received on the device. It
 * belongs to the network namespace of the thread that {@link #open}ed it.
 */
final class TunDevice implements AutoCloseable {
    private final String name;
    private final int fd;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment readState = arena.allocate(Libc.CALL_STATE);
    private final MemorySegment writeState = arena.allocate(Libc.CALL_STATE);
    private final MemorySegment pollFd = arena.allocate(8); // struct pollfd { int fd; short events; short revents; }
    private volatile boolean closed;

    private TunDevice(String name, int fd) {
        this.name = name;
        this.fd = fd;
        pollFd.set(ValueLayout.JAVA_INT, 0, fd);
        pollFd.set(ValueLayout.JAVA_SHORT, 4, (short) SimLibc.POLLIN);
    }

    /** Creates (or attaches to) the tun device {@code name} in the calling thread's network namespace. */
    static TunDevice open(String name) throws SimulatorException {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length >= SimLibc.IFNAMSIZ) {
            throw new SimulatorException("tun name too long (max 15 characters): " + name);
        }
        try (Arena local = Arena.ofConfined()) {
            MemorySegment state = local.allocate(Libc.CALL_STATE);
            int fd = (int) SimLibc.OPEN.invokeExact(
                    state, local.allocateFrom("/dev/net/tun"), SimLibc.O_RDWR | SimLibc.O_CLOEXEC, 0);
            if (fd < 0) {
                throw SimulatorException.errno(
                        "open /dev/net/tun (load the tun module: modprobe tun)", Libc.errno(state));
            }
            MemorySegment ifreq = local.allocate(SimLibc.IFREQ_SIZE);
            MemorySegment.copy(nameBytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, nameBytes.length);
            ifreq.set(ValueLayout.JAVA_SHORT, SimLibc.IFNAMSIZ, (short) (SimLibc.IFF_TUN | SimLibc.IFF_NO_PI));
            if ((int) SimLibc.IOCTL.invokeExact(state, fd, SimLibc.TUNSETIFF, ifreq) < 0) {
                int errno = Libc.errno(state);
                int ignored = (int) Libc.CLOSE.invokeExact(state, fd);
                throw SimulatorException.errno("ioctl(TUNSETIFF, " + name + ")", errno);
            }
            return new TunDevice(name, fd);
        } catch (SimulatorException e) {
            throw e;
        } catch (Throwable t) {
            throw new SimulatorException("opening tun " + name + " failed", t);
        }
    }

    String name() {
        return name;
    }

    /**
     * Waits up to {@code timeoutMillis} for a packet and reads it into {@code buffer}.
     *
     * @return the packet's length, 0 when none came in time (or a signal interrupted), -errno on a failed read
     */
    int read(MemorySegment buffer, int timeoutMillis) {
        try {
            return SimLibc.pollAndRead(readState, pollFd, fd, buffer, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException("read from tun " + name + " failed", t);
        }
    }

    /**
     * Writes one IP packet, which the kernel then routes as if it arrived on this device.
     *
     * @return 0, or the errno of a failed write
     */
    int write(MemorySegment packet, long length) {
        try {
            long n = (long) SimLibc.WRITE.invokeExact(writeState, fd, packet, length);
            return n >= 0 ? 0 : Libc.errno(writeState);
        } catch (Throwable t) {
            throw new IllegalStateException("write to tun " + name + " failed", t);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (Arena local = Arena.ofConfined()) {
            int ignored = (int) Libc.CLOSE.invokeExact(local.allocate(Libc.CALL_STATE), fd);
        } catch (Throwable t) {
            // closing a descriptor we own cannot usefully fail; the namespace's deletion removes the device anyway
        }
    }
}
