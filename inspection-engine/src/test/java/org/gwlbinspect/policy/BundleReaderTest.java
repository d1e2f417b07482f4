package org.gwlbinspect.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** NFW's validation rules (policy.md §1), each reported with the JSON path of the offending value. */
class BundleReaderTest {
    private static final String ARN = "arn:aws:network-firewall:us-east-1:123456789012:";
    private static final String DEFAULTS =
            "\"StatelessDefaultActions\": [\"aws:forward_to_sfe\"], \"StatelessFragmentDefaultActions\": [\"aws:drop\"]";
    private static final String RULES_STRING =
            "{\"RulesString\": \"pass tls $HOME_NET any -> $EXTERNAL_NET any (sid:1;)\"}";

    private final PolicyBundleLoader loader = new PolicyBundleLoader(PolicyLoadOptions.defaults());

    private static String bundle(String policy, String... groups) {
        return "{\"FirewallPolicy\": {" + policy + "},\n\"RuleGroups\": [" + String.join(",\n", groups) + "]}";
    }

    private static String group(String name, String type, String ruleGroup) {
        String kind = type.equals("STATELESS") ? "stateless" : "stateful";
        return "{\"RuleGroup\": " + ruleGroup + ", \"RuleGroupResponse\": {\"RuleGroupArn\": \"" + ARN + kind
                + "-rulegroup/" + name + "\", \"RuleGroupName\": \"" + name + "\", \"Type\": \"" + type
                + "\", \"Capacity\": 100}}";
    }

    private static String statelessRef(String name, int priority) {
        return "{\"ResourceArn\": \"" + ARN + "stateless-rulegroup/" + name + "\", \"Priority\": " + priority + "}";
    }

    private static String statefulRef(String name, String priority) {
        return "{\"ResourceArn\": \"" + ARN + "stateful-rulegroup/" + name + "\""
                + (priority == null ? "" : ", \"Priority\": " + priority) + "}";
    }

    private static String statelessGroup(String name, String rules, String customActions) {
        return group(
                name,
                "STATELESS",
                "{\"RulesSource\": {\"StatelessRulesAndCustomActions\": {\"StatelessRules\": [" + rules
                        + "], \"CustomActions\": [" + customActions + "]}}}");
    }

    private static String statelessRule(int priority, String match, String actions) {
        return "{\"Priority\": " + priority + ", \"RuleDefinition\": {\"MatchAttributes\": {" + match
                + "}, \"Actions\": [" + actions + "]}}";
    }

    private List<PolicyProblem> problems(String json) {
        PolicyException e = catchThrowableOfType(PolicyException.class, () -> loader.loadBundle("p.json", json));
        assertThat(e).as("expected the bundle to be rejected").isNotNull();
        return e.problems();
    }

    private List<String> paths(String json) {
        return problems(json).stream().map(PolicyProblem::jsonPath).toList();
    }

    @Test
    void reportsEveryProblemWithItsJsonPath() {
        String json = bundle(
                "\"StatelessDefaultActions\": [\"aws:forward_to_sfe\"],"
                        + " \"StatelessRuleGroupReferences\": [" + statelessRef("sl", 10) + ", "
                        + statelessRef("missing", 20) + "],"
                        + " \"StatefulEngineOptions\": {\"FlowTimeouts\": {\"TcpIdleTimeoutSeconds\": 30}}",
                statelessGroup(
                        "sl",
                        statelessRule(1, "\"Sources\": [{\"AddressDefinition\": \"10.0.0.300/8\"}]", "\"aws:pass\"")
                                + ","
                                + statelessRule(
                                        1,
                                        "\"DestinationPorts\": [{\"FromPort\": 90, \"ToPort\": 80}]",
                                        "\"aws:drop\", \"aws:pass\""),
                        ""));

        assertThat(paths(json))
                .containsExactlyInAnyOrder(
                        "$.FirewallPolicy.StatelessFragmentDefaultActions",
                        "$.FirewallPolicy.StatefulEngineOptions.FlowTimeouts.TcpIdleTimeoutSeconds",
                        "$.FirewallPolicy.StatelessRuleGroupReferences[1].ResourceArn",
                        "$.RuleGroups[0].RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[0]"
                                + ".RuleDefinition.MatchAttributes.Sources[0].AddressDefinition",
                        "$.RuleGroups[0].RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[1]"
                                + ".Priority",
                        "$.RuleGroups[0].RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[1]"
                                + ".RuleDefinition.MatchAttributes.DestinationPorts[0]",
                        "$.RuleGroups[0].RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[1]"
                                + ".RuleDefinition.Actions[1]");
    }

    @Test
    void problemCarriesTheLineAndColumnOfTheValueInTheFile() {
        String json = "{\n  \"FirewallPolicy\": {\n    \"StatelessDefaultActions\": [\"aws:forward\"],\n"
                + "    \"StatelessFragmentDefaultActions\": [\"aws:drop\"]\n  }\n}";

        PolicyProblem problem = problems(json).get(0);

        assertThat(problem.jsonPath()).isEqualTo("$.FirewallPolicy.StatelessDefaultActions[0]");
        assertThat(problem.line()).isEqualTo(3);
        assertThat(problem.column()).isEqualTo(33);
        assertThat(problem.message()).contains("unknown action aws:forward");
    }

    @Test
    void missingFieldIsLocatedAtItsParent() {
        String json = "{\n  \"FirewallPolicy\": {\n    \"StatelessDefaultActions\": [\"aws:pass\"]\n  }\n}";

        PolicyProblem problem = problems(json).get(0);

        assertThat(problem.jsonPath()).isEqualTo("$.FirewallPolicy.StatelessFragmentDefaultActions");
        assertThat(problem.line()).isEqualTo(2);
    }

    @Test
    void reportsJsonSyntaxErrorWithItsLine() {
        PolicyProblem problem = problems("{\n  \"FirewallPolicy\": {,\n}").get(0);

        assertThat(problem.line()).isEqualTo(2);
        assertThat(problem.message()).startsWith("not valid JSON");
    }

    @Test
    void statelessDefaultActionsNeedExactlyOneStandardAction() {
        List<PolicyProblem> problems = problems(bundle(
                "\"StatelessDefaultActions\": [\"aws:pass\", \"aws:drop\"], \"StatelessFragmentDefaultActions\": []"));

        assertThat(problems)
                .extracting(PolicyProblem::jsonPath, PolicyProblem::message)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "$.FirewallPolicy.StatelessDefaultActions[1]",
                                "more than one standard action (aws:pass and aws:drop)"),
                        org.assertj.core.groups.Tuple.tuple(
                                "$.FirewallPolicy.StatelessFragmentDefaultActions",
                                "needs exactly one of aws:pass, aws:drop, aws:forward_to_sfe"));
    }

    @Test
    void customActionsMustBeDefinedWhereTheyAreUsed() {
        String json = bundle(
                "\"StatelessDefaultActions\": [\"aws:pass\", \"GroupMetric\"],"
                        + " \"StatelessFragmentDefaultActions\": [\"aws:drop\"],"
                        + " \"StatelessRuleGroupReferences\": [" + statelessRef("sl", 1) + "]",
                statelessGroup(
                        "sl",
                        statelessRule(1, "", "\"aws:pass\", \"GroupMetric\"") + ","
                                + statelessRule(2, "", "\"aws:pass\", \"Nope\""),
                        "{\"ActionName\": \"GroupMetric\", \"ActionDefinition\": {\"PublishMetricAction\":"
                                + " {\"Dimensions\": [{\"Value\": \"g\"}]}}}"));

        assertThat(problems(json))
                .extracting(PolicyProblem::jsonPath)
                .containsExactly(
                        "$.FirewallPolicy.StatelessDefaultActions[1]",
                        "$.RuleGroups[0].RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[1]"
                                + ".RuleDefinition.Actions[1]");
    }

    @Test
    void customActionNeedsAValidNameAndExactlyOneDimension() {
        String json = bundle(DEFAULTS + ", \"StatelessCustomActions\": ["
                + "{\"ActionName\": \"bad-name\", \"ActionDefinition\": {\"PublishMetricAction\":"
                + " {\"Dimensions\": [{\"Value\": \"v\"}]}}},"
                + "{\"ActionName\": \"Two\", \"ActionDefinition\": {\"PublishMetricAction\":"
                + " {\"Dimensions\": [{\"Value\": \"a\"}, {\"Value\": \"b\"}]}}}]");

        assertThat(paths(json))
                .containsExactly(
                        "$.FirewallPolicy.StatelessCustomActions[0].ActionName",
                        "$.FirewallPolicy.StatelessCustomActions[1].ActionDefinition.PublishMetricAction.Dimensions");
    }

    @Test
    void statelessRulePrioritiesAreUniqueInAGroupAndGroupPrioritiesInThePolicy() {
        String json = bundle(
                DEFAULTS + ", \"StatelessRuleGroupReferences\": [" + statelessRef("a", 5) + ", " + statelessRef("b", 5)
                        + "]",
                statelessGroup(
                        "a", statelessRule(3, "", "\"aws:pass\"") + "," + statelessRule(3, "", "\"aws:drop\""), ""),
                statelessGroup("b", statelessRule(1, "", "\"aws:pass\""), ""));

        assertThat(paths(json))
                .containsExactly(
                        "$.FirewallPolicy.StatelessRuleGroupReferences[1].Priority",
                        "$.RuleGroups[0].RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[1]"
                                + ".Priority");
    }

    @Test
    void referenceToAMissingRuleGroupIsReported() {
        List<PolicyProblem> problems =
                problems(bundle(DEFAULTS + ", \"StatefulRuleGroupReferences\": [" + statefulRef("gone", null) + "]"));

        assertThat(problems.get(0).jsonPath()).isEqualTo("$.FirewallPolicy.StatefulRuleGroupReferences[0].ResourceArn");
        assertThat(problems.get(0).message()).contains("no rule group with ARN").contains("stateful-rulegroup/gone");
    }

    @Test
    void statelessReferenceToAStatefulGroupIsATypeMismatch() {
        String json = bundle(
                DEFAULTS + ", \"StatelessRuleGroupReferences\": [{\"ResourceArn\": \"" + ARN
                        + "stateful-rulegroup/sf\", \"Priority\": 1}]",
                group("sf", "STATEFUL", "{\"RulesSource\": " + RULES_STRING + "}"));

        List<PolicyProblem> problems = problems(json);

        assertThat(problems)
                .extracting(PolicyProblem::jsonPath)
                .containsExactly("$.FirewallPolicy.StatelessRuleGroupReferences[0].ResourceArn");
        assertThat(problems.get(0).message()).contains("a stateless reference points to STATEFUL rule group");
    }

    @Test
    void statefulDefaultActionsNeedStrictOrder() {
        assertThat(paths(bundle(DEFAULTS + ", \"StatefulDefaultActions\": [\"aws:drop_established\"]")))
                .containsExactly("$.FirewallPolicy.StatefulDefaultActions");
    }

    @Test
    void atMostOneDropDefaultActionAndEstablishedVariantsAreExclusive() {
        String json = bundle(DEFAULTS
                + ", \"StatefulEngineOptions\": {\"RuleOrder\": \"STRICT_ORDER\"}, \"StatefulDefaultActions\":"
                + " [\"aws:drop_strict\", \"aws:drop_established\", \"aws:alert_established_app_layer\","
                + " \"aws:drop_sometimes\"]");

        assertThat(problems(json))
                .extracting(PolicyProblem::message)
                .containsExactly(
                        "unknown stateful default action aws:drop_sometimes",
                        "at most one drop default action is allowed",
                        "the *_established and *_established_app_layer* default actions cannot be combined");
    }

    @Test
    void groupRuleOrderMustEqualThePolicyRuleOrder() {
        String json = bundle(
                DEFAULTS + ", \"StatefulEngineOptions\": {\"RuleOrder\": \"STRICT_ORDER\"},"
                        + " \"StatefulRuleGroupReferences\": [" + statefulRef("sf", "1") + "]",
                group("sf", "STATEFUL", "{\"RulesSource\": " + RULES_STRING + "}"));

        List<PolicyProblem> problems = problems(json);

        assertThat(problems)
                .extracting(PolicyProblem::jsonPath)
                .containsExactly("$.RuleGroups[0].RuleGroup.StatefulRuleOptions.RuleOrder");
        assertThat(problems.get(0).message())
                .isEqualTo("the rule group's rule order DEFAULT_ACTION_ORDER differs from the policy's STRICT_ORDER");
    }

    @Test
    void strictOrderReferencesNeedUniquePriorities() {
        String strictGroup =
                "{\"RulesSource\": " + RULES_STRING + ", \"StatefulRuleOptions\": {\"RuleOrder\": \"STRICT_ORDER\"}}";
        String json = bundle(
                DEFAULTS + ", \"StatefulEngineOptions\": {\"RuleOrder\": \"STRICT_ORDER\"},"
                        + " \"StatefulRuleGroupReferences\": [" + statefulRef("a", "1") + ", "
                        + statefulRef("b", "1") + ", " + statefulRef("c", null) + "]",
                group("a", "STATEFUL", strictGroup),
                group("b", "STATEFUL", strictGroup),
                group("c", "STATEFUL", strictGroup));

        assertThat(paths(json))
                .containsExactly(
                        "$.FirewallPolicy.StatefulRuleGroupReferences[1].Priority",
                        "$.FirewallPolicy.StatefulRuleGroupReferences[2].Priority");
    }

    @Test
    void rejectsInvalidCidrsPortsAndPortRanges() {
        String json = bundle(
                DEFAULTS + ", \"PolicyVariables\": {\"RuleVariables\": {\"HOME_NET\": {\"Definition\":"
                        + " [\"10.0.0.0/40\"]}}}, \"StatefulRuleGroupReferences\": [" + statefulRef("sf", null) + "]",
                group(
                        "sf",
                        "STATEFUL",
                        "{\"RuleVariables\": {\"IPSets\": {\"SERVERS\": {\"Definition\": [\"2001:db8::zz\"]}},"
                                + " \"PortSets\": {\"WEB\": {\"Definition\": [\"80\", \"70000\", \"90:80\","
                                + " \"http\"]}}}, \"RulesSource\": " + RULES_STRING + "}"));

        assertThat(paths(json))
                .containsExactly(
                        "$.FirewallPolicy.PolicyVariables.RuleVariables.HOME_NET.Definition[0]",
                        "$.RuleGroups[0].RuleGroup.RuleVariables.IPSets.SERVERS.Definition[0]",
                        "$.RuleGroups[0].RuleGroup.RuleVariables.PortSets.WEB.Definition[1]",
                        "$.RuleGroups[0].RuleGroup.RuleVariables.PortSets.WEB.Definition[2]",
                        "$.RuleGroups[0].RuleGroup.RuleVariables.PortSets.WEB.Definition[3]");
    }

    @Test
    void rejectsVariableNamesThatAreNotIdentifiers() {
        String json = bundle(
                DEFAULTS + ", \"StatefulRuleGroupReferences\": [" + statefulRef("sf", null) + "]",
                group(
                        "sf",
                        "STATEFUL",
                        "{\"RuleVariables\": {\"IPSets\": {\"1BAD\": {\"Definition\": [\"10.0.0.0/8\"]},"
                                + " \"with-dash\": {\"Definition\": [\"10.0.0.0/8\"]}}}, \"RulesSource\": "
                                + RULES_STRING + "}"));

        assertThat(paths(json))
                .containsExactly(
                        "$.RuleGroups[0].RuleGroup.RuleVariables.IPSets['1BAD']",
                        "$.RuleGroups[0].RuleGroup.RuleVariables.IPSets['with-dash']");
    }

    @Test
    void rulesSourceNeedsExactlyOneSource() {
        String json = bundle(
                DEFAULTS + ", \"StatefulRuleGroupReferences\": [" + statefulRef("two", null) + ", "
                        + statefulRef("none", null) + "]",
                group("two", "STATEFUL", "{\"RulesSource\": {\"RulesString\": \"\", \"StatefulRules\": []}}"),
                group("none", "STATEFUL", "{\"RulesSource\": {}}"));

        List<PolicyProblem> problems = problems(json);

        assertThat(problems)
                .extracting(PolicyProblem::jsonPath)
                .containsExactly("$.RuleGroups[0].RuleGroup.RulesSource", "$.RuleGroups[1].RuleGroup.RulesSource");
        assertThat(problems.get(0).message()).endsWith("found RulesString, StatefulRules");
        assertThat(problems.get(1).message()).endsWith("found none");
    }

    @Test
    void rejectsInvalidDomainListSettings() {
        String json = bundle(
                DEFAULTS + ", \"StatefulRuleGroupReferences\": [" + statefulRef("dl", null) + "]",
                group(
                        "dl",
                        "STATEFUL",
                        "{\"RulesSource\": {\"RulesSourceList\": {\"Targets\": [\"ok.com\", \"bad\\\"quote.com\"],"
                                + " \"TargetTypes\": [\"TLS_SNI\", \"DNS_QUERY\"], \"GeneratedRulesType\":"
                                + " \"BLOCKLIST\"}}}"));

        assertThat(paths(json))
                .containsExactly(
                        "$.RuleGroups[0].RuleGroup.RulesSource.RulesSourceList.Targets[1]",
                        "$.RuleGroups[0].RuleGroup.RulesSource.RulesSourceList.TargetTypes[1]",
                        "$.RuleGroups[0].RuleGroup.RulesSource.RulesSourceList.GeneratedRulesType");
    }

    @Test
    void rejectsUnknownStreamExceptionPolicyAndRuleOrder() {
        String json = bundle(DEFAULTS
                + ", \"StatefulEngineOptions\": {\"RuleOrder\": \"FILE_ORDER\", \"StreamExceptionPolicy\": \"IGNORE\","
                + " \"FlowTimeouts\": {\"TcpIdleTimeoutSeconds\": 6001}}");

        assertThat(problems(json))
                .extracting(PolicyProblem::message)
                .containsExactly(
                        "unknown value FILE_ORDER; expected one of DEFAULT_ACTION_ORDER, STRICT_ORDER",
                        "unknown value IGNORE; expected one of DROP, CONTINUE, REJECT",
                        "must be from 60 to 6000, got 6001");
    }

    @Test
    void statefulRulesNeedKnownActionProtocolDirectionAndASid() {
        String json = bundle(
                DEFAULTS + ", \"StatefulRuleGroupReferences\": [" + statefulRef("sr", null) + "]",
                group(
                        "sr",
                        "STATEFUL",
                        "{\"RulesSource\": {\"StatefulRules\": [{\"Action\": \"ALLOW\", \"Header\": {\"Protocol\":"
                                + " \"GOPHER\", \"Source\": \"ANY\", \"SourcePort\": \"ANY\", \"Direction\":"
                                + " \"BACKWARD\", \"Destination\": \"ANY\", \"DestinationPort\": \"ANY\"},"
                                + " \"RuleOptions\": [{\"Keyword\": \"msg\", \"Settings\": [\"\\\"x\\\"\"]}]}]}}"));

        String rule = "$.RuleGroups[0].RuleGroup.RulesSource.StatefulRules[0]";
        assertThat(paths(json))
                .containsExactly(
                        rule + ".Action", rule + ".Header.Protocol", rule + ".Header.Direction", rule + ".RuleOptions");
    }

    @Test
    void unresolvedIpSetReferenceIsAProblemOnlyWhenUsed() {
        String references = "\"ReferenceSets\": {\"IPSetReferences\": {\"PL\": {\"ReferenceArn\":"
                + " \"arn:aws:ec2:us-east-1:123456789012:prefix-list/pl-1\"}}}";
        String unused = bundle(
                DEFAULTS + ", \"StatefulRuleGroupReferences\": [" + statefulRef("sf", null) + "]",
                group("sf", "STATEFUL", "{" + references + ", \"RulesSource\": " + RULES_STRING + "}"));
        String used = unused.replace("$EXTERNAL_NET any (sid:1;)", "@PL any (sid:1;)");

        List<PolicyProblem> problems = problems(used);

        assertThat(problems)
                .extracting(PolicyProblem::jsonPath)
                .containsExactly("$.RuleGroups[0].RuleGroup.ReferenceSets.IPSetReferences.PL.ReferenceArn");
        assertThat(problems.get(0).message())
                .isEqualTo("IP set reference @PL (arn:aws:ec2:us-east-1:123456789012:prefix-list/pl-1) cannot be"
                        + " resolved without AWS; define it as an IPSet");
        org.assertj.core.api.Assertions.assertThatCode(() -> loader.loadBundle("p.json", unused))
                .doesNotThrowAnyException();
    }

    @Test
    void policyVariablesOnlyAcceptHomeNet() {
        assertThat(
                        paths(
                                bundle(
                                        DEFAULTS
                                                + ", \"PolicyVariables\": {\"RuleVariables\": {\"SERVERS\": {\"Definition\": [\"10.0.0.0/8\"]}}}")))
                .containsExactly("$.FirewallPolicy.PolicyVariables.RuleVariables.SERVERS");
    }

    @Test
    void tcpFlagsMustNameKnownFlagsWithinTheMasks() {
        String json = bundle(
                DEFAULTS + ", \"StatelessRuleGroupReferences\": [" + statelessRef("sl", 1) + "]",
                statelessGroup(
                        "sl",
                        statelessRule(
                                1,
                                "\"Protocols\": [6], \"TCPFlags\": [{\"Flags\": [\"SYN\", \"XMAS\"]},"
                                        + " {\"Flags\": [\"FIN\"], \"Masks\": [\"SYN\"]}]",
                                "\"aws:drop\""),
                        ""));

        String match = "$.RuleGroups[0].RuleGroup.RulesSource.StatelessRulesAndCustomActions.StatelessRules[0]"
                + ".RuleDefinition.MatchAttributes";
        assertThat(paths(json)).containsExactly(match + ".TCPFlags[0].Flags[1]", match + ".TCPFlags[1].Flags");
    }

    @Test
    void statefulReferenceToAStatelessGroupAndDuplicateDescribeOutputsAreReported() {
        String stateless = statelessGroup("sl", statelessRule(1, "", "\"aws:pass\""), "");
        String json = bundle(
                DEFAULTS + ", \"StatefulRuleGroupReferences\": [{\"ResourceArn\": \"" + ARN
                        + "stateless-rulegroup/sl\"}]",
                stateless,
                stateless);

        assertThat(problems(json))
                .extracting(PolicyProblem::jsonPath, PolicyProblem::message)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "$.RuleGroups[1].RuleGroupResponse.RuleGroupArn",
                                "rule group " + ARN + "stateless-rulegroup/sl appears twice in RuleGroups"),
                        org.assertj.core.groups.Tuple.tuple(
                                "$.FirewallPolicy.StatefulRuleGroupReferences[0].ResourceArn",
                                "a stateful reference points to STATELESS rule group " + ARN
                                        + "stateless-rulegroup/sl"));
    }
}
