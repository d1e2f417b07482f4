package org.gwlbinspect.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.gwlbinspect.policy.DomainListRules.GeneratedRule;
import org.junit.jupiter.api.Test;

/** Golden tests: the generated text must equal what NFW documents (policy.md §2.6) character for character. */
class DomainListRulesTest {
    private static final List<String> TARGETS = List.of(".amazon.com", "example.com");

    private static List<String> texts(List<GeneratedRule> rules) {
        return rules.stream().map(GeneratedRule::text).toList();
    }

    @Test
    void tlsAllowlistMatchesNfwGeneratedRulesInActionOrder() {
        List<GeneratedRule> rules = DomainListRules.generate(
                TARGETS,
                List.of(DomainTargetType.TLS_SNI),
                GeneratedRulesType.ALLOWLIST,
                RuleOrder.DEFAULT_ACTION_ORDER);

        assertThat(texts(rules))
                .containsExactly(
                        "pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni; dotprefix;"
                                + " content:\".amazon.com\"; nocase; endswith; msg:\"matching TLS allowlisted FQDNs\";"
                                + " priority:1; flow:to_server, established; sid:1; rev:1;)",
                        "pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni;"
                                + " content:\"example.com\"; startswith; nocase; endswith; msg:\"matching TLS"
                                + " allowlisted FQDNs\"; priority:1; flow:to_server, established; sid:2; rev:1;)",
                        "drop tls $HOME_NET any -> $EXTERNAL_NET any (msg:\"not matching any TLS allowlisted FQDNs\";"
                                + " priority:1; ssl_state:client_hello; flow:to_server, established; sid:3; rev:1;)");
        assertThat(rules).extracting(GeneratedRule::targetIndex).containsExactly(0, 1, -1);
    }

    @Test
    void httpAllowlistMatchesNfwGeneratedRulesInActionOrder() {
        List<GeneratedRule> rules = DomainListRules.generate(
                TARGETS,
                List.of(DomainTargetType.HTTP_HOST),
                GeneratedRulesType.ALLOWLIST,
                RuleOrder.DEFAULT_ACTION_ORDER);

        assertThat(texts(rules))
                .containsExactly(
                        "pass http $HOME_NET any -> $EXTERNAL_NET any (http.host; dotprefix; content:\".amazon.com\";"
                                + " endswith; msg:\"matching HTTP allowlisted FQDNs\"; priority:1; flow:to_server,"
                                + " established; sid:1; rev:1;)",
                        "pass http $HOME_NET any -> $EXTERNAL_NET any (http.host; content:\"example.com\"; startswith;"
                                + " endswith; msg:\"matching HTTP allowlisted FQDNs\"; priority:1; flow:to_server,"
                                + " established; sid:2; rev:1;)",
                        "drop http $HOME_NET any -> $EXTERNAL_NET any (http.header_names; content:\"|0d 0a|\";"
                                + " startswith; msg:\"not matching any HTTP allowlisted FQDNs\"; priority:1;"
                                + " flow:to_server, established; sid:3; rev:1;)");
    }

    @Test
    void denylistForBothTypesMatchesNfwGeneratedRules() {
        List<GeneratedRule> rules = DomainListRules.generate(
                List.of("evil.com"),
                List.of(DomainTargetType.TLS_SNI, DomainTargetType.HTTP_HOST),
                GeneratedRulesType.DENYLIST,
                RuleOrder.DEFAULT_ACTION_ORDER);

        assertThat(texts(rules))
                .containsExactly(
                        "drop tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni;"
                                + " content:\"evil.com\"; startswith; nocase; endswith; msg:\"matching TLS denylisted"
                                + " FQDNs\"; priority:1; flow:to_server, established; sid:1; rev:1;)",
                        "drop http $HOME_NET any -> $EXTERNAL_NET any (http.host; content:\"evil.com\"; startswith;"
                                + " endswith; msg:\"matching HTTP denylisted FQDNs\"; priority:1; flow:to_server,"
                                + " established; sid:2; rev:1;)");
    }

    @Test
    void allowlistGeneratesPassRulesAndOneDropPerProtocolInActionOrder() {
        List<GeneratedRule> rules = DomainListRules.generate(
                TARGETS,
                List.of(DomainTargetType.TLS_SNI, DomainTargetType.HTTP_HOST),
                GeneratedRulesType.ALLOWLIST,
                RuleOrder.DEFAULT_ACTION_ORDER);

        assertThat(texts(rules))
                .extracting(rule -> rule.substring(0, rule.indexOf(" $HOME_NET")))
                .containsExactly("pass tls", "pass tls", "drop tls", "pass http", "pass http", "drop http");
        assertThat(texts(rules))
                .extracting(rule -> rule.substring(rule.indexOf("sid:")))
                .containsExactly(
                        "sid:1; rev:1;)",
                        "sid:2; rev:1;)",
                        "sid:3; rev:1;)",
                        "sid:4; rev:1;)",
                        "sid:5; rev:1;)",
                        "sid:6; rev:1;)");
        assertThat(DomainListRules.capacity(2, 2, GeneratedRulesType.ALLOWLIST)).isEqualTo(rules.size());
    }

    @Test
    void strictOrderDomainListHasNoGeneratedDropAndNoPriority() {
        List<GeneratedRule> rules = DomainListRules.generate(
                TARGETS, List.of(DomainTargetType.TLS_SNI), GeneratedRulesType.ALLOWLIST, RuleOrder.STRICT_ORDER);

        assertThat(texts(rules))
                .containsExactly(
                        "pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni; dotprefix;"
                                + " content:\".amazon.com\"; nocase; endswith; msg:\"matching TLS allowlisted FQDNs\";"
                                + " flow:to_server, established; sid:1; rev:1;)",
                        "pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni;"
                                + " content:\"example.com\"; startswith; nocase; endswith; msg:\"matching TLS"
                                + " allowlisted FQDNs\"; flow:to_server, established; sid:2; rev:1;)");
    }

    @Test
    void rejectAndAlertListsUseTheirActionWithTheDenylistShape() {
        List<String> reject = texts(DomainListRules.generate(
                List.of("evil.com"),
                List.of(DomainTargetType.TLS_SNI),
                GeneratedRulesType.REJECTLIST,
                RuleOrder.DEFAULT_ACTION_ORDER));
        List<String> alert = texts(DomainListRules.generate(
                List.of("evil.com"),
                List.of(DomainTargetType.HTTP_HOST),
                GeneratedRulesType.ALERTLIST,
                RuleOrder.STRICT_ORDER));

        assertThat(reject)
                .containsExactly("reject tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni;"
                        + " content:\"evil.com\"; startswith; nocase; endswith; msg:\"matching TLS rejectlisted"
                        + " FQDNs\"; priority:1; flow:to_server, established; sid:1; rev:1;)");
        assertThat(alert)
                .containsExactly("alert http $HOME_NET any -> $EXTERNAL_NET any (http.host; content:\"evil.com\";"
                        + " startswith; endswith; msg:\"matching HTTP alertlisted FQDNs\"; flow:to_server,"
                        + " established; sid:1; rev:1;)");
    }
}
