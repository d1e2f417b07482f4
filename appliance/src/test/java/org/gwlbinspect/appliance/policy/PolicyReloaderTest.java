package org.gwlbinspect.appliance.policy;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.stateless.StatelessEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** What a policy load reports beyond success: the stateless index that did not fit its budget. */
class PolicyReloaderTest {
    /** Too small for the index of 20 rules with a /32 destination each (about 22 distinct sets of one word). */
    private static final long SMALL_BUDGET = 64;

    private final Logger logger = (Logger) LoggerFactory.getLogger(PolicyReloader.class);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
    }

    @Test
    void warnsOnceAtEachLoadAndGaugesTheStatelessIndexOverItsBudget(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.json");
        Files.writeString(file, statelessPolicy(20));
        PolicyCompiler compiler = new PolicyCompiler(PolicyLoadOptions.defaults(), SMALL_BUDGET);

        CompiledPolicy first = PolicyReloader.loadAtStart(file, compiler);
        long needed = first.stateless().indexBytes();
        assertThat(first.stateless().indexOverBudget()).isTrue();
        assertThat(needed).isGreaterThan(SMALL_BUDGET);
        assertThat(warnings())
                .containsExactly("policy many-rules: the index of its 20 stateless rules would take " + needed
                        + " bytes, over its budget of " + SMALL_BUDGET + " bytes, so every packet tries the stateless"
                        + " rules one by one and their cost grows with the rule count (docs/performance.md, \"The"
                        + " stateless engine's index\")");

        ActivePolicy active = new ActivePolicy(first);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PolicyReloader reloader = new PolicyReloader(file, compiler, active, false, registry);
        assertThat(gauge(registry, "appliance.policy.stateless.index.over.budget"))
                .isEqualTo(1);
        assertThat(gauge(registry, "appliance.policy.stateless.index.bytes")).isEqualTo(needed);

        // Too few rules for an index: not a fallback, nothing to warn of.
        Files.writeString(file, statelessPolicy(StatelessEngine.MIN_INDEXED_RULES - 1));
        assertThat(reloader.reload("test").installed()).isTrue();
        assertThat(warnings()).hasSize(1);
        assertThat(gauge(registry, "appliance.policy.stateless.index.over.budget"))
                .isZero();
        assertThat(gauge(registry, "appliance.policy.stateless.index.bytes")).isZero();

        // Over budget again: one more warning, for this load.
        Files.writeString(file, statelessPolicy(20));
        assertThat(reloader.reload("test").installed()).isTrue();
        assertThat(warnings()).hasSize(2);
        assertThat(gauge(registry, "appliance.policy.stateless.index.over.budget"))
                .isEqualTo(1);
    }

    @Test
    void indexWithinItsBudgetIsGaugedWithoutWarning(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.json");
        Files.writeString(file, statelessPolicy(20));
        PolicyCompiler compiler = new PolicyCompiler(PolicyLoadOptions.defaults());
        CompiledPolicy policy = PolicyReloader.loadAtStart(file, compiler);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new PolicyReloader(file, compiler, new ActivePolicy(policy), false, registry);
        assertThat(policy.stateless().indexed()).isTrue();
        assertThat(warnings()).isEmpty();
        assertThat(gauge(registry, "appliance.policy.stateless.index.over.budget"))
                .isZero();
        assertThat(gauge(registry, "appliance.policy.stateless.index.bytes"))
                .isEqualTo(policy.stateless().indexBytes())
                .isPositive();
    }

    private List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (ILoggingEvent event : log.list) {
            if (event.getLevel() == Level.WARN) out.add(event.getFormattedMessage());
        }
        return out;
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).gauge().value();
    }

    /** An NFW bundle with one stateless group of {@code rules} rules, each dropping TCP to its own /32. */
    private static String statelessPolicy(int rules) {
        List<String> definitions = new ArrayList<>();
        for (int i = 0; i < rules; i++) {
            definitions.add("""
                    {"Priority": %d, "RuleDefinition": {"MatchAttributes": {"Protocols": [6],
                      "Destinations": [{"AddressDefinition": "198.51.100.%d/32"}]}, "Actions": ["aws:drop"]}}""".formatted(i + 1, i));
        }
        String group = "arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/many";
        return """
                {"FirewallPolicyResponse": {"FirewallPolicyName": "many-rules",
                  "FirewallPolicyArn": "arn:aws:network-firewall:us-east-1:123456789012:firewall-policy/many-rules"},
                 "FirewallPolicy": {
                  "StatelessRuleGroupReferences": [{"ResourceArn": "%2$s", "Priority": 1}],
                  "StatelessDefaultActions": ["aws:forward_to_sfe"],
                  "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"]},
                 "RuleGroups": [{"RuleGroup": {"RulesSource": {"StatelessRulesAndCustomActions": {
                    "StatelessRules": [%1$s]}}},
                   "RuleGroupResponse": {"RuleGroupArn": "%2$s", "RuleGroupName": "many",
                     "Type": "STATELESS", "Capacity": 100}}]}
                """.formatted(String.join(",\n", definitions), group);
    }
}
