package org.gwlbinspect.appliance.ingress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.appliance.egress.NativeCallException;
import org.junit.jupiter.api.Test;

/**
 * The workers' receive socket on loopback: what one recvmmsg reads, and what it reports about each datagram. Loopback
 * delivers a datagram within the sender's system call, so what was sent is waiting when {@code send} returns.
 */
class UdpBatchReceiverTest {
    private static final int LOOPBACK = 0x7F000001;
    private static final int SLOT = 2048;

    @Test
    void readsWaitingDatagramsInOneBatchWithTheirSendersAndLengths() throws Exception {
        try (UdpBatchReceiver socket = new UdpBatchReceiver(LOOPBACK, 0, 8, SLOT, 1 << 20);
                DatagramSocket sender = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0))) {
            for (String text : List.of("first", "second datagram", "3"))
                send(sender, "127.0.0.1", socket.localPort(), text.getBytes(StandardCharsets.US_ASCII));

            assertThat(socket.receive()).isEqualTo(3);
            assertThat(List.of(text(socket, 0), text(socket, 1), text(socket, 2)))
                    .containsExactly("first", "second datagram", "3");
            for (int i = 0; i < 3; i++) {
                assertThat(socket.senderIsIpv4(i)).isTrue();
                assertThat(socket.senderAddress(i)).isEqualTo(0x7F000003);
                assertThat(socket.senderPort(i)).isEqualTo(sender.getLocalPort());
                assertThat(socket.truncated(i)).isFalse();
                assertThat(socket.recipientAddress(i))
                        .as("bound to one address: not asked")
                        .isZero();
                assertThat(socket.offset(i)).isEqualTo(i * SLOT);
            }
            assertThat(socket.address(1) - socket.address(0)).isEqualTo(SLOT);
            assertThat(socket.receive()).as("nothing left").isZero();
            assertThat(socket.receiveErrors()).isZero();
        }
    }

    @Test
    void moreDatagramsThanABatchTakeSeveralReceivesAndReuseTheSlots() throws Exception {
        try (UdpBatchReceiver socket = new UdpBatchReceiver(LOOPBACK, 0, 4, SLOT, 1 << 20);
                DatagramSocket sender = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < 10; i++)
                send(sender, "127.0.0.1", socket.localPort(), ("datagram " + i).getBytes(StandardCharsets.US_ASCII));

            List<String> read = new ArrayList<>();
            List<Integer> batches = new ArrayList<>();
            for (int n; (n = socket.receive()) > 0; ) {
                batches.add(n);
                for (int i = 0; i < n; i++) read.add(text(socket, i));
            }
            assertThat(batches).containsExactly(4, 4, 2);
            assertThat(read).hasSize(10).allMatch(s -> s.startsWith("datagram "));
            assertThat(read)
                    .containsExactlyInAnyOrderElementsOf(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9).stream()
                            .map(i -> "datagram " + i)
                            .toList());
        }
    }

    @Test
    void aDatagramLongerThanItsSlotIsCutToTheSlotAndMarkedTruncated() throws Exception {
        try (UdpBatchReceiver socket = new UdpBatchReceiver(LOOPBACK, 0, 2, 64, 1 << 20);
                DatagramSocket sender = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            send(sender, "127.0.0.1", socket.localPort(), new byte[100]);
            send(sender, "127.0.0.1", socket.localPort(), new byte[64]);

            assertThat(socket.receive()).isEqualTo(2);
            assertThat(socket.length(0)).isEqualTo(64);
            assertThat(socket.truncated(0)).isTrue();
            assertThat(socket.length(1)).isEqualTo(64);
            assertThat(socket.truncated(1)).as("exactly the slot's size fits").isFalse();
        }
    }

    @Test
    void boundToEveryAddressItReportsTheAddressEachDatagramWasSentTo() throws Exception {
        try (UdpBatchReceiver socket = new UdpBatchReceiver(0, 0, 4, SLOT, 1 << 20);
                DatagramSocket sender = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            send(sender, "127.0.0.1", socket.localPort(), "to one".getBytes(StandardCharsets.US_ASCII));
            send(sender, "127.0.0.7", socket.localPort(), "to seven".getBytes(StandardCharsets.US_ASCII));

            assertThat(socket.receive()).isEqualTo(2);
            assertThat(text(socket, 0)).isEqualTo("to one");
            assertThat(socket.recipientAddress(0)).isEqualTo(0x7F000001);
            assertThat(text(socket, 1)).isEqualTo("to seven");
            assertThat(socket.recipientAddress(1)).isEqualTo(0x7F000007);
        }
    }

    @Test
    void workersShareThePortThroughReusePortButOtherSocketsCannotTakeIt() throws Exception {
        try (UdpBatchReceiver first = new UdpBatchReceiver(LOOPBACK, 0, 4, SLOT, 1 << 20);
                UdpBatchReceiver second = new UdpBatchReceiver(LOOPBACK, first.localPort(), 4, SLOT, 1 << 20)) {
            assertThat(second.localPort()).isEqualTo(first.localPort());
            try (DatagramSocket held = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                assertThatThrownBy(() -> new UdpBatchReceiver(LOOPBACK, held.getLocalPort(), 4, SLOT, 1 << 20))
                        .isInstanceOf(NativeCallException.class)
                        .hasMessageContaining("bind(127.0.0.1:" + held.getLocalPort() + ") failed: EADDRINUSE");
            }
        }
    }

    @Test
    void aClosedSocketRefusesToReceiveAndClosesOnce() throws Exception {
        UdpBatchReceiver socket = new UdpBatchReceiver(LOOPBACK, 0, 4, SLOT, 1 << 20);
        assertThat(socket.isOpen()).isTrue();
        socket.close();
        socket.close();
        assertThat(socket.isOpen()).isFalse();
        assertThatThrownBy(socket::receive).isInstanceOf(IllegalStateException.class);
        // The port is free again: a socket without SO_REUSEPORT can bind it.
        try (DatagramSocket again = new DatagramSocket(new InetSocketAddress("127.0.0.1", socket.localPort()))) {
            assertThat(again.getLocalPort()).isEqualTo(socket.localPort());
        }
    }

    @Test
    void aFailedReceiveReadsNothingAndIsCountedWithItsErrno() throws Throwable {
        int devNull;
        try (Arena arena = Arena.ofConfined()) {
            devNull = (int) OPEN.invokeExact(arena.allocateFrom("/dev/null"), 0);
        }
        assertThat(devNull).as("open(/dev/null)").isNotNegative();
        try (UdpBatchReceiver socket = new UdpBatchReceiver(LOOPBACK, 0, 4, SLOT, 1 << 20);
                DatagramSocket sender = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            send(sender, "127.0.0.1", socket.localPort(), new byte[10]);
            assertThat(socket.receive()).isEqualTo(1);
            // Put /dev/null where the socket's descriptor was: recvmmsg on it fails with ENOTSOCK (88), as a receive
            // fails when the kernel refuses it; the socket's close then closes the duplicate.
            assertThat((int) DUP2.invokeExact(devNull, socket.fd())).isEqualTo(socket.fd());
            assertThat(socket.receive()).isZero();
            assertThat(socket.receive()).isZero();
            assertThat(socket.receiveErrors()).isEqualTo(2);
            assertThat(socket.lastErrno()).isEqualTo(88);
        } finally {
            int ignored = (int) CLOSE.invokeExact(devNull);
        }
    }

    @Test
    void rejectsBatchesAndSlotsItCannotHold() {
        assertThatThrownBy(() -> new UdpBatchReceiver(LOOPBACK, 0, 0, SLOT, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSize must be 1..1024, got 0");
        assertThatThrownBy(() -> new UdpBatchReceiver(LOOPBACK, 0, 1025, SLOT, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UdpBatchReceiver(LOOPBACK, 0, 4, 0, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slotBytes");
        assertThatThrownBy(() -> new UdpBatchReceiver(LOOPBACK, 70000, 4, SLOT, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port must be 0..65535");
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle DUP2 = LINKER.downcallHandle(
            LINKER.defaultLookup().find("dup2").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    // open(2) is variadic; called with no mode argument, its fixed part is all there is.
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static void send(DatagramSocket sender, String to, int port, byte[] payload) throws Exception {
        sender.send(new DatagramPacket(payload, payload.length, InetAddress.getByName(to), port));
    }

    private static String text(UdpBatchReceiver socket, int i) {
        return socket.datagrams().toString(socket.offset(i), socket.length(i), StandardCharsets.US_ASCII);
    }
}
