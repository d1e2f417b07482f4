package org.gwlbinspect.detect;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.gwlbinspect.detect.CompiledPolicy.CompiledRule;
import org.gwlbinspect.detect.engine.PrefilterPatterns;
import org.gwlbinspect.detect.engine.RuleEvaluator;
import org.gwlbinspect.detect.match.CompiledPatterns;
import org.gwlbinspect.detect.match.PatternCompileException;
import org.gwlbinspect.detect.match.PatternSet;
import org.gwlbinspect.detect.match.PcreFlag;
import org.gwlbinspect.policy.FirewallPolicy;
import org.gwlbinspect.policy.PolicyBundleLoader;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.PolicyProblem;
import org.gwlbinspect.policy.RuleOrder;
import org.gwlbinspect.policy.StatefulRuleGroup;
import org.gwlbinspect.policy.stateless.StatelessEngine;

/**
 * Turns a policy file (NFW bundle, {@code *.rules} or domain list) into a {@link CompiledPolicy}, off the data path:
 * load and validate the NFW model, parse every stateful group's Suricata text, order the rules as the policy's rule
 * order says, and compile all patterns into Hyperscan databases. Every problem of every stage is collected and
 * reported together, each pointing at the user's file.
 */
public final class PolicyCompiler {
    private final PolicyLoadOptions options;
    private final long statelessIndexBudgetBytes;

    public PolicyCompiler(PolicyLoadOptions options) {
        this(options, StatelessEngine.INDEX_BUDGET_BYTES);
    }

    /**
     * A compiler whose stateless engines get another index budget than {@link StatelessEngine#INDEX_BUDGET_BYTES}:
     * for tests of what is reported when a policy's index does not fit.
     */
    public PolicyCompiler(PolicyLoadOptions options, long statelessIndexBudgetBytes) {
        this.options = options;
        this.statelessIndexBudgetBytes = statelessIndexBudgetBytes;
    }

    public CompiledPolicy compile(Path file) throws IOException, PolicyException {
        long start = System.nanoTime();
        FirewallPolicy policy = new PolicyBundleLoader(options).load(file);
        RuleOrder order = policy.engineOptions().ruleOrder();
        List<PolicyProblem> problems = new ArrayList<>();
        List<CompiledRule> rules = new ArrayList<>();
        for (StatefulRuleGroup group : policy.statefulGroups()) {
            SuricataRuleParser parser = new SuricataRuleParser(group.variables(), order);
            try {
                for (Signature signature : parser.parse(
                        group.rules().text(),
                        group.rules().file(),
                        group.rules().jsonPath())) {
                    rules.add(new CompiledRule(signature, group.name(), group.arn()));
                }
            } catch (PolicyException e) {
                // The parser knows lines of the Suricata text; the group knows where each came from in the file.
                for (PolicyProblem p : e.problems())
                    problems.add(group.rules().problemAt(p.line(), p.column(), p.sid(), p.message()));
            }
        }
        if (!problems.isEmpty()) throw new PolicyException(problems);
        if (order == RuleOrder.DEFAULT_ACTION_ORDER) rules.sort(ACTION_ORDER);

        PatternSet patterns = new PatternSet();
        List<Integer> owners = new ArrayList<>();
        List<String> descriptions = new ArrayList<>();
        for (int r = 0; r < rules.size(); r++) {
            for (BufferInspection inspection : rules.get(r).signature().inspections()) {
                int bufferId = inspection.buffer().ordinal();
                for (BufferMatch match : inspection.matches()) {
                    int id = owners.size();
                    if (match instanceof ContentMatch content) {
                        patterns.addLiteral(id, bufferId, content.pattern(), content.nocase());
                    } else if (match instanceof PcreMatch pcre) {
                        patterns.addPcre(id, bufferId, pcre.regex(), pcreFlags(pcre));
                    } else {
                        continue;
                    }
                    owners.add(r);
                    descriptions.add(describe(rules.get(r), match));
                }
            }
        }
        CompiledPatterns compiled;
        try {
            compiled = patterns.compile();
        } catch (PatternCompileException e) {
            int owner = e.patternId() >= 0 && e.patternId() < owners.size() ? owners.get(e.patternId()) : -1;
            long sid = owner >= 0 ? rules.get(owner).signature().sid() : 0;
            throw new PolicyException(List.of(new PolicyProblem(
                    policy.file(),
                    null,
                    owner >= 0 ? rules.get(owner).signature().line() : 0,
                    0,
                    sid,
                    e.getMessage())));
        }
        List<String> slow = new ArrayList<>();
        for (int id : compiled.slowPatterns()) slow.add(descriptions.get(id));
        int[] ownerArray = owners.stream().mapToInt(Integer::intValue).toArray();
        PrefilterPatterns prefilter;
        try {
            prefilter = PrefilterPatterns.build(rules, ownerArray);
        } catch (PatternCompileException e) { // its literals all compiled in the full set above: not expected
            compiled.close();
            throw new PolicyException(List.of(new PolicyProblem(policy.file(), null, 0, 0, 0, e.getMessage())));
        }
        CompiledPolicy result = new CompiledPolicy(
                policy,
                StatelessEngine.compile(policy, statelessIndexBudgetBytes),
                List.copyOf(rules),
                compiled,
                ownerArray,
                prefilter,
                List.copyOf(slow),
                System.nanoTime() - start);
        try {
            // The workers build their evaluators from this policy: whatever it cannot run is a load error here, never
            // a surprise on the data path.
            new RuleEvaluator(result).close();
        } catch (IllegalArgumentException e) {
            compiled.close();
            prefilter.close();
            throw new PolicyException(List.of(new PolicyProblem(policy.file(), null, 0, 0, 0, e.getMessage())));
        }
        return result;
    }

    /**
     * DEFAULT_ACTION_ORDER (policy.md §2.3): pass, drop, reject, alert; then the {@code priority} keyword (lower
     * first; rules without it after those with it); then the order written. The sort is stable.
     */
    static final Comparator<CompiledRule> ACTION_ORDER = Comparator.<CompiledRule>comparingInt(
                    r -> r.signature().action().ordinal())
            .thenComparingInt(r -> r.signature().priority() == 0
                    ? Integer.MAX_VALUE
                    : r.signature().priority());

    private static Set<PcreFlag> pcreFlags(PcreMatch pcre) {
        StringBuilder letters = new StringBuilder();
        // Only the flags that change what matches go to Hyperscan; anchoring/relative flags are checked by the engine.
        for (PcreMatch.Flag flag : pcre.flags()) {
            char letter = flag.letter();
            if ("ismx".indexOf(letter) >= 0) letters.append(letter);
        }
        return PcreFlag.parse(letters.toString());
    }

    private static String describe(CompiledRule rule, BufferMatch match) {
        String text = match instanceof PcreMatch pcre ? "pcre:\"/" + pcre.regex() + "/\"" : match.toString();
        return "sid " + rule.signature().sid() + " (" + rule.groupName() + ", line "
                + rule.signature().line() + "): " + text;
    }
}
