package org.gwlbinspect.appliance.egress;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Test-only libc calls: enter a network namespace, drop a capability, capture UDP with a raw socket. */
final class TestSyscalls {

    static final int CLONE_NEWNET = 0x40000000;
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_NET_RAW = 13;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int IPPROTO_UDP = 17;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = downcall(
            "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle CAPGET = downcall("capget", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CAPSET = downcall("capset", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SOCKET =
            downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT =
            downcall("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV =
            downcall("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private TestSyscalls() {}

    /** Moves the calling thread (only) into the network namespace mounted at {@code path}. */
    static void enterNetworkNamespace(String path) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(path), O_RDONLY_CLOEXEC, 0);
            check(fd, "open " + path);
            try {
                check((int) SETNS.invokeExact(fd, CLONE_NEWNET), "setns " + path);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        }
    }

    /** Clears {@code capability} from the calling thread's effective set; other threads keep theirs. */
    static void dropEffectiveCapability(int capability) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(8); // struct __user_cap_header_struct { u32 version; int pid; }
            header.set(JAVA_INT, 0, LINUX_CAPABILITY_VERSION_3);
            header.set(JAVA_INT, 4, 0); // 0 = the calling thread
            MemorySegment data =
                    arena.allocate(24); // struct __user_cap_data_struct[2] { u32 effective, permitted, inh; }
            check((int) CAPGET.invokeExact(header, data), "capget");
            long word = (capability / 32) * 12L;
            data.set(JAVA_INT, word, data.get(JAVA_INT, word) & ~(1 << (capability % 32)));
            check((int) CAPSET.invokeExact(header, data), "capset");
        }
    }

    /** A raw socket that receives a copy of every UDP packet (IP header included) in the thread's namespace. */
    static int openUdpCaptureSocket(int timeoutMillis) throws Throwable {
        int fd = (int) SOCKET.invokeExact(Libc.AF_INET, Libc.SOCK_RAW, IPPROTO_UDP);
        check(fd, "socket(AF_INET, SOCK_RAW, IPPROTO_UDP)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(16);
            timeval.set(JAVA_LONG, 0, timeoutMillis / 1000);
            timeval.set(JAVA_LONG, 8, (timeoutMillis % 1000) * 1000L);
            check((int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, 16), "setsockopt SO_RCVTIMEO");
        }
        return fd;
    }

    /** One packet from {@code fd}, or {@code null} on timeout. */
    static byte[] receive(int fd) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(65536);
            long length = (long) RECV.invokeExact(fd, buffer, buffer.byteSize(), 0);
            if (length < 0) {
                return null;
            }
            return buffer.asSlice(0, length).toArray(JAVA_BYTE);
        }
    }

    static void close(int fd) throws Throwable {
        int ignored = (int) CLOSE.invokeExact(fd);
    }

    private static void check(int result, String what) {
        if (result < 0) {
            throw new IllegalStateException(what + " failed");
        }
    }

    @SuppressWarnings("restricted") // test-only libc calls; tests run with --enable-native-access
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, options);
    }
}
