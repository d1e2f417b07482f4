package org.gwlbinspect.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpPrefixTest {

    @Test
    void parsesIpv4CidrIntoUnsignedLowWord() {
        IpPrefix prefix = IpPrefix.parse("192.168.0.0/16");

        assertThat(prefix.ipVersion()).isEqualTo(4);
        assertThat(prefix.lo()).isEqualTo(0xC0A80000L);
        assertThat(prefix.contains(4, 0, 0xC0A8FFFFL)).isTrue();
        assertThat(prefix.contains(4, 0, 0xC0A90000L)).isFalse();
    }

    @Test
    void bareAddressIsAHostPrefix() {
        assertThat(IpPrefix.parse("10.0.1.19")).isEqualTo(new IpPrefix(4, 0, 0x0A000113L, 32));
        assertThat(IpPrefix.parse("::1").length()).isEqualTo(128);
    }

    @Test
    void clearsHostBitsBelowThePrefix() {
        assertThat(IpPrefix.parse("10.1.2.3/8").toString()).isEqualTo("10.0.0.0/8");
    }

    @Test
    void parsesCompressedIpv6AndEmbeddedIpv4() {
        IpPrefix ula = IpPrefix.parse("fc00::/7");
        IpPrefix mapped = IpPrefix.parse("::ffff:192.0.2.1");

        assertThat(ula.hi()).isEqualTo(0xFC00_0000_0000_0000L);
        assertThat(ula.contains(6, 0xFD12_0000_0000_0000L, 5)).isTrue();
        assertThat(ula.contains(6, 0xFE80_0000_0000_0000L, 5)).isFalse();
        assertThat(mapped.lo()).isEqualTo(0x0000_FFFF_C000_0201L);
        assertThat(IpPrefix.parse("2001:db8::1:0:0:1/128").toString()).isEqualTo("2001:db8:0:0:1:0:0:1/128");
    }

    @Test
    void zeroLengthPrefixMatchesOnlyItsOwnVersion() {
        assertThat(IpPrefix.parse("0.0.0.0/0").contains(4, 0, 0xFFFF_FFFFL)).isTrue();
        assertThat(IpPrefix.parse("0.0.0.0/0").contains(6, 0, 1)).isFalse();
        assertThat(IpPrefix.parse("::/0").contains(6, -1L, -1L)).isTrue();
    }

    @Test
    void rejectsMalformedAddresses() {
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.256/8")).hasMessageContaining("above 255");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/33")).hasMessageContaining("exceeds 32");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0/8")).hasMessageContaining("not an IPv4");
        assertThatThrownBy(() -> IpPrefix.parse("1::2::3")).hasMessageContaining("more than one '::'");
        assertThatThrownBy(() -> IpPrefix.parse("2001:db8::g")).hasMessageContaining("not an IPv6");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/")).hasMessageContaining("bad prefix length");
    }
}
