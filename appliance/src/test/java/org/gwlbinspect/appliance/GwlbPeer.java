package org.gwlbinspect.appliance;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gwlbinspect.appliance.egress.RawSocketSender;

/**
 * Plays GWLB against an appliance on loopback: sends GENEVE datagrams from any UDP source port (through a raw
 * socket, as GWLB uses one source port per flow) and receives the appliance's replies on {@code address:6081}.
 */
public final class GwlbPeer implements AutoCloseable {
    /** GWLB's address in the tests; the appliance listens on 127.0.0.1. */
    public static final int GWLB_ADDRESS = 0x7F000002; // 127.0.0.2

    public static final int APPLIANCE_ADDRESS = 0x7F000001; // 127.0.0.1

    private final int gwlbAddress;
    private final int applianceAddress;
    private final int appliancePort;
    private final RawSocketSender sender;
    private final DatagramSocket replies;
    private final Arena arena = Arena.ofShared();

    public GwlbPeer(int applianceAddress, int appliancePort) throws IOException {
        this(GWLB_ADDRESS, applianceAddress, appliancePort);
    }

    /**
     * A peer on another loopback address than {@link #GWLB_ADDRESS}: tests that count every reply use one of their
     * own, so a tool another process runs on 127.0.0.2:6081 (SO_REUSEPORT) cannot take or add replies.
     */
    public GwlbPeer(int gwlbAddress, int applianceAddress, int appliancePort) throws IOException {
        this.gwlbAddress = gwlbAddress;
        this.applianceAddress = applianceAddress;
        this.appliancePort = appliancePort;
        this.sender = new RawSocketSender(64, 64);
        this.replies = new DatagramSocket(null);
        replies.setReuseAddress(true);
        replies.setReceiveBufferSize(8 << 20);
        replies.bind(new InetSocketAddress(
                java.net.InetAddress.getByAddress(new byte[] {
                    (byte) (gwlbAddress >>> 24),
                    (byte) (gwlbAddress >>> 16),
                    (byte) (gwlbAddress >>> 8),
                    (byte) gwlbAddress
                }),
                6081));
    }

    /** One datagram as the appliance returned it. */
    public record Reply(String sourceAddress, int sourcePort, byte[] payload) {
        @Override
        public String toString() {
            return sourceAddress + ":" + sourcePort + " " + payload.length + " bytes";
        }
    }

    /** Sends one GENEVE datagram from {@code sourceAddress:sourcePort} to the appliance. */
    public void send(int sourceAddress, int sourcePort, byte[] udpPayload) {
        MemorySegment segment = arena.allocate(udpPayload.length);
        MemorySegment.copy(udpPayload, 0, segment, ValueLayout.JAVA_BYTE, 0, udpPayload.length);
        if (!sender.enqueue(sourceAddress, applianceAddress, sourcePort, appliancePort, segment)) {
            sender.flush();
            sender.enqueue(sourceAddress, applianceAddress, sourcePort, appliancePort, segment);
        }
        sender.flush();
    }

    public void send(int sourcePort, byte[] udpPayload) {
        send(gwlbAddress, sourcePort, udpPayload);
    }

    public static byte[] bytes(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }

    /** The next reply, or null when none arrives within the timeout. */
    public Reply receive(Duration timeout) throws IOException {
        byte[] buffer = new byte[65535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        replies.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            replies.receive(packet);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new Reply(
                packet.getAddress().getHostAddress(), packet.getPort(), Arrays.copyOf(buffer, packet.getLength()));
    }

    /** Receives until {@code count} replies arrived or nothing came for {@code quiet}; bounded by count. */
    public List<Reply> receive(int count, Duration quiet) throws IOException {
        List<Reply> received = new ArrayList<>();
        while (received.size() < count) {
            Reply reply = receive(quiet);
            if (reply == null) break;
            received.add(reply);
        }
        return received;
    }

    @Override
    public void close() throws IOException {
        replies.close();
        sender.close();
        arena.close();
    }
}
