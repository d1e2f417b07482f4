package org.gwlbinspect.flow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FlowKeyTest {

    @Test
    void bothDirectionsGiveTheSameEndpointsAndOppositeDirections() {
        FlowKey out = new FlowKey().setIpv4(7, 0x0A000001, 0x0A000002, 6, 40000, 443);
        FlowKey back = new FlowKey().setIpv4(7, 0x0A000002, 0x0A000001, 6, 443, 40000);

        assertThat(back.portsProtocolVersion()).isEqualTo(out.portsProtocolVersion());
        assertThat(back.addressALo()).isEqualTo(out.addressALo());
        assertThat(back.addressBLo()).isEqualTo(out.addressBLo());
        assertThat(out.direction()).isEqualTo(FlowKey.A_TO_B);
        assertThat(back.direction()).isEqualTo(FlowKey.B_TO_A);
    }

    @Test
    void sourceAndDestinationUndoTheCanonicalOrder() {
        FlowKey key = new FlowKey().setIpv4(7, 0x0A000009, 0x0A000001, 17, 5353, 53);

        assertThat(key.sourceLo()).isEqualTo(0x0A000009L);
        assertThat(key.sourcePort()).isEqualTo(5353);
        assertThat(key.destinationLo()).isEqualTo(0x0A000001L);
        assertThat(key.destinationPort()).isEqualTo(53);
    }

    @Test
    void ipv4AddressesAboveTwoToThe31AreUnsigned() {
        FlowKey key = new FlowKey().setIpv4(1, 0xC0A80001, 0x0A000001, 6, 1, 2); // 192.168.0.1 sorts after 10.0.0.1

        assertThat(key.addressALo()).isEqualTo(0x0A000001L);
        assertThat(key.addressBLo()).isEqualTo(0xC0A80001L);
        assertThat(key.direction()).isEqualTo(FlowKey.B_TO_A);
    }

    @Test
    void ordersByPortWhenAddressesAreEqual() {
        FlowKey key = new FlowKey().setIpv6(1, 5, 6, 5, 6, 17, 9000, 53);

        assertThat(key.portA()).isEqualTo(53);
        assertThat(key.direction()).isEqualTo(FlowKey.B_TO_A);
    }

    @Test
    void masksProtocolAndPortsToTheirWidths() {
        FlowKey key = new FlowKey().setIpv4(1, 1, 2, 0x106, 0x1FFFF, 0x10001);

        assertThat(key.protocol()).isEqualTo(6);
        assertThat(key.sourcePort()).isEqualTo(0xFFFF);
        assertThat(key.destinationPort()).isEqualTo(1);
    }
}
