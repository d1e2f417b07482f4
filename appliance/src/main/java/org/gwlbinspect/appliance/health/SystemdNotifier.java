package org.gwlbinspect.appliance.health;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd about the appliance's state ({@code sd_notify(3)} protocol, for {@code Type=notify}): {@code READY=1}
 * once the data plane is first healthy (bound, policy compiled), {@code STOPPING=1} when the drain begins. Until
 * READY, systemd holds {@code systemctl reload} back, so a SIGHUP cannot reach the JVM before its handler exists, and
 * {@code systemctl start} returns when the appliance can take traffic.
 *
 * <p>The protocol: one datagram per message, {@code KEY=VALUE} lines, to the {@code AF_UNIX} socket named by the
 * {@code NOTIFY_SOCKET} environment variable (a path, or an abstract name written with a leading {@code @}). Without
 * the variable (not run by systemd, or not {@code Type=notify}) every call does nothing.
 */
public final class SystemdNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);

    private static final short AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** {@code struct sockaddr_un}: {@code sa_family_t sun_family} then {@code char sun_path[108]}. */
    private static final int SUN_PATH_OFFSET = 2;

    private static final int SUN_PATH_LENGTH = 108;
    private static final int MSG_NOSIGNAL = 0x4000;

    private final byte[] socketName;

    private SystemdNotifier(byte[] socketName) {
        this.socketName = socketName;
    }

    /** The notifier for this process: from {@code NOTIFY_SOCKET}, or one that does nothing. */
    public static SystemdNotifier fromEnvironment() {
        return forSocket(System.getenv("NOTIFY_SOCKET"));
    }

    /** A notifier for the given {@code NOTIFY_SOCKET} value; null or empty: one that does nothing. */
    public static SystemdNotifier forSocket(String notifySocket) {
        if (notifySocket == null || notifySocket.isEmpty()) return new SystemdNotifier(null);
        byte[] name = notifySocket.getBytes(StandardCharsets.UTF_8);
        if (name[0] == '@') name[0] = 0; // an abstract socket: the name starts with a NUL byte, not '@'
        else if (name[0] != '/') {
            LOG.warn("NOTIFY_SOCKET={} is neither a path nor an abstract name: not notifying systemd", notifySocket);
            return new SystemdNotifier(null);
        }
        if (name.length >= SUN_PATH_LENGTH) {
            LOG.warn("NOTIFY_SOCKET={} is longer than sun_path: not notifying systemd", notifySocket);
            return new SystemdNotifier(null);
        }
        return new SystemdNotifier(name);
    }

    public boolean isEnabled() {
        return socketName != null;
    }

    /** {@code READY=1} with a status line. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    /** {@code STOPPING=1} with a status line. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + status);
    }

    /** A status line only ({@code systemctl status} shows it). */
    public void status(String status) {
        send("STATUS=" + status);
    }

    /** Sends one message; a failure is logged, never thrown (systemd's sd_notify is best-effort too). */
    void send(String message) {
        if (socketName == null) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.CALL_STATE);
            int fd = (int) Native.SOCKET.invokeExact(state, (int) AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                LOG.warn("sd_notify: socket(AF_UNIX) failed, errno {}", Native.errno(state));
                return;
            }
            try {
                MemorySegment address = arena.allocate(SUN_PATH_OFFSET + SUN_PATH_LENGTH);
                address.set(JAVA_SHORT, 0, AF_UNIX);
                MemorySegment.copy(socketName, 0, address, ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, socketName.length);
                // An abstract name is exactly its bytes long; a path may carry its terminating NUL (zeroed above).
                int addressLength = SUN_PATH_OFFSET + socketName.length + (socketName[0] == 0 ? 0 : 1);
                byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
                MemorySegment payload = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes);
                long sent = (long) Native.SENDTO.invokeExact(
                        state, fd, payload, (long) bytes.length, MSG_NOSIGNAL, address, addressLength);
                if (sent < 0) LOG.warn("sd_notify: sendto failed, errno {}", Native.errno(state));
            } finally {
                int unused = (int) Native.CLOSE.invokeExact(state, fd);
            }
        } catch (Throwable t) {
            LOG.warn("sd_notify failed", t);
        }
    }

    /** The three libc calls, errno captured. */
    private static final class Native {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

        static final MethodHandle SOCKET =
                downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        /** {@code ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *, socklen_t)}. */
        static final MethodHandle SENDTO = downcall(
                "sendto", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

        static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

        static int errno(MemorySegment state) {
            return (int) ERRNO.get(state, 0L);
        }

        @SuppressWarnings("restricted") // the JVM runs with --enable-native-access (the jar's manifest says so)
        private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
            MemorySegment symbol = LINKER.defaultLookup()
                    .find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
            return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
        }
    }
}
