package org.gwlbinspect.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCompilerTest {
    private final PolicyCompiler compiler = new PolicyCompiler(PolicyLoadOptions.defaults());

    private static List<Long> sids(CompiledPolicy policy) {
        return policy.rules().stream().map(r -> r.signature().sid()).toList();
    }

    @Test
    void actionOrderEvaluatesPassThenDropThenRejectThenAlertThenPriority(@TempDir Path dir) throws Exception {
        // policy.md §2.3: with DEFAULT_ACTION_ORDER the file order does not matter.
        Path rules = dir.resolve("mixed.rules");
        Files.writeString(
                rules,
                String.join(
                        "\n",
                        "alert tcp any any -> any any (msg:\"a\"; sid:1;)",
                        "reject tcp any any -> any 25 (sid:2;)",
                        "drop tcp any any -> any 23 (priority:5; sid:3;)",
                        "pass tcp any any -> any 443 (sid:4;)",
                        "drop tcp any any -> any 22 (priority:2; sid:5;)",
                        "drop tcp any any -> any 21 (sid:6;)"));
        CompiledPolicy policy = compiler.compile(rules);
        assertThat(sids(policy)).containsExactly(4L, 5L, 3L, 6L, 2L, 1L);
    }

    @Test
    void strictOrderKeepsGroupPriorityThenRulePosition() throws Exception {
        Path bundle = Path.of(
                getClass().getResource("/policy/egress-strict-allowlist.json").toURI());
        CompiledPolicy policy = compiler.compile(bundle);
        assertThat(policy.ruleOrder()).isEqualTo(org.gwlbinspect.policy.RuleOrder.STRICT_ORDER);
        List<Integer> lines =
                policy.rules().stream().map(r -> r.signature().line()).toList();
        // Within each group rules keep their written order.
        String previousGroup = null;
        int previousLine = 0;
        for (int i = 0; i < policy.rules().size(); i++) {
            String group = policy.rules().get(i).groupName();
            if (group.equals(previousGroup)) assertThat(lines.get(i)).isGreaterThan(previousLine);
            previousGroup = group;
            previousLine = lines.get(i);
        }
    }

    @Test
    void everyContentAndPcreBecomesAPatternOwnedByItsRule(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("p.rules");
        Files.writeString(
                rules,
                "drop http any any -> any any (http.host; content:\"evil.com\"; http.uri; content:\"/a\";"
                        + " pcre:\"/(x)\\1/\"; sid:10;)\n"
                        + "alert tls any any -> any any (tls.sni; content:\"b.example\"; nocase; sid:11;)\n");
        CompiledPolicy policy = compiler.compile(rules);
        assertThat(policy.patterns().patternCount()).isEqualTo(4);
        assertThat(policy.patternOwners()).containsExactly(0, 0, 0, 1);
        assertThat(policy.slowPatterns()).singleElement().asString().startsWith("sid 10 (p, line 1): pcre:");
        policy.patterns().close();
    }

    @Test
    void reportsParserProblemsOfEveryGroupAtTheirPlaceInTheFile(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("bad.rules");
        Files.writeString(rules, "drop tcp any any -> any any (sid:1;)\nfoo tcp any any -> any any (sid:2;)\n");
        assertThatThrownBy(() -> compiler.compile(rules))
                .isInstanceOf(PolicyException.class)
                .satisfies(e -> assertThat(((PolicyException) e).problems())
                        .singleElement()
                        .satisfies(p -> {
                            assertThat(p.file()).isEqualTo(rules.toString());
                            assertThat(p.line()).isEqualTo(2);
                            assertThat(p.message()).contains("foo");
                        }));
    }
}
