package org.gwlbinspect.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.detect.Rules.one;

import org.gwlbinspect.policy.PolicyException;
import org.junit.jupiter.api.Test;

/** policy.md §0 item 1, §2.4 and §3.3: which rules decide the flow and which only the packet. */
class RuleTypeClassificationTest {

    @Test
    void classifiesPortOnlyTcpPassAsIpOnlyFlowScope() throws PolicyException {
        Signature rule = one("pass tcp $HOME_NET any -> [10.0.0.0/8] 443 (sid:1;)");

        assertThat(rule.type()).isEqualTo(RuleType.IP_ONLY);
        assertThat(rule.scope()).isEqualTo(ActionScope.FLOW);
    }

    @Test
    void classifiesFlowNotEstablishedPassAsPacketScope() throws PolicyException {
        Signature rule = one("pass tcp $HOME_NET any -> any 443 (flow:not_established; sid:1;)");

        assertThat(rule.type()).isEqualTo(RuleType.PACKET);
        assertThat(rule.scope()).isEqualTo(ActionScope.PACKET);
    }

    @Test
    void classifiesNegatedAddressAsLikeIpOnlyFlowScope() throws PolicyException {
        Signature rule = one("pass tcp $HOME_NET any -> [!10.0.0.0/16] 443 (sid:1;)");

        assertThat(rule.type()).isEqualTo(RuleType.LIKE_IP_ONLY);
        assertThat(rule.scope()).isEqualTo(ActionScope.FLOW);
    }

    @Test
    void classifiesExternalNetAsNegatedThroughItsVariable() throws PolicyException {
        assertThat(one("pass tcp $HOME_NET any -> $EXTERNAL_NET 443 (sid:1;)").type())
                .isEqualTo(RuleType.LIKE_IP_ONLY);
    }

    @Test
    void classifiesStrictOrderReportExample() throws PolicyException {
        // re:Post report (§2.4): the IP-only pass decides the flow on the SYN, before the GET drop can see anything.
        Signature drop = one("drop http any any -> $HTTP_SERVERS 80 (flow:established,to_server; http.method;"
                + " content:\"GET\"; sid:403;)");
        Signature pass = one("pass tcp any any -> $HTTP_SERVERS 80 (sid:404;)");

        assertThat(drop.type()).isEqualTo(RuleType.APP_LAYER);
        assertThat(drop.scope()).isEqualTo(ActionScope.FLOW);
        assertThat(pass.type()).isEqualTo(RuleType.IP_ONLY);
        assertThat(pass.scope()).isEqualTo(ActionScope.FLOW);
    }

    @Test
    void classifiesFlowbitsOnlyRuleAsIpOnly() throws PolicyException {
        assertThat(one("alert ip any any -> any any (flowbits:isset,x; msg:\"m\"; sid:1;)")
                        .type())
                .isEqualTo(RuleType.IP_ONLY);
    }

    @Test
    void classifiesAppLayerProtocolOnlyAsProtocolDetectionOnly() throws PolicyException {
        Signature rule = one("pass tcp any any -> any any (app-layer-protocol:tls; sid:1;)");

        assertThat(rule.type()).isEqualTo(RuleType.PD_ONLY);
        assertThat(rule.scope()).isEqualTo(ActionScope.FLOW);
    }

    @Test
    void classifiesEachPacketKeywordAsPacketScope() throws PolicyException {
        for (String keyword :
                new String[] {"flow:to_server;", "dsize:>0;", "tcp.flags:S;", "flags:SA;", "ttl:64;", "ip_proto:6;"}) {
            Signature rule = one("pass tcp any any -> any 443 (" + keyword + " sid:1;)");
            assertThat(rule.type()).as(keyword).isEqualTo(RuleType.PACKET);
            assertThat(rule.scope()).as(keyword).isEqualTo(ActionScope.PACKET);
        }
    }

    @Test
    void classifiesStickyBufferOnTcpHeaderAsAppLayer() throws PolicyException {
        assertThat(one("drop tcp any any -> any any (tls.sni; content:\"a.com\"; sid:1;)")
                        .type())
                .isEqualTo(RuleType.APP_LAYER);
    }

    @Test
    void classifiesAppProtocolHeaderAsFlowScopeEvenWithFlowKeyword() throws PolicyException {
        assertThat(one("drop tls any any -> any any (flow:to_server,established; sid:1;)")
                        .scope())
                .isEqualTo(ActionScope.FLOW);
    }

    @Test
    void classifiesPayloadContentAsPacketStreamActingOnFlowOnlyWhenMatchedInStream() throws PolicyException {
        Signature rule = one("drop tcp any any -> any any (content:\"x\"; sid:1;)");

        assertThat(rule.type()).isEqualTo(RuleType.PACKET_STREAM);
        assertThat(rule.scope()).isEqualTo(ActionScope.PACKET);
        assertThat(rule.scope(true)).isEqualTo(ActionScope.FLOW);
        assertThat(rule.scope(false)).isEqualTo(ActionScope.PACKET);
    }

    @Test
    void classifiesPayloadContentWithDsizeAsPacket() throws PolicyException {
        assertThat(one("drop udp any any -> any any (content:\"x\"; dsize:<100; sid:1;)")
                        .type())
                .isEqualTo(RuleType.PACKET);
    }
}
