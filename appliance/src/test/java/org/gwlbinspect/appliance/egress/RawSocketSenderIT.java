package org.gwlbinspect.appliance.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sends through a real raw socket to 127.0.0.0/8, or inside a network namespace the test creates. Needs root. */
class RawSocketSenderIT {

    private static final int LOCALHOST = 0x7F000001; // 127.0.0.1
    private static final int LOCALHOST_2 = 0x7F000002; // 127.0.0.2, stands in for the appliance IP
    private static final int HEADER = HairpinHeaderWriter.HEADER_LENGTH;

    private Arena arena;
    private DatagramSocket receiver;

    @BeforeEach
    void setUp() throws Exception {
        arena = Arena.ofShared();
    }

    @AfterEach
    void tearDown() {
        if (receiver != null) {
            receiver.close();
        }
        arena.close();
    }

    @Test
    void deliversExactPayloadFromTheSourceAddressAndPortWritten() throws Exception {
        receiver = bindReceiver();
        int receiverPort = receiver.getLocalPort();
        int sourcePort = sourcePortOtherThan(receiverPort);
        MemorySegment[] payloads = randomPayloads(100, 7);

        try (RawSocketSender sender = RawSocketSender.open()) {
            int sent = sendAll(sender, LOCALHOST_2, LOCALHOST, sourcePort, receiverPort, payloads);

            assertThat(sent).isEqualTo(100);
            assertThat(sender.sentPackets()).isEqualTo(100);
            assertThat(sender.sentBytes()).isEqualTo(totalBytes(payloads) + 100L * HEADER);
            assertThat(sender.sendErrors()).isZero();
        }
        // The source port is GWLB's, not ours and not the receiver's (gwlb.md §2.1): this is why we use a raw socket.
        assertReceivesInAnyOrder(receiver, new InetSocketAddress("127.0.0.2", sourcePort), payloads);
    }

    @Test
    void sendsMoreMessagesThanOneBatchByFlushingWhenFull() throws Exception {
        receiver = bindReceiver();
        int sourcePort = sourcePortOtherThan(receiver.getLocalPort());
        MemorySegment[] payloads = randomPayloads(100, 11);

        try (RawSocketSender sender = new RawSocketSender(8, HairpinHeaderWriter.DEFAULT_TTL)) {
            int flushes = 0;
            for (MemorySegment payload : payloads) {
                if (!sender.enqueue(LOCALHOST_2, LOCALHOST, sourcePort, receiver.getLocalPort(), payload)) {
                    assertThat(sender.isFull()).isTrue();
                    assertThat(sender.flush()).isEqualTo(8);
                    flushes++;
                    assertThat(sender.enqueue(LOCALHOST_2, LOCALHOST, sourcePort, receiver.getLocalPort(), payload))
                            .isTrue();
                }
            }
            assertThat(sender.flush()).isEqualTo(100 - 8 * 12);
            assertThat(flushes).isEqualTo(12);
            assertThat(sender.sentPackets()).isEqualTo(100);
            assertThat(sender.queued()).isZero();
        }
        assertReceivesInAnyOrder(receiver, new InetSocketAddress("127.0.0.2", sourcePort), payloads);
    }

    @Test
    void sendsPayloadStraightFromNettyDirectBuffer() throws Exception {
        receiver = bindReceiver();
        int sourcePort = sourcePortOtherThan(receiver.getLocalPort());
        byte[] geneveAndInner = new byte[300];
        new SplittableRandom(3).nextBytes(geneveAndInner);
        ByteBuf received = PooledByteBufAllocator.DEFAULT.directBuffer(1024);
        try (RawSocketSender sender = RawSocketSender.open()) {
            received.writeBytes(new byte[28]).writeBytes(geneveAndInner).writeBytes(new byte[5]);
            received.readerIndex(28); // as if the outer headers had been read; the payload does not start at offset 0
            received.writerIndex(28 + geneveAndInner.length);
            assertThat(received.hasMemoryAddress()).isTrue();

            assertThat(sender.enqueue(
                            LOCALHOST_2,
                            LOCALHOST,
                            sourcePort,
                            receiver.getLocalPort(),
                            received.memoryAddress() + received.readerIndex(),
                            received.readableBytes()))
                    .isTrue();
            assertThat(sender.flush()).isEqualTo(1);
        } finally {
            received.release(); // after flush(), as the Netty caller does
        }
        DatagramPacket packet = receiveOne(receiver);
        assertThat(packet.getSocketAddress()).isEqualTo(new InetSocketAddress("127.0.0.2", sourcePort));
        assertThat(Arrays.copyOf(packet.getData(), packet.getLength())).isEqualTo(geneveAndInner);
    }

    @Test
    void kernelSendsOurHeaderAndFillsOnlyChecksumLengthAndId() throws Throwable {
        try (TestNetworkNamespace namespace = TestNetworkNamespace.create("egress-hdr")) {
            MemorySegment[] payloads = randomPayloads(20, 5);
            int[] capture = new int[1];
            RawSocketSender sender = namespace.callInside(() -> {
                receiver = bindReceiver(); // so the packets are delivered, not answered with ICMP port unreachable
                try {
                    capture[0] = TestSyscalls.openUdpCaptureSocket(5000);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                return RawSocketSender.open();
            });
            try (sender) {
                sendAll(sender, LOCALHOST_2, LOCALHOST, 50000, 6081, payloads);
                int nonZeroIds = 0;
                for (MemorySegment payload : payloads) {
                    byte[] packet = TestSyscalls.receive(capture[0]);
                    assertThat(packet).as("captured packet").isNotNull();
                    ByteBuffer ip = ByteBuffer.wrap(packet);
                    assertThat(ip.get(0)).isEqualTo((byte) 0x45);
                    assertThat(ip.getShort(2) & 0xFFFF)
                            .isEqualTo(packet.length)
                            .isEqualTo(HEADER + (int) payload.byteSize());
                    assertThat(ip.getShort(6))
                            .as("flags and fragment offset: DF not set")
                            .isZero();
                    assertThat(ip.get(8)).as("TTL").isEqualTo((byte) 64);
                    assertThat(ip.get(9)).as("protocol").isEqualTo((byte) 17);
                    assertThat(ip.getInt(12)).isEqualTo(LOCALHOST_2);
                    assertThat(ip.getInt(16)).isEqualTo(LOCALHOST);
                    assertThat(ip.getShort(20) & 0xFFFF).isEqualTo(50000);
                    assertThat(ip.getShort(22) & 0xFFFF).isEqualTo(6081);
                    assertThat(ip.getShort(24) & 0xFFFF).isEqualTo(8 + (int) payload.byteSize());
                    assertThat(ip.getShort(26)).as("UDP checksum").isZero();
                    assertThat(Arrays.copyOfRange(packet, HEADER, packet.length))
                            .isEqualTo(payload.toArray(ValueLayout.JAVA_BYTE));
                    if (ip.getShort(4) != 0) {
                        nonZeroIds++;
                    }
                }
                // man 7 raw: with IP_HDRINCL the kernel fills in the packet ID when it is zero.
                assertThat(nonZeroIds).isPositive();
            } finally {
                TestSyscalls.close(capture[0]);
            }
        }
    }

    @Test
    void countsRefusedMessageWithErrnoAndSendsTheRestOfTheBatch() throws Exception {
        try (TestNetworkNamespace namespace = TestNetworkNamespace.create("egress-mtu")) {
            namespace.ip("link", "set", "lo", "mtu", "1500"); // a raw IP_HDRINCL send above the MTU fails with EMSGSIZE
            RawSocketSender sender = namespace.callInside(() -> {
                receiver = bindReceiver();
                return new RawSocketSender(8, HairpinHeaderWriter.DEFAULT_TTL);
            });
            MemorySegment small = randomPayloads(1, 100)[0];
            MemorySegment tooLarge = arena.allocate(2000);
            try (sender) {
                sender.enqueue(LOCALHOST_2, LOCALHOST, 50000, receiver.getLocalPort(), small);
                sender.enqueue(LOCALHOST_2, LOCALHOST, 50000, receiver.getLocalPort(), tooLarge);
                sender.enqueue(LOCALHOST_2, LOCALHOST, 50000, receiver.getLocalPort(), small);
                sender.enqueue(LOCALHOST_2, LOCALHOST, 50000, receiver.getLocalPort(), tooLarge);
                sender.enqueue(LOCALHOST_2, LOCALHOST, 50000, receiver.getLocalPort(), small);

                assertThat(sender.flush()).isEqualTo(3);
                assertThat(sender.sentPackets()).isEqualTo(3);
                assertThat(sender.sentBytes()).isEqualTo(3L * (HEADER + small.byteSize()));
                assertThat(sender.sendErrors()).isEqualTo(2);
                assertThat(Errno.name(sender.lastErrno())).isEqualTo("EMSGSIZE");
                assertThat(sender.queued()).isZero();
            }
            assertReceivesInAnyOrder(
                    receiver, new InetSocketAddress("127.0.0.2", 50000), new MemorySegment[] {small, small, small});
        }
    }

    @Test
    void countsUnroutableDestinationWithoutThrowing() throws Exception {
        try (TestNetworkNamespace namespace = TestNetworkNamespace.create("egress-route")) {
            RawSocketSender sender = namespace.callInside(RawSocketSender::open); // the namespace has no route to 10/8
            try (sender) {
                sender.enqueue(LOCALHOST_2, 0x0A630001, 50000, 6081, randomPayloads(1, 64)[0]);

                assertThat(sender.flush()).isZero();
                assertThat(sender.sendErrors()).isEqualTo(1);
                assertThat(Errno.name(sender.lastErrno())).isEqualTo("ENETUNREACH");
            }
        }
    }

    @Test
    void dropsTheRestOfTheBatchAsWouldBlockInsteadOfWaitingWhenTheSendBufferIsFull() throws Exception {
        try (TestNetworkNamespace namespace = TestNetworkNamespace.create("egress-full")) {
            // A token bucket at 1 kbit/s that queues up to 10 MB: after the first packet (the 1600-byte burst) every
            // packet
            // waits in the qdisc, still charged to the sending socket, so the socket's send buffer fills and stays
            // full.
            // (A small limit would not do: the qdisc would drop the excess, which frees its charge, and man 7 raw: such
            // ENOBUFS is not reported without IP_RECVERR.) Packets must fit the burst or tbf drops them as too large.
            namespace.tc("qdisc", "add", "dev", "lo", "root", "tbf", "rate", "1kbit", "burst", "1600", "limit", "10mb");
            RawSocketSender sender = namespace.callInside(() -> {
                receiver = bindReceiver();
                return new RawSocketSender(64, HairpinHeaderWriter.DEFAULT_TTL, 1); // the kernel's minimum, ~4.5 KiB
            });
            MemorySegment payload = arena.allocate(1000);
            try (sender) {
                assertThat(sender.sendBufferBytes()).isLessThan(16 * 1024);
                for (int i = 0; i < 64; i++) {
                    assertThat(sender.enqueue(LOCALHOST_2, LOCALHOST, 50000, receiver.getLocalPort(), payload))
                            .isTrue();
                }

                // Blocking would wait ~8 s per queued packet for the bucket to refill; the sender must not wait at all.
                int sent = assertTimeoutPreemptively(Duration.ofSeconds(5), sender::flush);

                assertThat(sender.wouldBlockDrops()).isPositive();
                assertThat(sent + sender.wouldBlockDrops()).isEqualTo(64);
                assertThat(sender.sentPackets()).isEqualTo(sent);
                assertThat(sender.sendErrors()).isEqualTo(sender.wouldBlockDrops());
                assertThat(Errno.name(sender.lastErrno())).isEqualTo("EAGAIN");
                assertThat(sender.queued()).isZero();
            }
        }
    }

    @Test
    void passesMsgDontwaitAndRetriesTheRestTwiceBeforeDroppingItAsEagain() throws Exception {
        int eagain = -Errno.EAGAIN;
        ScriptedSendmmsg kernel = new ScriptedSendmmsg(3, eagain, eagain, eagain);
        try (RawSocketSender sender = scriptedSender(kernel)) {
            enqueue(sender, 8);

            assertThat(sender.flush()).isEqualTo(3);
            assertThat(kernel.counts()).containsExactly(8, 5, 5, 5); // the first send, then the rest 1 + 2 times
            assertThat(kernel.flags()).containsOnly(Libc.MSG_DONTWAIT);
            assertThat(sender.sentPackets()).isEqualTo(3);
            assertThat(sender.sentBytes()).isEqualTo(3L * ScriptedSendmmsg.MESSAGE_LENGTH);
            assertThat(sender.sendErrors()).isEqualTo(5);
            assertThat(sender.wouldBlockDrops()).isEqualTo(5);
            assertThat(sender.lastErrno()).isEqualTo(Errno.EWOULDBLOCK).isEqualTo(Errno.EAGAIN);
            assertThat(sender.queued()).isZero();
        }
    }

    @Test
    void sendsTheRestWhenTheSendBufferDrainsWithinTheRetries() throws Exception {
        ScriptedSendmmsg kernel = new ScriptedSendmmsg(3, -Errno.EAGAIN, -Errno.EAGAIN, 5);
        try (RawSocketSender sender = scriptedSender(kernel)) {
            enqueue(sender, 8);

            assertThat(sender.flush()).isEqualTo(8);
            assertThat(kernel.counts()).containsExactly(8, 5, 5, 5);
            assertThat(sender.sendErrors()).isZero();
            assertThat(sender.wouldBlockDrops()).isZero();
            assertThat(sender.lastErrno()).isZero();
        }
    }

    @Test
    void givesEveryFlushItsOwnRetriesAndKeepsTheErrnoOfTheLastDroppedMessage() throws Exception {
        int eagain = -Errno.EAGAIN;
        ScriptedSendmmsg kernel = new ScriptedSendmmsg(
                eagain,
                eagain,
                eagain, // flush 1: 4 messages dropped as EAGAIN
                1,
                -Errno.EMSGSIZE,
                eagain,
                eagain,
                2); // flush 2: message 2 refused, the rest sent on the last retry
        try (RawSocketSender sender = scriptedSender(kernel)) {
            enqueue(sender, 4);
            assertThat(sender.flush()).isZero();
            enqueue(sender, 4);
            assertThat(sender.flush()).isEqualTo(3);

            assertThat(kernel.counts()).containsExactly(4, 4, 4, 4, 3, 2, 2, 2);
            assertThat(sender.sentPackets()).isEqualTo(3);
            assertThat(sender.sendErrors()).isEqualTo(5);
            assertThat(sender.wouldBlockDrops()).isEqualTo(4);
            // The EAGAINs of flush 2 dropped nothing, so they do not hide the EMSGSIZE that did.
            assertThat(Errno.name(sender.lastErrno())).isEqualTo("EMSGSIZE");
        }
    }

    @Test
    void boundsRetriesAfterEintrAndDoesNotCountThemAsWouldBlock() throws Exception {
        int eintr = -Errno.EINTR;
        ScriptedSendmmsg kernel = new ScriptedSendmmsg(eintr, eintr, eintr);
        try (RawSocketSender sender = scriptedSender(kernel)) {
            enqueue(sender, 4);

            assertThat(sender.flush()).isZero();
            assertThat(kernel.counts()).hasSize(1 + RawSocketSender.WOULD_BLOCK_RETRIES);
            assertThat(sender.sendErrors()).isEqualTo(4);
            assertThat(sender.wouldBlockDrops()).isZero();
            assertThat(Errno.name(sender.lastErrno())).isEqualTo("EINTR");
        }
    }

    @Test
    void allocatesNoJavaHeapPerPacketInSteadyState() throws Exception {
        receiver = bindReceiver(); // never read: once its buffer is full the kernel drops, the sender does not notice
        int port = receiver.getLocalPort();
        MemorySegment payload = randomPayloads(1, 64)[0];
        long address = payload.address();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (RawSocketSender sender = new RawSocketSender(8, HairpinHeaderWriter.DEFAULT_TTL)) {
            for (int i = 0; i < 30_000; i++) { // let C2 compile enqueue, flush and the downcall
                enqueueAndFlush(sender, port, address);
            }
            // Steady state is what C2 made of the loop; on a loaded machine its compilation can land late, so the
            // best of a few rounds is the steady-state figure (an allocation on the path shows in every round).
            long allocated = Long.MAX_VALUE;
            int rounds = 0;
            while (rounds < 5 && allocated >= 1024) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    enqueueAndFlush(sender, port, address);
                }
                allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
                rounds++;
            }

            assertThat(allocated)
                    .as("bytes allocated by 10 000 x (8 enqueue + flush), best of %d rounds", rounds)
                    .isLessThan(1024);
            assertThat(sender.sentPackets()).isEqualTo((30_000L + rounds * 10_000L) * 8);
        }
    }

    @Test
    void refusesToOpenWithoutCapNetRawNamingTheErrno() throws Exception {
        Throwable[] failure = new Throwable[1];
        // Capabilities are per thread on Linux: drop CAP_NET_RAW on a throwaway thread only.
        Thread thread = new Thread(() -> {
            try {
                TestSyscalls.dropEffectiveCapability(TestSyscalls.CAP_NET_RAW);
                RawSocketSender.open().close();
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        thread.start();
        thread.join();

        assertThat(failure[0])
                .isInstanceOf(NativeCallException.class)
                .hasMessageContaining("socket(AF_INET, SOCK_RAW, IPPROTO_RAW) failed: EPERM (Operation not permitted)")
                .hasMessageContaining("CAP_NET_RAW");
        assertThat(((NativeCallException) failure[0]).errno()).isEqualTo(Errno.EPERM);
    }

    @Test
    void requestsAFourMebibyteSendBufferByDefault() throws Exception {
        try (RawSocketSender sender = RawSocketSender.open()) {
            assertThat(sender.sendBufferBytes()).isGreaterThanOrEqualTo(RawSocketSender.DEFAULT_SEND_BUFFER_BYTES);
        }
    }

    @Test
    void forcesSendBufferBeyondWmemMaxWithCapNetAdmin() throws Exception {
        int requested = twiceWmemMax();
        try (RawSocketSender sender = new RawSocketSender(8, HairpinHeaderWriter.DEFAULT_TTL, requested)) {
            // SO_SNDBUFFORCE lifted the wmem_max cap; man 7 socket: the kernel stores (and reports) twice the request.
            assertThat(sender.sendBufferBytes())
                    .isGreaterThanOrEqualTo(requested)
                    .isEqualTo(2 * requested);
        }
    }

    @Test
    void capsSendBufferAtWmemMaxWithoutCapNetAdmin() throws Exception {
        int requested = twiceWmemMax();
        int[] effective = new int[1];
        Throwable[] failure = new Throwable[1];
        // Capabilities are per thread on Linux: drop CAP_NET_ADMIN (keeping CAP_NET_RAW) on a throwaway thread only.
        Thread thread = new Thread(() -> {
            try {
                TestSyscalls.dropEffectiveCapability(TestSyscalls.CAP_NET_ADMIN);
                try (RawSocketSender sender = new RawSocketSender(8, HairpinHeaderWriter.DEFAULT_TTL, requested)) {
                    effective[0] = sender.sendBufferBytes();
                }
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        thread.start();
        thread.join();

        assertThat(failure[0]).as("opening without CAP_NET_ADMIN").isNull();
        assertThat(effective[0]).isEqualTo(requested); // 2 x wmem_max: SO_SNDBUF's cap, doubled by the kernel
    }

    @Test
    void rejectsSendBufferSizeOutsideTheRange() {
        assertThatThrownBy(() -> new RawSocketSender(8, HairpinHeaderWriter.DEFAULT_TTL, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sendBufferBytes");
        assertThatThrownBy(() -> new RawSocketSender(8, HairpinHeaderWriter.DEFAULT_TTL, Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sendBufferBytes");
    }

    @Test
    void rejectsFlushAfterClose() throws Exception {
        RawSocketSender sender = RawSocketSender.open();
        sender.close();
        sender.close(); // idempotent

        assertThatThrownBy(() -> sender.enqueue(LOCALHOST_2, LOCALHOST, 1, 2, 0L, 0))
                .isInstanceOf(IllegalStateException.class);
    }

    /** Twice {@code net.core.wmem_max}: more than {@code SO_SNDBUF} alone may set. */
    private static int twiceWmemMax() throws Exception {
        // Not Files.readString: procfs reports a size of 0, and on JDK 25 that read returned only the first byte.
        long wmemMax = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/net/core/wmem_max"))
                .get(0)
                .strip());
        return (int) Math.min(RawSocketSender.MAX_SEND_BUFFER_BYTES, 2 * wmemMax);
    }

    /** A sender on a real raw socket whose sendmmsg calls go to {@code kernel} instead. */
    private static RawSocketSender scriptedSender(ScriptedSendmmsg kernel) throws Exception {
        return new RawSocketSender(
                8, HairpinHeaderWriter.DEFAULT_TTL, RawSocketSender.DEFAULT_SEND_BUFFER_BYTES, kernel);
    }

    private void enqueue(RawSocketSender sender, int count) {
        MemorySegment payload = arena.allocate(64);
        for (int i = 0; i < count; i++) {
            assertThat(sender.enqueue(LOCALHOST_2, LOCALHOST, 50000, 6081, payload))
                    .isTrue();
        }
    }

    private static void enqueueAndFlush(RawSocketSender sender, int port, long address) {
        for (int k = 0; k < 8; k++) {
            sender.enqueue(LOCALHOST_2, LOCALHOST, 50000, port, address, 64);
        }
        sender.flush();
    }

    private static DatagramSocket bindReceiver() throws Exception {
        DatagramSocket socket = new DatagramSocket(null);
        socket.setReceiveBufferSize(4 << 20);
        socket.setSoTimeout(5000);
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return socket;
    }

    private static int sourcePortOtherThan(int port) {
        return port == 50000 ? 50001 : 50000;
    }

    private MemorySegment[] randomPayloads(int count, int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment[] payloads = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[40 + random.nextInt(1400)];
            random.nextBytes(bytes);
            bytes[0] = (byte) i; // distinct first byte, to match received datagrams to payloads
            payloads[i] = arena.allocate(bytes.length).copyFrom(MemorySegment.ofArray(bytes));
        }
        return payloads;
    }

    private static int sendAll(
            RawSocketSender sender,
            int sourceIp,
            int destinationIp,
            int sourcePort,
            int destinationPort,
            MemorySegment[] payloads) {
        int sent = 0;
        for (MemorySegment payload : payloads) {
            if (!sender.enqueue(sourceIp, destinationIp, sourcePort, destinationPort, payload)) {
                sent += sender.flush();
                sender.enqueue(sourceIp, destinationIp, sourcePort, destinationPort, payload);
            }
        }
        return sent + sender.flush();
    }

    private static long totalBytes(MemorySegment[] payloads) {
        return Arrays.stream(payloads).mapToLong(MemorySegment::byteSize).sum();
    }

    private static void assertReceivesInAnyOrder(
            DatagramSocket socket, InetSocketAddress expectedSource, MemorySegment[] payloads) throws Exception {
        byte[][] expected = Arrays.stream(payloads)
                .map(p -> p.toArray(ValueLayout.JAVA_BYTE))
                .toArray(byte[][]::new);
        boolean[] seen = new boolean[expected.length];
        for (int n = 0; n < expected.length; n++) {
            DatagramPacket packet = receiveOne(socket);
            assertThat(packet.getSocketAddress()).isEqualTo(expectedSource);
            byte[] data = Arrays.copyOf(packet.getData(), packet.getLength());
            int match = -1;
            for (int i = 0; i < expected.length && match < 0; i++) {
                if (!seen[i] && Arrays.equals(expected[i], data)) {
                    match = i;
                }
            }
            assertThat(match).as("datagram %d matches an unreceived payload", n).isNotNegative();
            seen[match] = true;
        }
        socket.setSoTimeout(200);
        assertThatThrownBy(() -> receiveOne(socket)).isInstanceOf(SocketTimeoutException.class);
    }

    private static DatagramPacket receiveOne(DatagramSocket socket) throws Exception {
        DatagramPacket packet = new DatagramPacket(new byte[65536], 65536);
        socket.receive(packet);
        return packet;
    }
}
