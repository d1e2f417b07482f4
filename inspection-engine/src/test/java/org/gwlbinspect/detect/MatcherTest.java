package org.gwlbinspect.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.detect.SuricataRuleParserTest.ipv4;

import org.junit.jupiter.api.Test;

class MatcherTest {

    private final HeaderGroupParser groups = new HeaderGroupParser(Rules.VARIABLES);

    @Test
    void subtractsNegatedElementsFromTheGroup() {
        AddressMatcher m = groups.address("[10.0.0.0/8, !10.1.0.0/16, 192.0.2.7]", 0);

        assertThat(m.matchesIpv4(ipv4(10, 2, 0, 1))).isTrue();
        assertThat(m.matchesIpv4(ipv4(10, 1, 200, 1))).isFalse();
        assertThat(m.matchesIpv4(ipv4(192, 0, 2, 7))).isTrue();
        assertThat(m.matchesIpv4(ipv4(192, 0, 2, 8))).isFalse();
        assertThat(m.matches(6, 0, 1)).isFalse();
        assertThat(m.containsNegation()).isTrue();
    }

    @Test
    void treatsOnlyNegatedElementsAsEverythingElse() {
        AddressMatcher m = groups.address("[!10.0.0.0/8]", 0);

        assertThat(m.matchesIpv4(ipv4(8, 8, 8, 8))).isTrue();
        assertThat(m.matchesIpv4(ipv4(10, 0, 0, 1))).isFalse();
        assertThat(m.matches(6, 0x2001_0db8_0000_0000L, 1)).isTrue();
    }

    @Test
    void resolvesNestedVariablesAndNegatedGroups() {
        AddressMatcher external = groups.address("$EXTERNAL_NET", 0);
        AddressMatcher notNested = groups.address("![$HOME_NET, !10.9.0.0/16]", 0);

        assertThat(external.matchesIpv4(ipv4(192, 168, 3, 3))).isFalse();
        assertThat(external.matchesIpv4(ipv4(1, 1, 1, 1))).isTrue();
        assertThat(notNested.matchesIpv4(ipv4(10, 9, 1, 1))).isTrue();
        assertThat(notNested.matchesIpv4(ipv4(10, 8, 1, 1))).isFalse();
    }

    @Test
    void resolvesIpSetReferences() {
        AddressMatcher m = groups.address("@CORP_PREFIXES", 0);

        assertThat(m.matchesIpv4(ipv4(172, 20, 0, 1))).isTrue();
        assertThat(m.matchesIpv4(ipv4(172, 32, 0, 1))).isFalse();
    }

    @Test
    void matchesIpv6RangesAcrossTheSixtyFourBitBoundary() {
        AddressMatcher m = groups.address("[2001:db8::/63, ::ffff:10.0.0.1, ::1]", 0);

        assertThat(m.matches(6, 0x2001_0db8_0000_0001L, 0xFFFF_FFFF_FFFF_FFFFL)).isTrue();
        assertThat(m.matches(6, 0x2001_0db8_0000_0002L, 0)).isFalse();
        assertThat(m.matches(6, 0, 0x0000_FFFF_0A00_0001L)).isTrue();
        assertThat(m.matches(6, 0, 1)).isTrue();
        assertThat(m.matches(6, 0, 2)).isFalse();
        assertThat(m.matches(4, 0, 1)).isFalse();
    }

    @Test
    void masksHostBitsBelowThePrefix() {
        assertThat(groups.address("10.1.2.3/8", 0).matchesIpv4(ipv4(10, 200, 0, 0)))
                .isTrue();
    }

    @Test
    void anyMatchesBothVersions() {
        AddressMatcher any = groups.address("ANY", 0);

        assertThat(any.isAny()).isTrue();
        assertThat(any.matches(4, 0, 0xFFFF_FFFFL)).isTrue();
        assertThat(any.matches(6, -1, -1)).isTrue();
    }

    @Test
    void matchesPortGroupsWithRangesNegationAndVariables() {
        PortMatcher m = groups.port("[$HTTP_PORTS, 1000:2000, !1500, 60000:]", 0);

        assertThat(m.matches(80)).isTrue();
        assertThat(m.matches(8080)).isTrue();
        assertThat(m.matches(1000)).isTrue();
        assertThat(m.matches(1500)).isFalse();
        assertThat(m.matches(2001)).isFalse();
        assertThat(m.matches(65535)).isTrue();
        assertThat(m.matches(443)).isFalse();
    }

    @Test
    void treatsLonelyNegatedPortAsAllOthers() {
        PortMatcher m = groups.port("!22", 0);

        assertThat(m.matches(22)).isFalse();
        assertThat(m.matches(0)).isTrue();
        assertThat(m.matches(65535)).isTrue();
        assertThat(m.isAny()).isFalse();
    }

    @Test
    void comparesUnsignedIntegersAsSuricataDoes() {
        UintMatch range = new UintMatch(UintMatch.Operator.RANGE, 10, 20);

        assertThat(range.matches(10)).isFalse();
        assertThat(range.matches(11)).isTrue();
        assertThat(range.matches(20)).isFalse();
    }

    @Test
    void knowsTheStandardClasstypes() {
        assertThat(Classtypes.find("trojan-activity").orElseThrow().priority()).isEqualTo(1);
        assertThat(Classtypes.find("misc-activity").orElseThrow().priority()).isEqualTo(3);
        assertThat(Classtypes.find("tcp-connection").orElseThrow().priority()).isEqualTo(4);
        assertThat(Classtypes.defaults()).hasSizeGreaterThan(40);
    }
}
