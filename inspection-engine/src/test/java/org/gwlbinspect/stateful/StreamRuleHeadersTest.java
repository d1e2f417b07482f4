package org.gwlbinspect.stateful;

import static org.assertj.core.api.Assertions.assertThat;

import org.gwlbinspect.detect.engine.PacketContext;
import org.junit.jupiter.api.Test;

/** Which flow directions a policy's stream payload rules can match, by their grouped headers. */
class StreamRuleHeadersTest {
    private static final int CLIENT = 0x0A640105; // 10.100.1.5, in the default HOME_NET
    private static final int SERVER = 0x34010203; // 52.1.2.3

    private static StreamRuleHeaders headers(String rules) {
        return StreamRuleHeaders.of(StatefulHarness.compile("headers.rules", rules));
    }

    /** A TCP packet of the flow CLIENT:41000 → SERVER:port, in the direction {@code toServer} says. */
    private static PacketContext packet(boolean toServer, int port) {
        PacketContext ctx = toServer
                ? new PacketContext().ipv4(CLIENT, 41000, SERVER, port, 6)
                : new PacketContext().ipv4(SERVER, port, CLIENT, 41000, 6);
        ctx.toServer = toServer;
        return ctx;
    }

    @Test
    void rulesWithTheSameHeaderAreOneGroupAndOnlyTheirDirectionMatches() {
        StreamRuleHeaders h = headers("""
                alert tcp $HOME_NET any -> $EXTERNAL_NET any (flow:established,to_server; content:"a"; sid:1;)
                alert tcp $HOME_NET any -> $EXTERNAL_NET any (flow:established,to_server; content:"b"; sid:2;)
                alert tcp $HOME_NET any -> $EXTERNAL_NET any (flow:to_server; content:"c"; pcre:"/c+/"; sid:3;)
                alert http $HOME_NET any -> $EXTERNAL_NET any (http.host; content:"d"; sid:4;)
                alert udp any any -> any any (content:"e"; sid:5;)
                alert tcp any any -> any any (content:"f"; dsize:>10; sid:6;)
                """);

        assertThat(h.groups()).isEqualTo(1); // sticky-buffer, UDP and packet (dsize) rules read no TCP stream
        assertThat(h.canMatch(packet(true, 443))).isTrue();
        assertThat(h.canMatch(packet(false, 443))).isFalse();
    }

    @Test
    void theAddressesDecideWithoutAFlowKeyword() {
        StreamRuleHeaders h = headers("""
                alert tcp $EXTERNAL_NET any -> $HOME_NET any (content:"a"; sid:1;)
                """);

        assertThat(h.canMatch(packet(true, 443))).isFalse();
        assertThat(h.canMatch(packet(false, 443))).isTrue();
    }

    @Test
    void portsDecideAndABidirectionalHeaderMatchesBothWays() {
        StreamRuleHeaders oneWay = headers("""
                alert tcp any any -> any 8080 (content:"a"; sid:1;)
                """);
        assertThat(oneWay.canMatch(packet(true, 8080))).isTrue();
        assertThat(oneWay.canMatch(packet(false, 8080))).isFalse();
        assertThat(oneWay.canMatch(packet(true, 443))).isFalse();

        StreamRuleHeaders both = headers("""
                alert tcp any any <> any 8080 (content:"a"; sid:1;)
                """);
        assertThat(both.canMatch(packet(true, 8080))).isTrue();
        assertThat(both.canMatch(packet(false, 8080))).isTrue();
        assertThat(both.canMatch(packet(false, 443))).isFalse();
    }

    @Test
    void moreDistinctHeadersThanTheLimitAreNotCheckedSoEveryDirectionMayMatch() {
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i <= StreamRuleHeaders.MAX_GROUPS; i++) {
            rules.append("alert tcp any any -> any ")
                    .append(9000 + i)
                    .append(" (flow:to_server; content:\"a\"; sid:")
                    .append(i + 1)
                    .append(";)\n");
        }
        StreamRuleHeaders h = headers(rules.toString());

        assertThat(h.groups()).isEqualTo(-1);
        assertThat(h.canMatch(packet(false, 443))).isTrue();
    }

    @Test
    void aPolicyWithoutStreamRulesMatchesNoDirection() {
        StreamRuleHeaders h = headers("""
                drop tls any any -> any any (tls.sni; content:"evil.example"; sid:1;)
                """);

        assertThat(h.groups()).isZero();
        assertThat(h.canMatch(packet(true, 443))).isFalse();
    }
}
