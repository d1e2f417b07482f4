package org.gwlbinspect.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class Ipv4CidrSetTest {
    private static final String KEY = "dataPlane.allowedSources";

    @Test
    void containsAddressesInsideAnyBlock() {
        Ipv4CidrSet set = Ipv4CidrSet.parse(KEY, List.of("10.0.0.0/8", "192.168.1.7"));
        assertThat(set.contains(Ipv4Addresses.parse("x", "10.255.1.2"))).isTrue();
        assertThat(set.contains(Ipv4Addresses.parse("x", "192.168.1.7"))).isTrue();
        assertThat(set.contains(Ipv4Addresses.parse("x", "192.168.1.8"))).isFalse();
        assertThat(set.contains(Ipv4Addresses.parse("x", "11.0.0.1"))).isFalse();
    }

    @Test
    void zeroPrefixAllowsEverySource() {
        Ipv4CidrSet any = Ipv4CidrSet.parse(KEY, List.of("0.0.0.0/0"));
        assertThat(any.contains(0)).isTrue();
        assertThat(any.contains(-1)).isTrue();
    }

    @Test
    void rejectsHostBitsNamingTheKeyAndTheFix() {
        assertThatThrownBy(() -> Ipv4CidrSet.parse(KEY, List.of("10.0.0.0/8", "10.1.2.3/16")))
                .hasMessage("dataPlane.allowedSources[1]: '10.1.2.3/16' has host bits set; did you mean 10.1.0.0/16?");
    }

    @Test
    void rejectsMalformedBlocksNamingTheKey() {
        assertThatThrownBy(() -> Ipv4CidrSet.parse(KEY, List.of("10.0.0.0/33")))
                .hasMessage("dataPlane.allowedSources[0]: prefix length 33 is over 32");
        assertThatThrownBy(() -> Ipv4CidrSet.parse(KEY, List.of("10.0.0/8")))
                .hasMessage("dataPlane.allowedSources[0]: '10.0.0' is not an IPv4 address (expected a.b.c.d)");
        assertThatThrownBy(() -> Ipv4CidrSet.parse(KEY, List.of("10.0.0.256")))
                .hasMessageContaining("'10.0.0.256' is not an IPv4 address");
        assertThatThrownBy(() -> Ipv4CidrSet.parse(KEY, List.of("10.0.0.0/")))
                .hasMessage("dataPlane.allowedSources[0]: '10.0.0.0/' has no valid prefix length (0..32)");
        assertThatThrownBy(() -> Ipv4CidrSet.parse(KEY, List.of()))
                .hasMessageStartingWith("dataPlane.allowedSources must list at least one CIDR");
    }

    @Test
    void formatsAddressesBack() {
        assertThat(Ipv4Addresses.format(Ipv4Addresses.parse("x", "172.31.255.0")))
                .isEqualTo("172.31.255.0");
        assertThat(Ipv4CidrSet.parse(KEY, List.of("172.16.0.0/12", "1.2.3.4")).toString())
                .isEqualTo("172.16.0.0/12,1.2.3.4/32");
    }
}
