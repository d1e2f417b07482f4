package org.gwlbinspect.appliance.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.codec.TestPackets.ipv4;
import static org.gwlbinspect.codec.TestPackets.ipv4Packet;
import static org.gwlbinspect.codec.TestPackets.tcp;
import static org.gwlbinspect.codec.TestPackets.udp;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class WrongPortReceiverTest {
    private static final int NODE = Topology.ipv4(Topology.GWLB_NODE_IPV4);
    private static final long APPLIANCE = ipv4(10, 200, 0, 2);

    private static int port(byte[] packet) {
        return WrongPortReceiver.destinationPortIfWrong(Unpooled.wrappedBuffer(packet), packet.length, NODE);
    }

    @Test
    void namesTheNodePortADatagramWentToWhenItIsNot6081() {
        assertThat(port(ipv4Packet(17, APPLIANCE, Integer.toUnsignedLong(NODE), udp(6081, 41234, new byte[40]))))
                .isEqualTo(41234);
        assertThat(port(ipv4Packet(17, APPLIANCE, Integer.toUnsignedLong(NODE), udp(41234, 6081, new byte[40]))))
                .isEqualTo(-1);
    }

    @Test
    void readsThePortBehindIpv4Options() {
        byte[] withOptions = ipv4Packet(
                17,
                APPLIANCE,
                Integer.toUnsignedLong(NODE),
                0,
                0x4000,
                new byte[] {1, 1, 1, 0},
                udp(1, 6082, new byte[0]));

        assertThat(port(withOptions)).isEqualTo(6082);
    }

    @Test
    void ignoresOtherProtocolsOtherAddressesAndTruncatedPackets() {
        assertThat(port(ipv4Packet(6, APPLIANCE, Integer.toUnsignedLong(NODE), tcp(1, 6082, 0, 0, 2, new byte[0]))))
                .isEqualTo(-1);
        assertThat(port(ipv4Packet(17, APPLIANCE, ipv4(10, 200, 0, 9), udp(1, 6082, new byte[0]))))
                .isEqualTo(-1);
        byte[] whole = ipv4Packet(17, APPLIANCE, Integer.toUnsignedLong(NODE), udp(1, 6082, new byte[0]));
        assertThat(port(java.util.Arrays.copyOf(whole, 24))).isEqualTo(-1);
    }
}
