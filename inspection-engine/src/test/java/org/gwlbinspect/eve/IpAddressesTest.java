package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpAddressesTest {

    private static String v6(String literal) {
        long[] halves = EveExamples.ipv6(literal);
        byte[] out = new byte[IpAddresses.MAX_IPV6_LENGTH];
        int end = IpAddresses.formatIpv6(halves[0], halves[1], out, 0);
        return new String(out, 0, end, StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @CsvSource({
        "0.0.0.0, 0.0.0.0",
        "10.0.2.182, 10.0.2.182",
        "255.255.255.255, 255.255.255.255",
        "100.64.9.10, 100.64.9.10"
    })
    void formatsIpv4DottedDecimal(String input, String expected) {
        byte[] out = new byte[IpAddresses.MAX_IPV4_LENGTH + 2];
        out[0] = '>';
        int end = IpAddresses.formatIpv4(EveExamples.ipv4(input), out, 1);
        assertThat(new String(out, 1, end - 1, StandardCharsets.US_ASCII)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "::, ::",
        "::1, ::1",
        "1::, 1::",
        "2001:db8::1, 2001:db8::1",
        "fe80::1:2:3:4, fe80::1:2:3:4",
        // full: no zero group, leading zeros dropped, lower case
        "2001:0DB8:0A0B:12F0:0001:0002:0003:0004, 2001:db8:a0b:12f0:1:2:3:4",
        // RFC 5952 4.2.2: a single zero group is not compressed
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        // 4.2.3: the longest run wins ...
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        // ... and the first one on a tie
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "0:0:1:0:0:1:0:0, ::1:0:0:1:0:0",
        "1:0:0:0:0:0:0:0, 1::",
        "0:0:0:0:0:0:0:1, ::1",
        "1:2:3:4:5:6:7:0, 1:2:3:4:5:6:7:0",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        // only IPv4-mapped addresses get a dotted quad (NAT64 and the deprecated compatible form do not)
        "64:ff9b::a00:2b6, 64:ff9b::a00:2b6",
        "::a00:2b6, ::a00:2b6"
    })
    void formatsIpv6AsRfc5952(String input, String expected) {
        assertThat(v6(input)).isEqualTo(expected);
    }

    @Test
    void formatsIpv4MappedAddressWithDottedQuad() {
        // RFC 5952 §5; built by hand because InetAddress turns ::ffff:a.b.c.d into an Inet4Address.
        byte[] out = new byte[IpAddresses.MAX_IPV6_LENGTH];
        int end = IpAddresses.formatIpv6(0, 0x0000_FFFF_0A00_02B6L, out, 0);
        assertThat(new String(out, 0, end, StandardCharsets.US_ASCII)).isEqualTo("::ffff:10.0.2.182");
        end = IpAddresses.formatIpv6(0, 0x0001_FFFF_0A00_02B6L, out, 0);
        assertThat(new String(out, 0, end, StandardCharsets.US_ASCII)).isEqualTo("::1:ffff:a00:2b6");
    }

    @ParameterizedTest
    @CsvSource({"::1, 0000:0000:0000:0000:0000:0000:0000:0001", "2001:db8::ab, 2001:0db8:0000:0000:0000:0000:0000:00ab"
    })
    void formatsIpv6FullFormLikeSuricataDefault(String input, String expected) {
        long[] halves = EveExamples.ipv6(input);
        byte[] out = new byte[IpAddresses.MAX_IPV6_LENGTH];
        int end = IpAddresses.formatIpv6Full(halves[0], halves[1], out, 0);
        assertThat(new String(out, 0, end, StandardCharsets.US_ASCII)).isEqualTo(expected);
    }
}
