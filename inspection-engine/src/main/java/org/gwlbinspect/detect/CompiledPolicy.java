package org.gwlbinspect.detect;

import java.util.List;
import org.gwlbinspect.detect.engine.PrefilterPatterns;
import org.gwlbinspect.detect.match.CompiledPatterns;
import org.gwlbinspect.policy.FirewallPolicy;
import org.gwlbinspect.policy.RuleOrder;
import org.gwlbinspect.policy.stateless.StatelessEngine;

/**
 * A policy ready to run, never modified after it is built (style.md §6: installing a new one is one reference write):
 * the loaded NFW policy, its stateless engine, every stateful rule in evaluation order, and the Hyperscan databases of
 * all content and pcre patterns.
 *
 * @param policy the validated policy as loaded
 * @param stateless the compiled stateless engine
 * @param rules the stateful rules in the order the engine evaluates them (policy.md §2.3 / §2.4)
 * @param patterns one database per sticky buffer for every content and pcre of the rules: proof that Hyperscan compiles
 *     them all, and {@code check-policy}'s pattern counts; packets are scanned with {@code prefilter}
 * @param patternOwners for each pattern id, the index in {@link #rules} of the rule it belongs to
 * @param prefilter each rule's prefilter pattern, deduplicated, and their databases: what the workers scan (its native
 *     memory is freed by its {@code close()} or, when nobody calls it, once the policy is unreachable)
 * @param slowPatterns descriptions of the pcre patterns that run on the JDK regex behind a Hyperscan prefilter
 * @param compileNanos how long loading and compiling took
 */
public record CompiledPolicy(
        FirewallPolicy policy,
        StatelessEngine stateless,
        List<CompiledRule> rules,
        CompiledPatterns patterns,
        int[] patternOwners,
        PrefilterPatterns prefilter,
        List<String> slowPatterns,
        long compileNanos)
        implements AutoCloseable {

    /**
     * One stateful rule with where it came from.
     *
     * @param signature the parsed rule
     * @param groupName the rule group's name ({@code RuleGroupName}, or the file name for shorthands)
     * @param groupArn the rule group's ARN (the {@code aws_metadata.resource_arn} of its log records), or null
     */
    public record CompiledRule(Signature signature, String groupName, String groupArn) {}

    /** Whether forwarded packets need the stateful engine: it has rules or default actions (else it passes all). */
    public boolean hasStatefulEngine() {
        return !rules.isEmpty() || !policy.statefulDefaultActions().isEmpty();
    }

    public RuleOrder ruleOrder() {
        return policy.engineOptions().ruleOrder();
    }

    /** The one-paragraph summary {@code check-policy} prints. */
    public String summary() {
        int statelessRules = policy.statelessGroups().stream()
                .mapToInt(g -> g.rules().size())
                .sum();
        return String.format(
                "policy %s OK: %d stateless group(s) with %d rule(s), %d stateful group(s) with %d rule(s), %s, "
                        + "capacity %d, %d pattern(s) (%d slow), compiled in %d ms",
                policy.name(),
                policy.statelessGroups().size(),
                statelessRules,
                policy.statefulGroups().size(),
                rules.size(),
                ruleOrder(),
                policy.capacity(),
                patterns.patternCount(),
                slowPatterns.size(),
                compileNanos / 1_000_000);
    }

    /**
     * What an operator must be told when the stateless rules are many enough for the index but its bit sets would
     * exceed the budget, so every packet tries them one by one ({@link StatelessEngine#indexOverBudget()}); null when
     * that is not so.
     */
    public String statelessIndexWarning() {
        if (!stateless.indexOverBudget()) return null;
        return String.format(
                "policy %s: the index of its %d stateless rules would take %d bytes, over its budget of %d bytes, so"
                        + " every packet tries the stateless rules one by one and their cost grows with the rule count"
                        + " (docs/performance.md, \"The stateless engine's index\")",
                policy.name(), stateless.rules().size(), stateless.indexBytes(), stateless.indexBudgetBytes());
    }

    /**
     * Frees both pattern databases' native memory now (command-line tools, tests). The appliance does not call it on a
     * reload: a worker may still be scanning with the old policy, whose memory is freed once it is unreachable.
     */
    @Override
    public void close() {
        try {
            patterns.close();
        } finally {
            prefilter.close();
        }
    }
}
