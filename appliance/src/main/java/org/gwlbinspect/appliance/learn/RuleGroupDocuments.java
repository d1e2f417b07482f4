package org.gwlbinspect.appliance.learn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.gwlbinspect.policy.DomainListRules;
import org.gwlbinspect.policy.GeneratedRulesType;
import org.gwlbinspect.policy.RuleOrder;

/**
 * The JSON documents {@code suggest-allowlist} writes, in the shapes NFW's API prints (policy.md §1): the learned
 * group as {@code describe-rule-group} prints it (its {@code RuleGroup} object is what {@code create-rule-group
 * --rule-group file://...} takes), and a policy bundle holding it (README "Policies").
 */
public final class RuleGroupDocuments {
    /** NFW's limit on a rule group's Description. */
    static final int MAX_DESCRIPTION = 512;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String PLACEHOLDER_PREFIX = "arn:aws:network-firewall:us-east-1:000000000000:";
    private static final int MAX_PRIORITY = 65535;

    private RuleGroupDocuments() {}

    /**
     * Capacity units to create the group with: twice what the list needs now, at least 100. NFW fixes a group's
     * capacity at creation, and a learned list grows with the next run.
     */
    static int capacityFor(int targets) {
        int needed = DomainListRules.capacity(targets, 2, GeneratedRulesType.ALLOWLIST);
        return Math.max(100, needed <= 15_000 ? needed * 2 : needed);
    }

    /** The ARN of a group named {@code name} in the account and region of {@code policyArn} (a placeholder without). */
    static String groupArn(String name, String policyArn) {
        int type = policyArn == null ? -1 : policyArn.indexOf("firewall-policy/");
        String prefix = type < 0 ? PLACEHOLDER_PREFIX : policyArn.substring(0, type);
        return prefix + "stateful-rulegroup/" + name;
    }

    /** {@code describe-rule-group}'s output for an ALLOWLIST of {@code targets}, TLS SNI and HTTP Host. */
    static ObjectNode describeRuleGroup(
            List<String> targets, String name, String arn, RuleOrder order, String description) {
        ObjectNode list = NODES.objectNode();
        ArrayNode targetArray = list.putArray("Targets");
        targets.forEach(targetArray::add);
        list.putArray("TargetTypes").add("TLS_SNI").add("HTTP_HOST");
        list.put("GeneratedRulesType", "ALLOWLIST");
        ObjectNode ruleGroup = NODES.objectNode();
        ruleGroup.putObject("RulesSource").set("RulesSourceList", list);
        ruleGroup.putObject("StatefulRuleOptions").put("RuleOrder", order.name());
        ObjectNode response = NODES.objectNode();
        response.put("RuleGroupArn", arn);
        response.put("RuleGroupName", name);
        response.put("Type", "STATEFUL");
        response.put("Capacity", capacityFor(targets.size()));
        response.put(
                "Description",
                description.length() <= MAX_DESCRIPTION ? description : description.substring(0, MAX_DESCRIPTION));
        ObjectNode out = NODES.objectNode();
        out.set("RuleGroup", ruleGroup);
        out.set("RuleGroupResponse", response);
        return out;
    }

    /**
     * A new policy bundle around the group: strict order with {@code aws:drop_established} and {@code
     * aws:alert_established} (AWS's recommendation for domain allow-lists: every other established flow is dropped and
     * logged, and the handshake passes so the name can be seen), or action order, where the list's own generated drop
     * rules do that for TLS and HTTP.
     */
    static ObjectNode newPolicy(ObjectNode group, String policyName, RuleOrder order) {
        String groupArn = group.path("RuleGroupResponse").path("RuleGroupArn").asText();
        ObjectNode bundle = NODES.objectNode();
        ObjectNode response = bundle.putObject("FirewallPolicyResponse");
        response.put("FirewallPolicyName", policyName);
        response.put("FirewallPolicyArn", PLACEHOLDER_PREFIX + "firewall-policy/" + policyName);
        ObjectNode policy = bundle.putObject("FirewallPolicy");
        policy.putArray("StatelessRuleGroupReferences");
        policy.putArray("StatelessDefaultActions").add("aws:forward_to_sfe");
        policy.putArray("StatelessFragmentDefaultActions").add("aws:forward_to_sfe");
        ObjectNode reference = policy.putArray("StatefulRuleGroupReferences").addObject();
        reference.put("ResourceArn", groupArn);
        if (order == RuleOrder.STRICT_ORDER) {
            reference.put("Priority", 100);
            policy.putArray("StatefulDefaultActions")
                    .add("aws:drop_established")
                    .add("aws:alert_established");
        }
        policy.putObject("StatefulEngineOptions").put("RuleOrder", order.name());
        bundle.putArray("RuleGroups").add(group);
        return bundle;
    }

    /**
     * Whether {@code root} is one {@code describe-rule-group} output (a {@code RuleGroup} and its {@code
     * RuleGroupResponse}) rather than a policy bundle.
     */
    public static boolean isRuleGroup(JsonNode root) {
        return root.isObject()
                && root.path("RuleGroup").isObject()
                && root.path("RuleGroupResponse").isObject()
                && !root.has("FirewallPolicy");
    }

    /**
     * A policy bundle holding only {@code group}, in the group's own rule order with NFW's defaults (forward
     * everything to the stateful engine, no default actions): what {@code check-policy} compiles a lone rule group in.
     */
    public static ObjectNode policyAround(JsonNode group) {
        String order = group.path("RuleGroup")
                .path("StatefulRuleOptions")
                .path("RuleOrder")
                .asText("");
        boolean strict = RuleOrder.STRICT_ORDER.name().equals(order);
        boolean stateless =
                "STATELESS".equals(group.path("RuleGroupResponse").path("Type").asText(""));
        String arn = group.path("RuleGroupResponse").path("RuleGroupArn").asText("");
        ObjectNode bundle = NODES.objectNode();
        bundle.putObject("FirewallPolicyResponse").put("FirewallPolicyName", "check-rule-group");
        ObjectNode policy = bundle.putObject("FirewallPolicy");
        policy.putArray("StatelessDefaultActions").add("aws:forward_to_sfe");
        policy.putArray("StatelessFragmentDefaultActions").add("aws:forward_to_sfe");
        ObjectNode reference = policy.putArray(
                        stateless ? "StatelessRuleGroupReferences" : "StatefulRuleGroupReferences")
                .addObject();
        reference.put("ResourceArn", arn);
        if (stateless || strict) reference.put("Priority", 100);
        if (strict) policy.putObject("StatefulEngineOptions").put("RuleOrder", order);
        bundle.putArray("RuleGroups").add(group.deepCopy());
        return bundle;
    }

    /** The rule order of a policy bundle ({@code DEFAULT_ACTION_ORDER} unless it says otherwise). */
    static RuleOrder ruleOrderOf(JsonNode bundle) {
        String order = bundle.path("FirewallPolicy")
                .path("StatefulEngineOptions")
                .path("RuleOrder")
                .asText("DEFAULT_ACTION_ORDER");
        return RuleOrder.STRICT_ORDER.name().equals(order) ? RuleOrder.STRICT_ORDER : RuleOrder.DEFAULT_ACTION_ORDER;
    }

    /** The policy ARN of a bundle, or null. */
    static String policyArnOf(JsonNode bundle) {
        JsonNode arn = bundle.path("FirewallPolicyResponse").path("FirewallPolicyArn");
        return arn.isTextual() ? arn.asText() : null;
    }

    /**
     * {@code base} with the group added: a reference after every other stateful group (strict order: the highest
     * priority number + 100, so deny lists and signatures keep running first), and the group in {@code RuleGroups}.
     * A group with the same ARN (the list learned before) is replaced, its reference kept.
     *
     * @throws IllegalArgumentException when {@code base} is not a policy bundle
     */
    static ObjectNode withGroup(JsonNode base, ObjectNode group) {
        if (!base.isObject() || !base.path("FirewallPolicy").isObject()) {
            throw new IllegalArgumentException("not a policy bundle (no FirewallPolicy object)");
        }
        ObjectNode bundle = ((ObjectNode) base).deepCopy();
        String arn = group.path("RuleGroupResponse").path("RuleGroupArn").asText();
        ObjectNode policy = (ObjectNode) bundle.get("FirewallPolicy");
        JsonNode existing = policy.path("StatefulRuleGroupReferences");
        ArrayNode references =
                existing.isArray() ? (ArrayNode) existing : policy.putArray("StatefulRuleGroupReferences");
        boolean referenced = false;
        int highest = 0;
        for (JsonNode reference : references) {
            referenced |= arn.equals(reference.path("ResourceArn").asText());
            highest = Math.max(highest, reference.path("Priority").asInt(0));
        }
        if (!referenced) {
            ObjectNode reference = references.addObject();
            reference.put("ResourceArn", arn);
            if (ruleOrderOf(bundle) == RuleOrder.STRICT_ORDER) {
                int priority = highest + 100 <= MAX_PRIORITY ? highest + 100 : highest + 1;
                if (priority > MAX_PRIORITY) {
                    throw new IllegalArgumentException("no stateful group priority is left after " + highest);
                }
                reference.put("Priority", priority);
            }
        }
        JsonNode groups = bundle.path("RuleGroups");
        ArrayNode kept = NODES.arrayNode();
        if (groups.isArray()) {
            for (JsonNode g : groups) {
                if (!arn.equals(g.path("RuleGroupResponse").path("RuleGroupArn").asText())) kept.add(g);
            }
        }
        kept.add(group);
        bundle.set("RuleGroups", kept);
        return bundle;
    }
}
