package org.gwlbinspect.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.gwlbinspect.detect.SuricataRuleParser;
import org.gwlbinspect.policy.stateless.StatelessEngine;

/**
 * Jazzer fuzz test of policy bundle loading (describe-firewall-policy JSON plus its rule groups, policy.md §1): any
 * text either loads or is refused with a {@link PolicyException} listing at least one problem; any other exception
 * is a bug, as it would stop a reload with no useful message. A loaded policy must also go through the later stages
 * the compiler runs on it without surprises: the stateless engine compiles, and each group's rules text (rendered
 * from {@code StatefulRules} or a domain list, or given as {@code RulesString}) parses or reports problems that map
 * back into the file. Under Surefire it replays {@code PolicyBundleLoaderFuzzTestInputs/}; {@code JAZZER_FUZZ=1}
 * fuzzes (docs/security.md).
 */
class PolicyBundleLoaderFuzzTest {
    private final PolicyBundleLoader loader = new PolicyBundleLoader(PolicyLoadOptions.defaults());

    @FuzzTest(maxDuration = "2m")
    @DictionaryFile(resourcePath = "/org/gwlbinspect/policy/PolicyBundleLoaderFuzzTest.dict")
    void loadsAnyBundleOrReportsItsProblems(byte[] input) {
        String json = new String(input, StandardCharsets.UTF_8);
        FirewallPolicy policy;
        try {
            policy = loader.loadBundle("fuzz.json", json);
        } catch (PolicyException refused) {
            assertThat(refused.problems()).isNotEmpty().allSatisfy(p -> assertThat(p.message())
                    .isNotBlank());
            return;
        }
        assertThat(policy).isNotNull();
        assertThat(StatelessEngine.compile(policy)).isNotNull();
        for (StatefulRuleGroup group : policy.statefulGroups()) {
            SuricataRuleParser parser = new SuricataRuleParser(
                    group.variables(), policy.engineOptions().ruleOrder());
            try {
                parser.parse(
                        group.rules().text(),
                        group.rules().file(),
                        group.rules().jsonPath());
            } catch (PolicyException refused) {
                assertThat(refused.problems()).isNotEmpty();
                for (PolicyProblem p : refused.problems()) {
                    assertThat(group.rules().problemAt(p.line(), p.column(), p.sid(), p.message()))
                            .isNotNull();
                }
            }
        }
    }
}
