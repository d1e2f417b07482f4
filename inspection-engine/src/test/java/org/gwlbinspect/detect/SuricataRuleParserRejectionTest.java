package org.gwlbinspect.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.detect.Rules.problem;
import static org.gwlbinspect.detect.Rules.problems;

import java.util.stream.Stream;
import org.gwlbinspect.policy.PolicyProblem;
import org.gwlbinspect.policy.RuleOrder;
import org.gwlbinspect.policy.RuleVariables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rejected keyword and syntax error gives one exact problem: line, column, sid and message. */
class SuricataRuleParserRejectionTest {

    private static final String H = "alert ip any any -> any any ";
    private static final String HTTP = "alert http any any -> any any ";
    private static final String TLS = "alert tls any any -> any any ";
    private static final String TCP = "alert tcp any any -> any any ";

    /**
     * Each case: behaviour, a one-line rule, the text the problem's column points at (its first occurrence), the sid
     * the problem carries, and the exact message.
     */
    static Stream<Arguments> rejectedRules() {
        return Stream.of(
                reject("unknown keyword", H + "(foo:1; sid:5;)", "foo", 5, "unknown keyword 'foo'"),
                reject(
                        "resolved.domain as a sticky buffer",
                        TCP + "(resolved.domain; content:\"github.com\"; sid:5;)",
                        "resolved.domain",
                        5,
                        "'resolved.domain' takes a quoted domain such as \"example.com\" or \".example.com\"; it is"
                                + " not a sticky buffer"),
                reject(
                        "resolved.domain negated",
                        TCP + "(resolved.domain:!\"github.com\"; sid:5;)",
                        "resolved.domain",
                        5,
                        "'resolved.domain' cannot be negated: a flow whose destination was never resolved would match"
                                + " it"),
                reject(
                        "resolved.domain empty",
                        TCP + "(resolved.domain:\".\"; sid:5;)",
                        "resolved.domain",
                        5,
                        "'resolved.domain' needs a domain name, got \".\""),
                reject(
                        "resolved.domain unquoted",
                        TCP + "(resolved.domain:github.com; sid:5;)",
                        "resolved.domain",
                        5,
                        "'resolved.domain' takes a quoted domain such as \"example.com\" or \".example.com\""),
                reject(
                        "resolved.domain with a wildcard",
                        TCP + "(resolved.domain:\"*.github.com\"; sid:5;)",
                        "resolved.domain",
                        5,
                        "'resolved.domain' takes no wildcard: write \".github.com\" for a domain and the names under"
                                + " it"),
                reject(
                        "resolved.domain with an address",
                        TCP + "(resolved.domain:\"192.0.2.1\"; sid:5;)",
                        "resolved.domain",
                        5,
                        "'resolved.domain' takes a domain name, not an address: match addresses in the rule header"),
                reject(
                        "resolved.domain with a bad character",
                        TCP + "(resolved.domain:\"git hub.com\"; sid:5;)",
                        "resolved.domain",
                        5,
                        "'resolved.domain' domain \"git hub.com\" has a character other than letters, digits, '-' and"
                                + " '_' in label 'git hub'"),
                reject(
                        "resolved.domain after a sticky buffer",
                        TLS + "(tls.sni; resolved.domain:\"github.com\"; content:\"x\"; sid:5;)",
                        "resolved.domain",
                        5,
                        "'resolved.domain' matches the flow's destination address, not a buffer: put it before the"
                                + " sticky buffer 'tls.sni'"),
                reject(
                        "resolved.domain twice",
                        TCP + "(resolved.domain:\"a.com\"; resolved.domain:\"b.com\"; sid:5;)",
                        "resolved.domain:\"b",
                        5,
                        "'resolved.domain' appears more than once"),
                reject(
                        "destination_binding with a bad mode",
                        "pass tls any any -> any any (tls.sni; content:\"a.com\"; destination_binding:strict; sid:5;)",
                        "destination_binding",
                        5,
                        "destination_binding must be off, alert or enforce, got 'strict'"),
                reject(
                        "destination_binding on a rule without a name",
                        "pass tcp any any -> any 22 (destination_binding:enforce; sid:5;)",
                        "destination_binding",
                        5,
                        "destination_binding applies to pass rules that match tls.sni or http.host (it checks the name"
                                + " they passed against the destination)"),
                reject(
                        "destination_binding on a drop rule",
                        "drop tls any any -> any any (tls.sni; content:\"a.com\"; destination_binding:alert; sid:5;)",
                        "destination_binding",
                        5,
                        "destination_binding applies to pass rules that match tls.sni or http.host (it checks the name"
                                + " they passed against the destination)"),
                reject(
                        "threshold",
                        H + "(threshold:type limit, track by_src, count 1, seconds 60; sid:5;)",
                        "threshold",
                        5,
                        "keyword 'threshold' is not supported by AWS Network Firewall"),
                reject(
                        "detection_filter",
                        H + "(detection_filter:track by_src, count 5, seconds 1; sid:5;)",
                        "detection_filter",
                        5,
                        "keyword 'detection_filter' is not supported by AWS Network Firewall"),
                reject(
                        "dataset",
                        HTTP + "(http.host; dataset:isset,bad; sid:5;)",
                        "dataset",
                        5,
                        "keyword 'dataset' is not supported by AWS Network Firewall"),
                reject(
                        "datarep",
                        HTTP + "(http.host; datarep:bad, >, 5; sid:5;)",
                        "datarep",
                        5,
                        "keyword 'datarep' is not supported by AWS Network Firewall"),
                reject(
                        "lua",
                        H + "(lua:x.lua; sid:5;)",
                        "lua",
                        5,
                        "keyword 'lua' is not supported by AWS Network Firewall"),
                reject(
                        "iprep",
                        H + "(iprep:src,bad,>,10; sid:5;)",
                        "iprep",
                        5,
                        "keyword 'iprep' is not supported by AWS Network Firewall"),
                reject(
                        "filestore",
                        HTTP + "(filestore; sid:5;)",
                        "filestore",
                        5,
                        "keyword 'filestore' is not supported by AWS Network Firewall"),
                reject(
                        "filemd5",
                        HTTP + "(filemd5:bad.txt; sid:5;)",
                        "filemd5",
                        5,
                        "keyword 'filemd5' is not supported by AWS Network Firewall"),
                reject(
                        "xbits",
                        H + "(xbits:set,x,track ip_dst; sid:5;)",
                        "xbits",
                        5,
                        "keyword 'xbits' is not supported by AWS Network Firewall"),
                reject(
                        "hostbits",
                        H + "(hostbits:set,x; sid:5;)",
                        "hostbits",
                        5,
                        "keyword 'hostbits' is not supported by AWS Network Firewall"),
                reject(
                        "ikev2 keyword",
                        H + "(ike.exchtype:5; sid:5;)",
                        "ike.",
                        5,
                        "keyword 'ike.exchtype' is not supported by AWS Network Firewall"),
                reject(
                        "byte_test",
                        TCP + "(content:\"x\"; byte_test:1,>,2,0; sid:5;)",
                        "byte_test",
                        5,
                        "keyword 'byte_test' is not supported by this appliance"),
                reject(
                        "file.data",
                        HTTP + "(file.data; content:\"x\"; sid:5;)",
                        "file.data",
                        5,
                        "keyword 'file.data' is not supported by this appliance"),
                reject(
                        "unmodelled tls buffer",
                        TLS + "(tls.cert_serial; content:\"01\"; sid:5;)",
                        "tls.cert_serial",
                        5,
                        "keyword 'tls.cert_serial' is not supported by this appliance"),
                reject(
                        "nocase on http.host",
                        HTTP + "(http.host; content:\"a.com\"; nocase; sid:5;)",
                        "nocase",
                        5,
                        "'nocase' is not allowed with http.host (the buffer is lowercased)"),
                reject(
                        "uppercase http.host",
                        HTTP + "(http.host; content:\"Example.com\"; sid:5;)",
                        "content",
                        5,
                        "uppercase content in http.host can never match"),
                reject(
                        "uppercase after to_lowercase",
                        HTTP + "(http.uri; to_lowercase; content:\"/Admin\"; sid:5;)",
                        "content",
                        5,
                        "uppercase content after to_lowercase can never match"),
                reject(
                        "pcre alone",
                        TCP + "(pcre:\"/x+/\"; sid:5;)",
                        "pcre",
                        5,
                        "pcre needs a content, tls.sni, http.host or dns.query in the same rule (AWS Network Firewall)"),
                reject(
                        "pcre on http.uri only",
                        HTTP + "(http.uri; pcre:\"/x+/\"; sid:5;)",
                        "pcre",
                        5,
                        "pcre needs a content, tls.sni, http.host or dns.query in the same rule (AWS Network Firewall)"),
                reject("missing sid", H + "(msg:\"x\";)", "alert", 0, "missing sid"),
                reject(
                        "rejectsrc",
                        "rejectsrc tcp any any -> any any (sid:5;)",
                        "rejectsrc",
                        5,
                        "unsupported action 'rejectsrc'"),
                reject(
                        "config action",
                        "config tcp any any -> any any (sid:5;)",
                        "config",
                        5,
                        "unsupported action 'config'"),
                reject("unbalanced quotes", H + "(msg:\"oops; sid:5;)", "msg", 5, "unbalanced quotes in 'msg'"),
                reject(
                        "bad IPv4",
                        "alert ip 10.0.0.256 any -> any any (sid:5;)",
                        "10.0.0.256",
                        5,
                        "bad IPv4 address '10.0.0.256'"),
                reject(
                        "bad IPv6",
                        "alert ip 2001:db8:::1 any -> any any (sid:5;)",
                        "2001",
                        5,
                        "bad IPv6 address '2001:db8:::1'"),
                reject(
                        "long prefix",
                        "alert ip 10.0.0.0/33 any -> any any (sid:5;)",
                        "10.0",
                        5,
                        "CIDR prefix /33 is longer than 32 bits in '10.0.0.0/33'"),
                reject(
                        "port above 65535",
                        "alert tcp any any -> any 70000 (sid:5;)",
                        "70000",
                        5,
                        "port 70000 is above 65535"),
                reject(
                        "reversed port range",
                        "alert tcp any any -> any 100:10 (sid:5;)",
                        "100:10",
                        5,
                        "bad port range '100:10': 100 is above 10"),
                reject("port name", "alert tcp any any -> any http (sid:5;)", "http (", 5, "bad port 'http'"),
                reject(
                        "undefined variable",
                        "alert ip $FOO any -> any any (sid:5;)",
                        "$FOO",
                        5,
                        "undefined variable $FOO"),
                reject(
                        "undefined variable in a group",
                        "alert ip [10.0.0.0/8, $FOO] any -> any any (sid:5;)",
                        "$FOO",
                        5,
                        "undefined variable $FOO"),
                reject(
                        "undefined ip set reference",
                        "alert ip @NOPE any -> any any (sid:5;)",
                        "@NOPE",
                        5,
                        "undefined IP set reference @NOPE"),
                reject(
                        "port set as address",
                        "alert ip $HTTP_PORTS any -> any any (sid:5;)",
                        "$HTTP_PORTS",
                        5,
                        "$HTTP_PORTS is a port set and cannot be used as an address"),
                reject(
                        "negated any",
                        "alert ip !any any -> any any (sid:5;)",
                        "!any",
                        5,
                        "address group '!any' matches no address"),
                reject(
                        "missing bracket",
                        "alert ip [10.0.0.0/8,1.2.3.4 any -> any any (sid:5;)",
                        "[10",
                        5,
                        "missing ']' in address group"),
                reject("empty group", "alert ip [] any -> any any (sid:5;)", "]", 5, "empty address group '[]'"),
                reject(
                        "bad hex digit",
                        TCP + "(content:\"|4g|\"; sid:5;)",
                        "content",
                        5,
                        "bad |hex| in content: 'g' is not a hex digit"),
                reject(
                        "odd hex digits",
                        TCP + "(content:\"|414|\"; sid:5;)",
                        "content",
                        5,
                        "bad |hex| in content: odd number of hex digits"),
                reject(
                        "unterminated hex",
                        TCP + "(content:\"|41\"; sid:5;)",
                        "content",
                        5,
                        "bad |hex| in content: missing closing '|'"),
                reject(
                        "bad escape",
                        TCP + "(content:\"\\x41\"; sid:5;)",
                        "content",
                        5,
                        "bad escape in content: only \\\" \\\\ \\; \\: \\| are allowed"),
                reject("empty content", TCP + "(content:\"\"; sid:5;)", "content", 5, "content is empty"),
                reject(
                        "unquoted content",
                        TCP + "(content:abc; sid:5;)",
                        "content",
                        5,
                        "'content' needs a double-quoted value"),
                reject(
                        "sctp",
                        "alert sctp any any -> any any (sid:5;)",
                        "sctp",
                        5,
                        "protocol 'sctp' is not supported by AWS Network Firewall"),
                reject(
                        "quic header",
                        "alert quic any any -> any any (sid:5;)",
                        "quic",
                        5,
                        "protocol 'quic' is not supported by AWS Network Firewall"),
                reject(
                        "modbus header",
                        "alert modbus any any -> any any (sid:5;)",
                        "modbus",
                        5,
                        "protocol 'modbus' is not supported by this appliance"),
                reject("unknown protocol", "alert foo any any -> any any (sid:5;)", "foo", 5, "unknown protocol 'foo'"),
                reject(
                        "reverse direction",
                        "alert ip any any <- any any (sid:5;)",
                        "<-",
                        5,
                        "unsupported direction '<-' (expected '->' or '<>')"),
                reject(
                        "legacy http_host",
                        TCP + "(content:\"a.com\"; http_host; sid:5;)",
                        "http_host",
                        5,
                        "legacy content modifier 'http_host' is not supported: select the sticky buffer 'http.host;'"
                                + " before the content"),
                reject(
                        "uricontent",
                        TCP + "(uricontent:\"/a\"; sid:5;)",
                        "uricontent",
                        5,
                        "legacy keyword 'uricontent' is not supported: use 'http.uri; content:...;'"),
                reject(
                        "pcre buffer flag",
                        HTTP + "(content:\"a\"; pcre:\"/a/U\"; sid:5;)",
                        "pcre",
                        5,
                        "pcre flag 'U' is not supported: select the sticky buffer 'http.uri;' before the pcre"),
                reject(
                        "unknown pcre flag",
                        TCP + "(content:\"a\"; pcre:\"/a/q\"; sid:5;)",
                        "pcre",
                        5,
                        "unknown pcre flag 'q'"),
                reject(
                        "pcre without slashes",
                        TCP + "(content:\"a\"; pcre:\"a\"; sid:5;)",
                        "pcre",
                        5,
                        "pcre must look like \"/regex/flags\""),
                reject(
                        "transform without buffer",
                        TCP + "(dotprefix; content:\"a\"; sid:5;)",
                        "dotprefix",
                        5,
                        "'dotprefix' needs a sticky buffer before it"),
                reject(
                        "transform after content",
                        TLS + "(tls.sni; content:\"a\"; dotprefix; sid:5;)",
                        "dotprefix",
                        5,
                        "'dotprefix' must directly follow the sticky buffer 'tls.sni' (before its content)"),
                reject(
                        "tls buffer in http rule",
                        HTTP + "(tls.sni; content:\"a\"; sid:5;)",
                        "tls.sni",
                        5,
                        "'tls.sni' is a tls keyword and cannot be used in a http rule"),
                reject(
                        "tls buffer in udp rule",
                        "alert udp any any -> any any (tls.sni; content:\"a\"; sid:5;)",
                        "tls.sni",
                        5,
                        "'tls.sni' is a tls keyword and cannot be used in a udp rule"),
                reject(
                        "mixed app protocols",
                        TCP + "(tls.sni; content:\"a\"; dns.query; content:\"b\"; sid:5;)",
                        "dns.query",
                        5,
                        "'dns.query' is a dns keyword and cannot be combined with 'tls.sni' (tls) in one rule"),
                reject(
                        "to_client buffer with to_server flow",
                        TLS + "(flow:to_server; tls.cert_subject; content:\"CN=x\"; sid:5;)",
                        "flow",
                        5,
                        "'tls.cert_subject' is only inspected to_client and cannot be used with flow:to_server"),
                reject(
                        "mixed buffer directions",
                        TLS + "(tls.sni; content:\"a\"; tls.cert_subject; content:\"b\"; sid:5;)",
                        "tls.cert_subject",
                        5,
                        "'tls.cert_subject' (to_client) cannot be combined with 'tls.sni' (to_server) in one rule"),
                reject(
                        "depth shorter than content",
                        TCP + "(content:\"abcde\"; depth:3; sid:5;)",
                        "depth",
                        5,
                        "depth 3 is shorter than the content (5 bytes)"),
                reject(
                        "within shorter than content",
                        TCP + "(content:\"a\"; content:\"bcd\"; within:2; sid:5;)",
                        "within",
                        5,
                        "within 2 is shorter than the content (3 bytes)"),
                reject(
                        "depth with distance",
                        TCP + "(content:\"a\"; content:\"b\"; distance:1; depth:5; sid:5;)",
                        "depth",
                        5,
                        "'depth' cannot be combined with distance or within on the same content"),
                reject(
                        "startswith with depth",
                        TCP + "(content:\"a\"; depth:5; startswith; sid:5;)",
                        "startswith",
                        5,
                        "'startswith' cannot be combined with depth, offset, distance or within"),
                reject(
                        "nocase without content",
                        TCP + "(nocase; sid:5;)",
                        "nocase",
                        5,
                        "'nocase' needs a content before it in the same buffer"),
                reject(
                        "nocase after pcre",
                        TCP + "(content:\"a\"; pcre:\"/b/\"; nocase; sid:5;)",
                        "nocase",
                        5,
                        "'nocase' must directly follow the content it modifies, not a pcre"),
                reject(
                        "nocase twice",
                        TCP + "(content:\"a\"; nocase; nocase; sid:5;)",
                        "nocase; s",
                        5,
                        "'nocase' is already set for this content"),
                reject(
                        "two fast patterns",
                        TCP + "(content:\"a\"; fast_pattern; content:\"b\"; fast_pattern; sid:5;)",
                        "fast_pattern; s",
                        5,
                        "only one content per rule can be fast_pattern"),
                reject(
                        "bsize without buffer",
                        TCP + "(content:\"a\"; bsize:10; sid:5;)",
                        "bsize",
                        5,
                        "'bsize' needs a sticky buffer before it"),
                reject("sid twice", H + "(sid:5; sid:6;)", "sid:6", 5, "'sid' appears more than once"),
                reject(
                        "sid not a number",
                        H + "(sid:abc;)",
                        "sid",
                        0,
                        "'sid' needs a number from 1 to 4294967295, got 'abc'"),
                reject(
                        "conflicting flow",
                        TCP + "(flow:to_server,to_client; sid:5;)",
                        "flow",
                        5,
                        "flow options 'to_server' and 'to_client' conflict"),
                reject(
                        "unknown flow option",
                        TCP + "(flow:sideways; sid:5;)",
                        "flow",
                        5,
                        "unknown flow option 'sideways'"),
                reject(
                        "unknown flowbits command",
                        H + "(flowbits:flip,x; sid:5;)",
                        "flowbits",
                        5,
                        "unknown flowbits command 'flip'"),
                reject("unknown classtype", H + "(classtype:nope; sid:5;)", "classtype", 5, "unknown classtype 'nope'"),
                reject(
                        "bad ja3 hash",
                        TLS + "(ja3.hash; content:\"ABC\"; sid:5;)",
                        "content",
                        5,
                        "content in ja3.hash must be 32 lowercase hex digits (an MD5)"),
                reject(
                        "unknown ssl_state",
                        TLS + "(ssl_state:hello; sid:5;)",
                        "ssl_state",
                        5,
                        "unknown ssl_state 'hello'"),
                reject(
                        "unknown ssl_version",
                        TLS + "(ssl_version:tls2.0; sid:5;)",
                        "ssl_version",
                        5,
                        "unknown ssl_version 'tls2.0'"),
                reject(
                        "tcp flags on udp",
                        "alert udp any any -> any any (flags:S; sid:5;)",
                        "flags",
                        5,
                        "TCP flags can never match in a udp rule"),
                reject("unknown tcp flag", TCP + "(flags:SX; sid:5;)", "flags", 5, "unknown TCP flag 'X' in 'flags'"),
                reject(
                        "quic app-layer-protocol",
                        TCP + "(app-layer-protocol:quic; sid:5;)",
                        "app-layer",
                        5,
                        "app-layer protocol 'quic' is not supported by AWS Network Firewall"),
                reject(
                        "bad dsize",
                        TCP + "(dsize:big; sid:5;)",
                        "dsize",
                        5,
                        "'dsize' needs N, <N, >N, <=N, >=N, !N or A<>B with numbers up to 65535, got 'big'"),
                reject(
                        "empty dsize range",
                        TCP + "(dsize:10<>5; sid:5;)",
                        "dsize",
                        5,
                        "'dsize' range 10<>5 is empty: 10 is not below 5"),
                reject(
                        "sticky buffer with value",
                        TLS + "(tls.sni:\"a\"; sid:5;)",
                        "tls.sni",
                        5,
                        "'tls.sni' is a sticky buffer and takes no value"),
                reject("noalert with value", H + "(noalert:1; sid:5;)", "noalert", 5, "'noalert' takes no value"),
                reject("missing final semicolon", H + "(msg:\"x\"; sid:5)", "sid", 5, "option 'sid' must end with ';'"),
                reject("text after options", H + "(sid:5;) extra", "extra", 5, "unexpected text after ')'"),
                reject(
                        "incomplete header",
                        "alert ip any any -> any (sid:5;)",
                        "(",
                        5,
                        "incomplete rule header: missing destination port"),
                reject(
                        "extra header token",
                        "alert ip any any -> any any any (sid:5;)",
                        "any (",
                        5,
                        "unexpected 'any' in the rule header"),
                reject(
                        "reference without value",
                        H + "(reference:url; sid:5;)",
                        "reference",
                        5,
                        "reference needs 'type,value', got 'url'"),
                reject(
                        "metadata without value",
                        H + "(metadata:lonely; sid:5;)",
                        "metadata",
                        5,
                        "metadata entry 'lonely' needs a key and a value"));
    }

    private static Arguments reject(String behaviour, String rule, String at, long sid, String message) {
        int index = rule.indexOf(at);
        if (index < 0) throw new IllegalArgumentException(at + " not in " + rule);
        return Arguments.of(behaviour, rule, index + 1, sid, message);
    }

    @ParameterizedTest(name = "rejects {0}")
    @MethodSource("rejectedRules")
    void rejectsWithOnePreciseProblem(String behaviour, String rule, int column, long sid, String message) {
        assertThat(problems(rule)).containsExactly(problem(1, column, sid, message));
    }

    @Test
    void rejectsDuplicateSidNamingTheFirstLine() {
        String text = "alert ip any any -> any any (sid:1;)\n" + "alert ip any any -> any any (sid:5;)\n"
                + "alert ip any any -> any any (msg:\"again\"; sid:5;)\n";

        assertThat(problems(text)).containsExactly(problem(3, 43, 5, "duplicate sid 5 (first at line 2)"));
    }

    @Test
    void rejectsPriorityInStrictOrder() {
        assertThat(problems("pass ip any any -> any any (priority:1; sid:9;)", RuleOrder.STRICT_ORDER))
                .containsExactly(problem(1, 29, 9, "priority keyword is not allowed in STRICT_ORDER"));
    }

    @Test
    void rejectsMissingClosingParenthesisAtTheEndOfTheRule() {
        String rule = H + "(msg:\"x\"; sid:5;";

        assertThat(problems(rule))
                .containsExactly(
                        problem(1, rule.length() + 1, 5, "unbalanced parentheses: the rule options must end with ')'"));
    }

    @Test
    void rejectsRuleWithoutOptions() {
        String rule = "alert ip any any -> any any";

        assertThat(problems(rule))
                .containsExactly(
                        problem(1, rule.length() + 1, 0, "missing rule options: expected '(' after the header"));
    }

    @Test
    void pointsIntoContinuationLines() {
        String text = "alert ip any any -> any any \\\n  (msg:\"x\"; \\\n   bogus; sid:3;)";

        assertThat(problems(text)).containsExactly(problem(3, 4, 3, "unknown keyword 'bogus'"));
    }

    @Test
    void pointsAtTheVariableWhenItsDefinitionIsBroken() {
        RuleVariables broken = new RuleVariables(
                java.util.Map.of("LOOP", java.util.List.of("$LOOP"), "BAD", java.util.List.of("10.0.0/8")),
                java.util.Map.of());
        SuricataRuleParser parser = new SuricataRuleParser(broken, RuleOrder.DEFAULT_ACTION_ORDER);

        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(
                                org.gwlbinspect.policy.PolicyException.class,
                                () -> parser.parse("alert ip $LOOP any -> $BAD any (sid:1;)", Rules.FILE, Rules.PATH))
                        .problems())
                .containsExactly(
                        problem(1, 10, 1, "in $LOOP: variable $LOOP refers to itself"),
                        problem(1, 23, 1, "in $BAD: bad IPv4 address '10.0.0/8'"));
    }

    @Test
    void reportsEveryProblemOfEveryRule() {
        String text = "alert ip any any -> any any (foo; threshold:x; sid:1;)\n"
                + "drop tcp any any -> any 99999 (sid:2;)\n"
                + "alert ip any any -> any any (sid:3;)\n";

        assertThat(problems(text))
                .extracting(PolicyProblem::line, PolicyProblem::sid, PolicyProblem::message)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, 1L, "unknown keyword 'foo'"),
                        org.assertj.core.groups.Tuple.tuple(
                                1, 1L, "keyword 'threshold' is not supported by AWS Network Firewall"),
                        org.assertj.core.groups.Tuple.tuple(2, 2L, "port 99999 is above 65535"));
    }
}
