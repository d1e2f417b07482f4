package org.gwlbinspect.appliance.learn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.RuleOrder;

/**
 * The learned rule group and a policy bundle holding it, checked by compiling the bundle exactly as the appliance and
 * {@code check-policy} would: what {@code suggest-allowlist} writes always loads.
 *
 * @param ruleGroup {@code describe-rule-group}'s shape
 * @param bundle the base bundle with the group added, or a new policy around it
 * @param ruleOrder the group's (and bundle's) rule order
 */
public record LearnedPolicy(ObjectNode ruleGroup, ObjectNode bundle, RuleOrder ruleOrder) {
    /**
     * @param base the policy bundle to add the group to (its rule order and account are used), or null for a new
     *     policy in {@code order}
     * @throws IllegalArgumentException when {@code base} is not a policy bundle
     * @throws PolicyException when the bundle does not load (every problem listed)
     */
    public static LearnedPolicy build(
            List<String> targets, String name, RuleOrder order, JsonNode base, String description)
            throws IOException, PolicyException {
        if (base != null && (!base.isObject() || !base.path("FirewallPolicy").isObject())) {
            throw new IllegalArgumentException("not a policy bundle (no FirewallPolicy object)");
        }
        RuleOrder ruleOrder = base == null ? order : RuleGroupDocuments.ruleOrderOf(base);
        String arn = RuleGroupDocuments.groupArn(name, base == null ? null : RuleGroupDocuments.policyArnOf(base));
        ObjectNode group = RuleGroupDocuments.describeRuleGroup(targets, name, arn, ruleOrder, description);
        ObjectNode bundle = base == null
                ? RuleGroupDocuments.newPolicy(group, name + "-policy", ruleOrder)
                : RuleGroupDocuments.withGroup(base, group);
        check(bundle);
        return new LearnedPolicy(group, bundle, ruleOrder);
    }

    private static void check(ObjectNode bundle) throws IOException, PolicyException {
        Path dir = Files.createTempDirectory("suggest-allowlist-");
        Path file = dir.resolve("learned-policy.json");
        try {
            Files.writeString(file, new ObjectMapper().writeValueAsString(bundle), StandardCharsets.UTF_8);
            CompiledPolicy compiled = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(file);
            compiled.close();
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
