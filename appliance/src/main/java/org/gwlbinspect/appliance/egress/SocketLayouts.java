package org.gwlbinspect.appliance.egress;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The C structs that {@code sendmmsg(2)} reads and {@code recvmmsg(2)} fills, as laid out by glibc on 64-bit Linux
 * (LP64: x86_64 and aarch64 agree), with the byte offsets the sender and the receiver use. Offsets are plain longs so
 * that writing a field is one store at {@code base + offset}, and a pointer is written as a {@code long} (no
 * {@code MemorySegment} per packet).
 */
public final class SocketLayouts {

    /** {@code struct iovec { void *iov_base; size_t iov_len; }}: 16 bytes. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
                    ValueLayout.ADDRESS.withName("iov_base"), ValueLayout.JAVA_LONG.withName("iov_len"))
            .withName("iovec");

    /**
     * {@code struct msghdr} ({@code <sys/socket.h>}): 56 bytes. {@code msg_iovlen} and {@code msg_controllen} are
     * {@code size_t} in glibc (POSIX says int/socklen_t, hence the padding after {@code msg_namelen}).
     */
    public static final StructLayout MSGHDR = MemoryLayout.structLayout(
                    ValueLayout.ADDRESS.withName("msg_name"),
                    ValueLayout.JAVA_INT.withName("msg_namelen"),
                    MemoryLayout.paddingLayout(4),
                    ValueLayout.ADDRESS.withName("msg_iov"),
                    ValueLayout.JAVA_LONG.withName("msg_iovlen"),
                    ValueLayout.ADDRESS.withName("msg_control"),
                    ValueLayout.JAVA_LONG.withName("msg_controllen"),
                    ValueLayout.JAVA_INT.withName("msg_flags"),
                    MemoryLayout.paddingLayout(4))
            .withName("msghdr");

    /** {@code struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; }}: 64 bytes with the tail padding. */
    public static final StructLayout MMSGHDR = MemoryLayout.structLayout(
                    MSGHDR.withName("msg_hdr"), ValueLayout.JAVA_INT.withName("msg_len"), MemoryLayout.paddingLayout(4))
            .withName("mmsghdr");

    /** {@code struct sockaddr_in}: 16 bytes; family in host order, port and address in network order. */
    public static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
                    ValueLayout.JAVA_SHORT.withName("sin_family"),
                    ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withName("sin_port"),
                    ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN).withName("sin_addr"),
                    MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sin_zero"))
            .withName("sockaddr_in");

    public static final long IOV_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    public static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));

    public static final long MSG_NAME = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_name"));
    public static final long MSG_NAMELEN = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_namelen"));
    public static final long MSG_IOV = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iov"));
    public static final long MSG_IOVLEN = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iovlen"));
    public static final long MSG_CONTROL = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_control"));
    public static final long MSG_CONTROLLEN =
            MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_controllen"));
    public static final long MSG_FLAGS = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_flags"));
    public static final long MSG_LEN = MMSGHDR.byteOffset(groupElement("msg_len"));

    public static final long SIN_FAMILY = SOCKADDR_IN.byteOffset(groupElement("sin_family"));
    public static final long SIN_PORT = SOCKADDR_IN.byteOffset(groupElement("sin_port"));
    public static final long SIN_ADDR = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));

    public static final ValueLayout.OfInt SIN_ADDR_LAYOUT = ValueLayout.JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfShort SIN_PORT_LAYOUT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

    static {
        // A 32-bit JVM or another ABI would silently send garbage; fail at class load instead.
        if (ValueLayout.ADDRESS.byteSize() != 8 || MMSGHDR.byteSize() != 64) {
            throw new ExceptionInInitializerError("sendmmsg layouts assume 64-bit Linux (LP64)");
        }
    }

    private SocketLayouts() {}
}
