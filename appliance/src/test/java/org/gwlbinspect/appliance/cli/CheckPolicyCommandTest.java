package org.gwlbinspect.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckPolicyCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CheckPolicyCommand command = new CheckPolicyCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    private int check(Path file) {
        return command.check(file, PolicyLoadOptions.DEFAULT_HOME_NET, false);
    }

    @Test
    void printsASummaryForAValidRulesFile(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("egress.rules");
        Files.writeString(
                rules,
                "drop tls $HOME_NET any -> $EXTERNAL_NET any (tls.sni; content:\"evil.com\"; nocase; sid:1;)\n"
                        + "alert http any any -> any any (http.uri; content:\"/x\"; pcre:\"/(a)\\1/\"; sid:2;)\n");
        assertThat(check(rules)).isZero();
        String summary = out.toString(StandardCharsets.UTF_8);
        assertThat(summary)
                .startsWith("policy egress OK: 0 stateless group(s) with 0 rule(s), 1 stateful group(s) with 2 rule(s),"
                        + " DEFAULT_ACTION_ORDER, capacity 2, 3 pattern(s) (1 slow), compiled in ")
                .contains("slow pattern (JDK regex behind a Hyperscan prefilter): sid 2 (egress, line 2)");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void warnsOfAStatelessIndexOverItsBudgetAndStillAcceptsThePolicy(@TempDir Path dir) throws Exception {
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            rules.add("""
                    {"Priority": %d, "RuleDefinition": {"MatchAttributes": {"Protocols": [6],
                      "Destinations": [{"AddressDefinition": "198.51.100.%d/32"}]}, "Actions": ["aws:drop"]}}""".formatted(i + 1, i));
        }
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, """
                {"FirewallPolicyResponse": {"FirewallPolicyName": "many-rules"},
                 "FirewallPolicy": {
                  "StatelessRuleGroupReferences": [{"ResourceArn": "arn:aws:network-firewall:us-east-1:1:stateless-rulegroup/many", "Priority": 1}],
                  "StatelessDefaultActions": ["aws:forward_to_sfe"],
                  "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"]},
                 "RuleGroups": [{"RuleGroup": {"RulesSource": {"StatelessRulesAndCustomActions": {
                    "StatelessRules": [%s]}}},
                   "RuleGroupResponse": {"RuleGroupArn": "arn:aws:network-firewall:us-east-1:1:stateless-rulegroup/many",
                     "RuleGroupName": "many", "Type": "STATELESS", "Capacity": 100}}]}
                """.formatted(String.join(",\n", rules)));
        CheckPolicyCommand small = new CheckPolicyCommand(
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                64);

        // --quiet prints problems only, and this warning too: the policy ships, but runs slower than it could.
        assertThat(small.check(policy, PolicyLoadOptions.DEFAULT_HOME_NET, true))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .matches("warning: policy many-rules: the index of its 20 stateless rules would take \\d+ bytes, over"
                        + " its budget of 64 bytes, so every packet tries the stateless rules one by one and their"
                        + " cost grows with the rule count \\(docs/performance.md, \"The stateless engine's index\"\\)"
                        + "\\R");

        // With the appliance's budget the same policy is indexed and nothing is said.
        err.reset();
        assertThat(command.check(policy, PolicyLoadOptions.DEFAULT_HOME_NET, true))
                .isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void printsEveryProblemWithLineColumnAndSid(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("bad.rules");
        Files.writeString(
                rules,
                "alert tcp any any -> any 80 (content:\"a\"; threshold: type limit, track by_src, count 1, seconds 60;"
                        + " sid:1;)\n"
                        + "pass http any any -> any any (http.host; content:\"Example.com\"; sid:3;)\n");
        assertThat(check(rules)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(rules + ": line 1:43: sid 1: keyword 'threshold' is not supported by AWS Network Firewall")
                .contains(rules + ": line 2:42: sid 3: uppercase content in http.host can never match")
                .contains("2 problem(s); the policy was not accepted");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void acceptsResolvedDomainRulesAndRejectsTheirMisuseWithLineAndColumn(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("ssh.rules");
        Files.writeString(
                good,
                "pass tcp $HOME_NET any -> any 22 (msg:\"ssh to github\"; resolved.domain:\".github.com\";"
                        + " flow:to_server; sid:1;)\n"
                        + "pass tls $HOME_NET any -> any any (tls.sni; content:\"github.com\"; endswith;"
                        + " destination_binding:enforce; sid:2;)\n");
        assertThat(check(good)).isZero();

        Path bad = dir.resolve("bad-ssh.rules");
        Files.writeString(
                bad,
                "pass tcp $HOME_NET any -> any 22 (resolved.domain:!\"github.com\"; sid:1;)\n"
                        + "pass tcp $HOME_NET any -> any 22 (resolved.domain; content:\"github.com\"; sid:2;)\n"
                        + "pass tcp $HOME_NET any -> any 22 (destination_binding:enforce; sid:3;)\n");
        assertThat(check(bad)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(bad + ": line 1:35: sid 1: 'resolved.domain' cannot be negated: a flow whose destination was"
                        + " never resolved would match it")
                .contains(bad + ": line 2:35: sid 2: 'resolved.domain' takes a quoted domain such as \"example.com\""
                        + " or \".example.com\"; it is not a sticky buffer")
                .contains(bad + ": line 3:35: sid 3: destination_binding applies to pass rules that match tls.sni or"
                        + " http.host")
                .contains("3 problem(s); the policy was not accepted");
    }

    @Test
    void reportsJsonPathsOfABrokenBundle(@TempDir Path dir) throws Exception {
        Path bundle = dir.resolve("policy.json");
        Files.writeString(bundle, "{\"FirewallPolicy\": {\"StatelessDefaultActions\": [\"aws:pass\", \"aws:drop\"]}}");
        assertThat(check(bundle)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("$.FirewallPolicy.StatelessDefaultActions[1]")
                .contains("more than one standard action")
                .contains("$.FirewallPolicy.StatelessFragmentDefaultActions");
    }

    @Test
    void checksALoneRuleGroupInsideAPolicyOfItsOwn(@TempDir Path dir) throws Exception {
        // One describe-rule-group output, as suggest-allowlist writes it; strict order generates no drop rules.
        String group = """
                {"RuleGroup": {"RulesSource": {"RulesSourceList": {"Targets": [%s],
                   "TargetTypes": ["TLS_SNI", "HTTP_HOST"], "GeneratedRulesType": "ALLOWLIST"}},
                   "StatefulRuleOptions": {"RuleOrder": "STRICT_ORDER"}},
                 "RuleGroupResponse": {"RuleGroupArn": "arn:aws:network-firewall:eu-west-1:123456789012:stateful-rulegroup/names",
                   "RuleGroupName": "names", "Type": "STATEFUL", "Capacity": 100}}
                """;
        Path good = Files.writeString(dir.resolve("group.json"), group.formatted("\".example.co.uk\""));
        assertThat(check(good)).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .startsWith(good + ": one rule group (describe-rule-group output), checked in a policy of its own:")
                .contains("1 stateful group(s) with 2 rule(s), STRICT_ORDER");
        Path bad = Files.writeString(dir.resolve("bad-group.json"), group.formatted("\"bad name.com\""));
        assertThat(check(bad)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'bad name.com' is not a domain name");
    }

    @Test
    void unreadableFileIsAProblemNotACrash(@TempDir Path dir) {
        assertThat(check(dir.resolve("missing.rules"))).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.rules");
    }

    @Test
    void everyExamplePolicyInTheRepositoryCompiles() throws Exception {
        // The README tells users to start from examples/policies: they must stay valid.
        try (var files = Files.list(Path.of("..", "examples", "policies"))) {
            List<Path> examples = files.sorted().toList();
            assertThat(examples).hasSizeGreaterThanOrEqualTo(4);
            for (Path example : examples) {
                assertThat(check(example)).as("%s: %s", example, err).isZero();
            }
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("policy egress-strict OK");
    }
}
