package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ServerAddressesTest {
    @Test
    void printsIpv6InRfc5952Form() {
        assertThat(ServerAddresses.of("198.51.100.80", "2001:0DB8:0:0:0:0:0:0080")
                        .ipv6Text())
                .hasValue("2001:db8::80");
    }

    @Test
    void refusesNamesAndSwappedFamilies() {
        assertThatThrownBy(() -> ServerAddresses.of("www.demo.test", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("www.demo.test");
        assertThatThrownBy(() -> ServerAddresses.of("2001:db8::1", null))
                .hasMessage("not an IPv4 address: 2001:db8::1");
        assertThatThrownBy(() -> ServerAddresses.of("198.51.100.80", "198.51.100.81"))
                .hasMessage("not an IPv6 address: 198.51.100.81");
    }
}
