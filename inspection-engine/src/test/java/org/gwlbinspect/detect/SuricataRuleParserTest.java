package org.gwlbinspect.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.detect.Rules.one;
import static org.gwlbinspect.detect.Rules.parse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.RuleOrder;
import org.junit.jupiter.api.Test;

class SuricataRuleParserTest {

    // policy.md §2.6, exact generated texts.
    private static final String TLS_ALLOWLIST = """
            pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni; dotprefix; content:".amazon.com"; nocase; endswith; msg:"matching TLS allowlisted FQDNs"; priority:1; flow:to_server, established; sid:1; rev:1;)
            pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni; content:"example.com"; startswith; nocase; endswith; msg:"matching TLS allowlisted FQDNs"; priority:1; flow:to_server, established; sid:2; rev:1;)
            drop tls $HOME_NET any -> $EXTERNAL_NET any (msg:"not matching any TLS allowlisted FQDNs"; priority:1; ssl_state:client_hello; flow:to_server, established; sid:3; rev:1;)
            """;
    private static final String HTTP_ALLOWLIST = """
            pass http $HOME_NET any -> $EXTERNAL_NET any (http.host; dotprefix; content:".amazon.com"; endswith; msg:"matching HTTP allowlisted FQDNs"; priority:1; flow:to_server, established; sid:1; rev:1;)
            pass http $HOME_NET any -> $EXTERNAL_NET any (http.host; content:"example.com"; startswith; endswith; msg:"matching HTTP allowlisted FQDNs"; priority:1; flow:to_server, established; sid:2; rev:1;)
            drop http $HOME_NET any -> $EXTERNAL_NET any (http.header_names; content:"|0d 0a|"; startswith; msg:"not matching any HTTP allowlisted FQDNs"; priority:1; flow:to_server, established; sid:3; rev:1;)
            """;
    private static final String DENYLIST = """
            drop tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni; content:"evil.com"; startswith; nocase; endswith; msg:"matching TLS denylisted FQDNs"; priority:1; flow:to_server, established; sid:1; rev:1;)
            drop http $HOME_NET any -> $EXTERNAL_NET any (http.host; content:"evil.com"; startswith; endswith; msg:"matching HTTP denylisted FQDNs"; priority:1; flow:to_server, established; sid:2; rev:1;)
            """;

    @Test
    void parsesTlsAllowlistAsFlowScopedAppLayerRules() throws PolicyException {
        List<Signature> rules = parse(TLS_ALLOWLIST);

        assertThat(rules).extracting(Signature::sid).containsExactly(1L, 2L, 3L);
        assertThat(rules).extracting(Signature::type).containsOnly(RuleType.APP_LAYER);
        assertThat(rules).extracting(Signature::scope).containsOnly(ActionScope.FLOW);
        Signature wildcard = rules.get(0);
        assertThat(wildcard.action()).isEqualTo(Action.PASS);
        assertThat(wildcard.protocol()).isEqualTo(RuleProtocol.TLS);
        assertThat(wildcard.msg()).isEqualTo("matching TLS allowlisted FQDNs");
        assertThat(wildcard.priority()).isEqualTo(1);
        assertThat(wildcard.rev()).isEqualTo(1);
        assertThat(wildcard.flow())
                .isEqualTo(new FlowCondition(
                        FlowCondition.FlowDirection.TO_SERVER,
                        FlowCondition.FlowState.ESTABLISHED,
                        FlowCondition.StreamRequirement.ANY));
        assertThat(wildcard.conditions())
                .containsExactly(new Condition.SslState(Set.of(Condition.SslState.State.CLIENT_HELLO), Set.of()));
        BufferInspection sni = wildcard.inspection(Buffer.TLS_SNI).orElseThrow();
        assertThat(sni.transforms()).containsExactly(Transform.DOTPREFIX);
        assertThat(sni.contents())
                .containsExactly(new ContentMatch(
                        ".amazon.com".getBytes(StandardCharsets.US_ASCII),
                        false,
                        true,
                        OptionalInt.empty(),
                        OptionalInt.empty(),
                        OptionalInt.empty(),
                        OptionalInt.empty(),
                        false,
                        true,
                        false));
        ContentMatch exact =
                rules.get(1).inspection(Buffer.TLS_SNI).orElseThrow().contents().get(0);
        assertThat(exact.startsWith()).isTrue();
        assertThat(exact.endsWith()).isTrue();
        assertThat(exact.nocase()).isTrue();
        assertThat(rules.get(2).inspections()).isEmpty();
        assertThat(rules.get(2).action()).isEqualTo(Action.DROP);
    }

    @Test
    void parsesHttpAllowlistWithoutNocase() throws PolicyException {
        List<Signature> rules = parse(HTTP_ALLOWLIST);

        assertThat(rules).extracting(Signature::type).containsOnly(RuleType.APP_LAYER);
        ContentMatch host = rules.get(0)
                .inspection(Buffer.HTTP_HOST)
                .orElseThrow()
                .contents()
                .get(0);
        assertThat(host.patternText()).isEqualTo(".amazon.com");
        assertThat(host.nocase()).isFalse();
        ContentMatch crlf = rules.get(2)
                .inspection(Buffer.HTTP_HEADER_NAMES)
                .orElseThrow()
                .contents()
                .get(0);
        assertThat(crlf.pattern()).containsExactly(0x0d, 0x0a);
        assertThat(crlf.startsWith()).isTrue();
    }

    @Test
    void parsesDenylistForBothTargetTypes() throws PolicyException {
        List<Signature> rules = parse(DENYLIST);

        assertThat(rules).extracting(Signature::protocol).containsExactly(RuleProtocol.TLS, RuleProtocol.HTTP);
        assertThat(rules).extracting(Signature::action).containsOnly(Action.DROP);
        assertThat(rules).extracting(Signature::severity).containsOnly(1);
    }

    @Test
    void parsesStrictOrderDomainListsWithoutPriority() throws PolicyException {
        String strict = TLS_ALLOWLIST.replace(" priority:1;", "");

        assertThat(parse(strict, RuleOrder.STRICT_ORDER)).hasSize(3);
    }

    @Test
    void scopesDomainListsToHomeNetSources() throws PolicyException {
        Signature rule = parse(DENYLIST).get(0);

        assertThat(rule.source().matchesIpv4(ipv4(10, 1, 2, 3))).isTrue();
        assertThat(rule.source().matchesIpv4(ipv4(8, 8, 8, 8))).isFalse();
        assertThat(rule.destination().matchesIpv4(ipv4(8, 8, 8, 8))).isTrue();
        assertThat(rule.destination().matchesIpv4(ipv4(192, 168, 1, 1))).isFalse();
        assertThat(rule.destination().containsNegation()).isTrue();
    }

    @Test
    void parsesNfwStandardRuleExample() throws PolicyException {
        Signature rule =
                one("drop http $HOME_NET ANY <> $EXTERNAL_NET ANY (msg:\"this is a stateful drop rule\"; sid:1234;)");

        assertThat(rule.direction()).isEqualTo(Direction.BOTH);
        assertThat(rule.sourcePort().isAny()).isTrue();
        assertThat(rule.msg()).isEqualTo("this is a stateful drop rule");
        assertThat(rule.type()).isEqualTo(RuleType.APP_LAYER);
        assertThat(rule.rev()).isZero();
        assertThat(rule.gid()).isEqualTo(1);
    }

    @Test
    void parsesNfwVariablesExample() throws PolicyException {
        Signature rule = one("alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:\".htpasswd access"
                + " attempt\"; flow:to_server,established; content:\".htpasswd\"; nocase; sid:210503; rev:1;)");

        assertThat(rule.destination().matchesIpv4(ipv4(10, 0, 2, 77))).isTrue();
        assertThat(rule.destination().matchesIpv4(ipv4(10, 0, 1, 19))).isTrue();
        assertThat(rule.destination().matchesIpv4(ipv4(10, 0, 1, 20))).isFalse();
        assertThat(rule.destinationPort().matches(8080)).isTrue();
        assertThat(rule.destinationPort().matches(443)).isFalse();
        assertThat(rule.type()).isEqualTo(RuleType.PACKET_STREAM);
        ContentMatch content =
                rule.inspection(Buffer.PAYLOAD).orElseThrow().contents().get(0);
        assertThat(content.patternText()).isEqualTo(".htpasswd");
        assertThat(content.nocase()).isTrue();
    }

    @Test
    void parsesRealisticIpsRuleSet() throws PolicyException {
        String rules = """
                # Egress IPS set
                pass tcp $HOME_NET any -> $EXTERNAL_NET 443 (flow:not_established; msg:"handshakes"; sid:100;)
                drop tls $HOME_NET any -> $EXTERNAL_NET any (tls.sni; content:"mining"; nocase; pcre:"/^[a-z0-9-]+\\.mining\\.example$/i"; classtype:coin-mining; sid:101; rev:3;)
                reject http $HOME_NET any -> $EXTERNAL_NET any (http.host; pcre:"/^\\d{1,3}(\\.\\d{1,3}){3}$/"; msg:"IP literal host"; sid:102;)
                drop http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (http.method; content:"POST"; http.uri; content:"/upload"; startswith; http.user_agent; content:"curl/"; startswith; classtype:policy-violation; sid:103;)
                alert dns $HOME_NET any -> any 53 (dns.query; content:"evil"; nocase; sid:104;)
                alert tls any any -> any any (ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865"; msg:"Tor client"; reference:url,ja3er.com; sid:105;)
                drop tcp $HOME_NET any -> $EXTERNAL_NET 22 (flow:to_server; flags:S,CE; dsize:0; ttl:<200; msg:"ssh out"; sid:106;)
                alert ip any any -> any any (ip_proto:!tcp; msg:"not tcp"; sid:107;)
                pass tcp $HOME_NET any -> $EXTERNAL_NET any (app-layer-protocol:tls; sid:108;)
                drop tcp $HOME_NET any -> $EXTERNAL_NET any (app-layer-protocol:!tls; flow:established,to_server; dsize:>0; sid:109;)
                alert tcp any any -> any any (flowbits:set,seen_hello; flowbits:noalert; sid:110;)
                alert tls any any -> any any (ssl_version:sslv3,tls1.0; msg:"old TLS"; metadata:policy security, created_at 2024_01_01; sid:111;)
                drop tls $HOME_NET any -> $EXTERNAL_NET any (tls.version:1.0; sid:112;)
                alert http any any -> any any (http.request_header; content:"authority|3a 20|example.com"; sid:113;)
                alert http any any -> any any (http.header; to_lowercase; content:"x-forwarded-for|3a|"; bsize:>20; sid:114;)
                alert tcp any any -> any any (content:"GET "; depth:4; content:"HTTP/1."; distance:0; within:200; isdataat:!1,relative; flow:only_stream; sid:115;)
                alert udp any any -> $DNS_SERVERS 53 (content:"|01 00 00 01|"; offset:2; depth:4; flow:no_stream; sid:116;)
                alert tls any any -> any any (tls.cert_issuer; content:"Let's Encrypt"; flow:to_client; sid:117;)
                alert http any any -> any any (http.uri.raw; strip_whitespace; content:"%2e%2e"; fast_pattern; http.host.raw; content:":8080"; endswith; sid:118;)
                """;

        List<Signature> parsed = parse(rules);

        assertThat(parsed).hasSize(19);
        assertThat(parsed)
                .extracting(Signature::type)
                .containsExactly(
                        RuleType.PACKET,
                        RuleType.APP_LAYER,
                        RuleType.APP_LAYER,
                        RuleType.APP_LAYER,
                        RuleType.APP_LAYER,
                        RuleType.APP_LAYER,
                        RuleType.PACKET,
                        RuleType.PACKET,
                        RuleType.PD_ONLY,
                        RuleType.PACKET,
                        RuleType.IP_ONLY,
                        RuleType.APP_LAYER,
                        RuleType.APP_LAYER,
                        RuleType.APP_LAYER,
                        RuleType.APP_LAYER,
                        RuleType.STREAM,
                        RuleType.PACKET,
                        RuleType.APP_LAYER,
                        RuleType.APP_LAYER);
        assertThat(parsed.get(0).line()).isEqualTo(2);
        Signature mining = parsed.get(1);
        assertThat(mining.category()).isEqualTo("Crypto Currency Mining Activity Detected");
        assertThat(mining.severity()).isEqualTo(2);
        PcreMatch pcre = (PcreMatch)
                mining.inspection(Buffer.TLS_SNI).orElseThrow().matches().get(1);
        assertThat(pcre.regex()).isEqualTo("^[a-z0-9-]+\\.mining\\.example$");
        assertThat(pcre.flags()).containsExactly(PcreMatch.Flag.CASELESS);
        Signature upload = parsed.get(3);
        assertThat(upload.inspections())
                .extracting(BufferInspection::buffer)
                .containsExactly(Buffer.HTTP_METHOD, Buffer.HTTP_URI, Buffer.HTTP_USER_AGENT);
        assertThat(parsed.get(5).references()).containsExactly(new Reference("url", "ja3er.com"));
        assertThat(parsed.get(6).conditions())
                .containsExactly(
                        new Condition.TcpFlags(Condition.TcpFlags.Modifier.EXACT, 0x02, 0xC0),
                        new Condition.Dsize(UintMatch.equal(0)),
                        new Condition.Ttl(new UintMatch(UintMatch.Operator.LESS, 200, 200)));
        assertThat(parsed.get(7).conditions())
                .containsExactly(new Condition.IpProto(new UintMatch(UintMatch.Operator.NOT_EQUAL, 6, 6)));
        assertThat(parsed.get(8).conditions()).containsExactly(new Condition.AppLayerProtocol(false, "tls"));
        assertThat(parsed.get(10).flowbits())
                .containsExactly(new FlowbitsOperation(FlowbitsOperation.Operation.SET, List.of("seen_hello")));
        assertThat(parsed.get(10).noalert()).isTrue();
        assertThat(parsed.get(11).metadata())
                .containsExactly(
                        new MetadataEntry("policy", "security"), new MetadataEntry("created_at", "2024_01_01"));
        assertThat(parsed.get(12).conditions()).containsExactly(new Condition.TlsVersion(0x0301));
        assertThat(parsed.get(14).inspection(Buffer.HTTP_HEADER).orElseThrow().matches())
                .last()
                .isEqualTo(new Bsize(new UintMatch(UintMatch.Operator.GREATER, 20, 20)));
        BufferInspection stream = parsed.get(15).inspection(Buffer.PAYLOAD).orElseThrow();
        assertThat(stream.contents().get(1).distance()).hasValue(0);
        assertThat(stream.contents().get(1).within()).hasValue(200);
        assertThat(stream.matches().get(2)).isEqualTo(new IsDataAt(1, true, true));
        assertThat(parsed.get(16).destination().matches(6, 0x2001_0db8_0000_0000L, 0x53L))
                .isTrue();
        assertThat(parsed.get(18)
                        .inspection(Buffer.HTTP_URI_RAW)
                        .orElseThrow()
                        .contents()
                        .get(0)
                        .fastPattern())
                .isTrue();
    }

    @Test
    void joinsBackslashContinuedLinesAndKeepsPositions() throws PolicyException {
        List<Signature> rules = parse("\n# comment\n  \nalert tcp any any -> any any \\\n  (msg:\"two lines\"; \\\n"
                + "  sid:7;)\nalert ip any any -> any any (sid:8;)\n");

        assertThat(rules).extracting(Signature::sid).containsExactly(7L, 8L);
        assertThat(rules).extracting(Signature::line).containsExactly(4, 7);
        assertThat(rules.get(0).msg()).isEqualTo("two lines");
    }

    @Test
    void decodesEscapesAndHexInContent() throws PolicyException {
        Signature rule = one("alert tcp any any -> any any (content:\"a\\;b\\\"c\\\\d|3A 0d0a|e\\|\"; sid:1;)");

        assertThat(rule.inspection(Buffer.PAYLOAD)
                        .orElseThrow()
                        .contents()
                        .get(0)
                        .patternText())
                .isEqualTo("a;b\"c\\d:\r\ne|");
    }

    @Test
    void acceptsNegatedContentAndUnescapesMsg() throws PolicyException {
        Signature rule = one("alert http any any -> any any (msg:\"say \\\"hi\\\"\\; bye\"; http.uri;"
                + " content:!\"/admin\"; sid:1;)");

        assertThat(rule.msg()).isEqualTo("say \"hi\"; bye");
        assertThat(rule.inspection(Buffer.HTTP_URI)
                        .orElseThrow()
                        .contents()
                        .get(0)
                        .negated())
                .isTrue();
    }

    @Test
    void appendsReselectedStickyBufferToItsInspection() throws PolicyException {
        Signature rule = one("alert http any any -> any any (http.uri; content:\"/a\"; http.host; content:\"x.com\";"
                + " http.uri; content:\"/b\"; distance:0; sid:1;)");

        assertThat(rule.inspections())
                .extracting(BufferInspection::buffer)
                .containsExactly(Buffer.HTTP_URI, Buffer.HTTP_HOST);
        assertThat(rule.inspection(Buffer.HTTP_URI).orElseThrow().contents())
                .extracting(ContentMatch::patternText)
                .containsExactly("/a", "/b");
    }

    @Test
    void acceptsLegacyUnderscoreStickyBufferNames() throws PolicyException {
        Signature rule = one("alert tls any any -> any any (tls_sni; content:\"a.com\"; sid:1;)");

        assertThat(rule.inspection(Buffer.TLS_SNI)).isPresent();
    }

    @Test
    void takesSeverityFromPriorityThenClasstypeThenThree() throws PolicyException {
        assertThat(one("alert ip any any -> any any (sid:1;)").severity()).isEqualTo(3);
        assertThat(one("alert ip any any -> any any (classtype:trojan-activity; sid:1;)")
                        .severity())
                .isEqualTo(1);
        assertThat(one("alert ip any any -> any any (classtype:trojan-activity; priority:2; sid:1;)")
                        .severity())
                .isEqualTo(2);
    }

    @Test
    void logsPassRulesOnlyWithAlertKeyword() throws PolicyException {
        assertThat(one("pass ip any any -> any any (sid:1;)").logsMatches()).isFalse();
        assertThat(one("pass ip any any -> any any (alert; sid:1;)").logsMatches())
                .isTrue();
        assertThat(one("drop ip any any -> any any (noalert; sid:1;)").logsMatches())
                .isFalse();
        assertThat(one("drop ip any any -> any any (sid:1;)").logsMatches()).isTrue();
    }

    @Test
    void acceptsEveryNfwAppProtocolInTheHeader() throws PolicyException {
        for (RuleProtocol protocol : RuleProtocol.values()) {
            Signature rule = one("alert " + protocol.keyword().toUpperCase() + " any any -> any any (sid:1;)");
            assertThat(rule.protocol()).isEqualTo(protocol);
            assertThat(rule.type()).isEqualTo(protocol.isAppLayer() ? RuleType.APP_LAYER : RuleType.IP_ONLY);
        }
    }

    static int ipv4(int a, int b, int c, int d) {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }
}
