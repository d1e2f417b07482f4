package org.gwlbinspect.appliance.sim;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.gwlbinspect.appliance.egress.Libc;

/**
 * Sees the UDP datagrams that reach the GWLB node on another port than 6081, which no UDP socket of the node receives
 * (a reply sent to the flow's outer source port instead of 6081, say): a raw {@code IPPROTO_UDP} socket gets a copy of
 * every UDP datagram delivered to the namespace's addresses, whatever its port ({@code man 7 raw}). A socket filter
 * keeps the datagrams to 6081 out of it, so the normal replies are not copied a second time.
 *
 * <p>Opened by a thread inside the GWLB node's namespace; read by one thread.
 */
final class WrongPortReceiver implements AutoCloseable {
    private static final int IPPROTO_UDP = 17;
    private static final int SO_ATTACH_FILTER = 26;

    /**
     * Classic BPF over the IPv4 packet (a raw socket's data starts at the IP header): drop when the UDP destination
     * port is 6081, else accept. {code, jt, jf, k} per instruction.
     */
    private static final int[][] NOT_GENEVE_PORT = {
        {0xb1, 0, 0, 0}, // ldxb 4*([0]&0xf): X = IP header length
        {0x48, 0, 0, 2}, // ldh [x + 2]: the UDP destination port
        {0x15, 1, 0, GwlbNode.GENEVE_PORT}, // jeq #6081: to the drop, else on
        {0x06, 0, 0, 0x40000}, // ret: accept the whole packet
        {0x06, 0, 0, 0}, // ret #0: drop
    };

    private final int fd;
    private final int nodeAddress;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment readState = arena.allocate(Libc.CALL_STATE);
    private final MemorySegment pollFd = arena.allocate(8); // struct pollfd { int fd; short events; short revents; }
    private volatile boolean closed;
    // Datagrams read, whatever their port (written by the reading thread only).
    private volatile long datagramsRead;

    private WrongPortReceiver(int fd, int nodeAddress) {
        this.fd = fd;
        this.nodeAddress = nodeAddress;
        pollFd.set(ValueLayout.JAVA_INT, 0, fd);
        pollFd.set(ValueLayout.JAVA_SHORT, 4, (short) SimLibc.POLLIN);
    }

    /** Opens the socket in the calling thread's namespace; {@code nodeAddress} is the node's IPv4 address. */
    static WrongPortReceiver open(int nodeAddress) throws SimulatorException {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment state = local.allocate(Libc.CALL_STATE);
            int fd = (int) Libc.SOCKET.invokeExact(state, Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, IPPROTO_UDP);
            if (fd < 0) throw SimulatorException.errno("socket(AF_INET, SOCK_RAW, IPPROTO_UDP)", Libc.errno(state));
            MemorySegment program = local.allocate(8L * NOT_GENEVE_PORT.length, 8);
            for (int i = 0; i < NOT_GENEVE_PORT.length; i++) {
                int[] insn = NOT_GENEVE_PORT[i];
                program.set(ValueLayout.JAVA_SHORT, 8L * i, (short) insn[0]);
                program.set(ValueLayout.JAVA_BYTE, 8L * i + 2, (byte) insn[1]);
                program.set(ValueLayout.JAVA_BYTE, 8L * i + 3, (byte) insn[2]);
                program.set(ValueLayout.JAVA_INT, 8L * i + 4, insn[3]);
            }
            MemorySegment fprog =
                    local.allocate(16, 8); // struct sock_fprog { unsigned short len; sock_filter *filter; }
            fprog.set(ValueLayout.JAVA_SHORT, 0, (short) NOT_GENEVE_PORT.length);
            fprog.set(ValueLayout.ADDRESS, 8, program);
            if ((int) Libc.SETSOCKOPT.invokeExact(state, fd, Libc.SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16) < 0) {
                int errno = Libc.errno(state);
                int ignored = (int) Libc.CLOSE.invokeExact(state, fd);
                throw SimulatorException.errno("setsockopt(SO_ATTACH_FILTER)", errno);
            }
            return new WrongPortReceiver(fd, nodeAddress);
        } catch (SimulatorException e) {
            throw e;
        } catch (Throwable t) {
            throw new SimulatorException("opening the raw UDP socket failed", t);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for a datagram and reads it, IPv4 header first, into {@code buffer}.
     *
     * @return its length, 0 when none came in time, -errno on a failed read
     */
    int read(MemorySegment buffer, int timeoutMillis) {
        try {
            int n = SimLibc.pollAndRead(readState, pollFd, fd, buffer, timeoutMillis);
            if (n > 0) datagramsRead++;
            return n;
        } catch (Throwable t) {
            throw new IllegalStateException("read from the raw UDP socket failed", t);
        }
    }

    /** Datagrams read so far, to any port: the filter at work when it equals the wrong-port ones. */
    long datagramsRead() {
        return datagramsRead;
    }

    /**
     * Whether the IPv4 packet read ({@code length} bytes from {@code packet}'s reader index) is a UDP datagram to the
     * node's address on another port than 6081. The filter already leaves 6081 out, except for datagrams queued
     * before it was attached; the kernel has reassembled fragments before a raw socket sees them.
     */
    boolean isWrongPort(ByteBuf packet, int length) {
        return destinationPortIfWrong(packet, length, nodeAddress) >= 0;
    }

    /** The UDP destination port of a datagram to {@code nodeAddress} on another port than 6081, else -1. */
    static int destinationPortIfWrong(ByteBuf packet, int length, int nodeAddress) {
        int at = packet.readerIndex();
        if (length < 20 || packet.getUnsignedByte(at) >>> 4 != 4) return -1;
        int headerLength = (packet.getUnsignedByte(at) & 0x0F) * 4;
        if (headerLength < 20 || length < headerLength + 8) return -1;
        if (packet.getUnsignedByte(at + 9) != IPPROTO_UDP || packet.getInt(at + 16) != nodeAddress) return -1;
        int port = packet.getUnsignedShort(at + headerLength + 2);
        return port == GwlbNode.GENEVE_PORT ? -1 : port;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (Arena local = Arena.ofConfined()) {
            int ignored = (int) Libc.CLOSE.invokeExact(local.allocate(Libc.CALL_STATE), fd);
        } catch (Throwable t) {
            // closing a descriptor we own cannot usefully fail; the namespace's deletion ends the socket anyway
        }
    }
}
