package org.gwlbinspect.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyBundleLoaderTest {
    private static final String PARTNERS_ARN = "arn:aws:ec2:us-east-1:123456789012:prefix-list/pl-0123456789abcdef0";

    private final PolicyBundleLoader loader = new PolicyBundleLoader(PolicyLoadOptions.defaults());

    static Path resource(String name) {
        try {
            return Path.of(
                    PolicyBundleLoaderTest.class.getResource("/policy/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static StatefulRuleGroup group(FirewallPolicy policy, String name) {
        return policy.statefulGroups().stream()
                .filter(g -> g.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void strictOrderBundleKeepsEngineOptionsDefaultsAndOrdersGroupsByPriority() throws Exception {
        FirewallPolicy policy = loader.load(resource("egress-strict-allowlist.json"));

        assertThat(policy.name()).isEqualTo("egress-strict");
        assertThat(policy.arn()).endsWith(":firewall-policy/egress-strict");
        assertThat(policy.engineOptions())
                .isEqualTo(new StatefulEngineOptions(RuleOrder.STRICT_ORDER, StreamExceptionPolicy.REJECT, 600));
        assertThat(policy.statefulDefaultActions())
                .containsExactly(StatefulDefaultAction.DROP_ESTABLISHED, StatefulDefaultAction.ALERT_ESTABLISHED);
        assertThat(policy.statefulGroups())
                .extracting(StatefulRuleGroup::name, StatefulRuleGroup::priority)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("egress-basics", 100),
                        org.assertj.core.groups.Tuple.tuple("egress-domains", 200));
        assertThat(policy.homeNet()).containsExactly("10.100.0.0/16", "10.200.0.0/16");
        assertThat(policy.statelessDefaultActions())
                .isEqualTo(new StatelessActions(StatelessAction.FORWARD_TO_SFE, List.of()));
    }

    @Test
    void strictOrderDomainListHasNoGeneratedDrop() throws Exception {
        StatefulRuleGroup domains = group(loader.load(resource("egress-strict-allowlist.json")), "egress-domains");

        assertThat(domains.sourceKind()).isEqualTo(RulesSourceKind.RULES_SOURCE_LIST);
        assertThat(domains.rules().text().lines())
                .hasSize(4)
                .allMatch(rule -> rule.startsWith("pass "))
                .noneMatch(rule -> rule.contains("priority:1"));
        assertThat(domains.requiredCapacity()).isEqualTo(6); // NFW still counts the drop rules (policy.md §5)
        assertThat(domains.declaredCapacity()).isEqualTo(100);
    }

    @Test
    void statefulRulesRenderOneSuricataRulePerEntry() throws Exception {
        StatefulRuleGroup basics = group(loader.load(resource("egress-strict-allowlist.json")), "egress-basics");

        assertThat(basics.rules().text())
                .isEqualTo("pass dns $HOME_NET any -> $RESOLVERS 53 (msg:\"DNS to the VPC resolver\"; flow:to_server;"
                        + " sid:100;)\n"
                        + "drop tls $HOME_NET any <> $EXTERNAL_NET any (msg:\"TLS 1.0 and 1.1 are not allowed\";"
                        + " ssl_version:tls1.0,tls1.1; sid:101;)");
        assertThat(basics.requiredCapacity()).isEqualTo(2);
        assertThat(basics.variables().ipSets())
                .containsEntry("RESOLVERS", List.of("10.100.0.2/32", "10.200.0.2"))
                .containsEntry("EXTERNAL_NET", List.of("![10.100.0.0/16,10.200.0.0/16]"));
    }

    @Test
    void nfwStatefulRuleExampleRendersWithLowercaseActionProtocolAndAny() {
        String rule = BundleReader.renderStatefulRule(
                "DROP",
                "HTTP",
                "$HOME_NET",
                "ANY",
                "ANY",
                "$EXTERNAL_NET",
                "ANY",
                List.of("msg:\"this is a stateful drop rule\"", "sid:1234"));

        assertThat(rule)
                .isEqualTo("drop http $HOME_NET any <> $EXTERNAL_NET any (msg:\"this is a stateful drop rule\";"
                        + " sid:1234;)");
    }

    @Test
    void problemInAGeneratedRulePointsAtItsStatefulRulesEntry() throws Exception {
        RulesText rules = group(loader.load(resource("egress-strict-allowlist.json")), "egress-basics")
                .rules();

        PolicyProblem problem = rules.problemAt(2, 40, 101, "unknown keyword");

        assertThat(problem.jsonPath()).isEqualTo("$.RuleGroups[1].RuleGroup.RulesSource.StatefulRules[1]");
        assertThat(problem.sid()).isEqualTo(101);
        assertThat(problem.message()).startsWith("unknown keyword (in generated rule: drop tls ");
    }

    @Test
    void problemInARulesStringKeepsTheLineInsideTheString() throws Exception {
        RulesText rules = group(loader.load(resource("ips-action-order.json")), "web-signatures")
                .rules();

        PolicyProblem problem = rules.problemAt(3, 7, 210504, "bad content");

        assertThat(problem)
                .isEqualTo(new PolicyProblem(
                        resource("ips-action-order.json").toString(),
                        "$.RuleGroups[1].RuleGroup.RulesSource.RulesString",
                        3,
                        7,
                        210504,
                        "bad content"));
    }

    @Test
    void actionOrderBundleKeepsReferenceOrderAndResolvesGroupVariables() throws Exception {
        FirewallPolicy policy = loader.load(resource("ips-action-order.json"));
        StatefulRuleGroup signatures = group(policy, "web-signatures");

        assertThat(policy.statefulGroups())
                .extracting(StatefulRuleGroup::name)
                .containsExactly("bad-domains", "web-signatures");
        assertThat(policy.statefulDefaultActions()).isEmpty();
        assertThat(policy.homeNet()).isEqualTo(PolicyLoadOptions.DEFAULT_HOME_NET);
        assertThat(signatures.variables().ipSets())
                .containsEntry("HOME_NET", List.of("172.31.0.0/16"))
                .containsEntry(
                        "EXTERNAL_NET", List.of("![10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,fc00::/7]"))
                .containsEntry("HTTP_SERVERS", List.of("10.0.2.0/24", "10.0.1.19"));
        assertThat(signatures.variables().portSets()).containsEntry("HTTP_PORTS", List.of("80", "8080", "8000:8099"));
        assertThat(signatures.variables().ipSetReferences()).isEmpty(); // @PARTNERS is defined but unused
        assertThat(signatures.requiredCapacity()).isEqualTo(3);
        assertThat(signatures.rules().text()).startsWith("# web server signatures\nalert tcp $EXTERNAL_NET any");
    }

    @Test
    void denylistInActionOrderGeneratesOneRulePerDomainAndProtocol() throws Exception {
        StatefulRuleGroup domains = group(loader.load(resource("ips-action-order.json")), "bad-domains");

        assertThat(domains.rules().text().lines())
                .hasSize(4)
                .allMatch(rule -> rule.startsWith("drop ") && rule.contains("priority:1;"));
        assertThat(domains.rules().problemAt(4, 1, 4, "x").jsonPath())
                .isEqualTo("$.RuleGroups[0].RuleGroup.RulesSource.RulesSourceList.Targets[1]");
    }

    @Test
    void resolvesIpSetReferenceFromTheConfiguredMap() throws Exception {
        PolicyBundleLoader withPrefixList = new PolicyBundleLoader(new PolicyLoadOptions(
                PolicyLoadOptions.DEFAULT_HOME_NET, Map.of(PARTNERS_ARN, List.of("198.51.100.0/24"))));

        StatefulRuleGroup signatures = group(withPrefixList.load(resource("ips-action-order.json")), "web-signatures");

        assertThat(signatures.variables().ipSetReferences())
                .containsExactly(Map.entry("PARTNERS", List.of("198.51.100.0/24")));
    }

    @Test
    void statelessGroupsAndRulesAreSortedByPriorityWithCapacity() throws Exception {
        FirewallPolicy policy = loader.load(resource("stateless-custom-actions.json"));

        assertThat(policy.statelessGroups())
                .extracting(StatelessRuleGroup::name)
                .containsExactly("edge-early", "edge-late");
        StatelessRuleGroup early = policy.statelessGroups().get(0);
        assertThat(early.rules()).extracting(StatelessRule::priority).containsExactly(10, 20);
        assertThat(early.rules().get(0).match().tcpFlags())
                .containsExactly(new TcpFlagsMatch(TcpFlagsMatch.SYN, TcpFlagsMatch.SYN | TcpFlagsMatch.ACK));
        assertThat(early.rules().get(0).capacity()).isEqualTo(4); // 2 sources x 2 destinations
        assertThat(early.requiredCapacity()).isEqualTo(5);
        assertThat(policy.statelessGroups().get(1).requiredCapacity()).isEqualTo(4);
        assertThat(policy.capacity()).isEqualTo(60); // declared 50 + 10
        assertThat(policy.statelessDefaultActions())
                .isEqualTo(new StatelessActions(StatelessAction.FORWARD_TO_SFE, List.of("DefaultCount")));
        assertThat(policy.statelessCustomActions()).containsExactly(new CustomAction("DefaultCount", "default"));
    }

    @Test
    void rulesFileIsOneStatefulGroupWithNfwDefaults() throws Exception {
        FirewallPolicy policy = loader.load(resource("signatures.rules"));

        assertThat(policy.engineOptions()).isEqualTo(StatefulEngineOptions.DEFAULTS);
        assertThat(policy.statelessGroups()).isEmpty();
        assertThat(policy.statelessDefaultActions().standard()).isEqualTo(StatelessAction.FORWARD_TO_SFE);
        assertThat(policy.statelessFragmentDefaultActions().standard()).isEqualTo(StatelessAction.FORWARD_TO_SFE);
        StatefulRuleGroup group = policy.statefulGroups().get(0);
        assertThat(group.name()).isEqualTo("signatures");
        assertThat(group.requiredCapacity()).isEqualTo(2);
        assertThat(group.rules().problemAt(3, 5, 1000002, "x"))
                .isEqualTo(new PolicyProblem(resource("signatures.rules").toString(), null, 3, 5, 1000002, "x"));
        assertThat(group.variables().ipSets()).containsEntry("HOME_NET", PolicyLoadOptions.DEFAULT_HOME_NET);
    }

    @Test
    void domainListFileTakesItsListTypeFromTheSuffixAndInspectsBothProtocols() throws Exception {
        FirewallPolicy policy = loader.load(resource("egress.allowlist.txt"));
        StatefulRuleGroup group = policy.statefulGroups().get(0);

        assertThat(group.name()).isEqualTo("egress");
        assertThat(group.sourceKind()).isEqualTo(RulesSourceKind.RULES_SOURCE_LIST);
        assertThat(group.rules().text().lines())
                .extracting(rule -> rule.substring(0, rule.indexOf(" $HOME_NET")))
                .containsExactly(
                        "pass tls",
                        "pass tls",
                        "pass tls",
                        "drop tls",
                        "pass http",
                        "pass http",
                        "pass http",
                        "drop http");
        assertThat(group.rules().text().lines().skip(1).findFirst().orElseThrow())
                .contains("content:\"github.com\"; startswith; nocase; endswith;");
        assertThat(group.rules().problemAt(2, 1, 2, "x").line()).isEqualTo(3); // github.com is on line 3
        assertThat(group.requiredCapacity()).isEqualTo(8);
    }

    @Test
    void domainListFileReportsEveryBadDomainWithItsLine() {
        PolicyException e = catchThrowableOfType(
                PolicyException.class,
                () -> loader.loadDomainList(
                        "bad.denylist.txt",
                        "ok.example\nbad domain\n# fine\n\"quoted\".com\n",
                        GeneratedRulesType.DENYLIST));

        assertThat(e.problems()).extracting(PolicyProblem::line).containsExactly(2, 4);
        assertThat(e.problems().get(0).message()).contains("not a domain name");
    }

    @Test
    void domainListSuffixesNameTheListType() {
        assertThat(PolicyBundleLoader.domainListType("a.allowlist.txt")).isEqualTo(GeneratedRulesType.ALLOWLIST);
        assertThat(PolicyBundleLoader.domainListType("a.DENYLIST.txt")).isEqualTo(GeneratedRulesType.DENYLIST);
        assertThat(PolicyBundleLoader.domainListType("a.rejectlist.txt")).isEqualTo(GeneratedRulesType.REJECTLIST);
        assertThat(PolicyBundleLoader.domainListType("a.alertlist.txt")).isEqualTo(GeneratedRulesType.ALERTLIST);
        assertThat(PolicyBundleLoader.domainListType("a.txt")).isNull();
    }
}
