package org.gwlbinspect.benchmarks.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.policy.DomainListRules;
import org.gwlbinspect.policy.DomainTargetType;
import org.gwlbinspect.policy.GeneratedRulesType;
import org.gwlbinspect.policy.RuleOrder;

/**
 * The synthetic policies the benchmarks measure: a domain deny list and a mixed IPS set of any size, as rules text
 * (for the JMH benchmarks) or as an NFW policy bundle (for the hairpin measurements, where the appliance loads it).
 *
 * <p>The bundles set {@code HOME_NET} to the inner source ranges that gwlb-blast sends from (198.18.0.0/15 and
 * 2001:db8:18::/48), so the rules are candidates for every blasted packet (a rule whose source never matches costs
 * nothing and would flatter the figures); none of them matches gwlb-blast's payload, so every packet passes and is
 * checked byte for byte.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar org.gwlbinspect.benchmarks.policy.BenchmarkPolicies KIND COUNT FILE</pre>
 *
 * KIND is {@code domains} (a TLS_SNI + HTTP_HOST deny list of COUNT domains) or {@code mixed} (COUNT IPS rules).
 */
public final class BenchmarkPolicies {
    private static final String ARN = "arn:aws:network-firewall:us-east-1:123456789012:";

    // The rule kinds of the mixed set and how many of each one block of 20 holds.
    static final int HTTP_HOST = 0;
    static final int HTTP_URI_METHOD = 1;
    static final int PAYLOAD = 2;
    static final int PAYLOAD_PCRE = 3;
    static final int HTTP_URI_PAIR = 4;
    static final int IP_ONLY = 5;
    private static final int[] KINDS_PER_BLOCK = {6, 4, 7, 1, 1, 1};

    /**
     * The kind of each rule of a block, interleaved by smooth weighted round robin: at every step each kind earns its
     * share and the one with the most credit is next, so every prefix of the block (and of the set) holds each kind
     * within one rule of its proportion. It works out as P H U P H P' P U H P pair H ip P U H P U H P (P payload, P'
     * content + pcre, H http.host, U http.uri + method).
     */
    static final int[] KIND_ORDER = interleave(KINDS_PER_BLOCK);

    private BenchmarkPolicies() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3 || !(args[0].equals("domains") || args[0].equals("mixed"))) {
            System.err.println("usage: BenchmarkPolicies domains|mixed COUNT FILE");
            System.exit(2);
        }
        int count = Integer.parseInt(args[1]);
        Path file = Path.of(args[2]);
        Files.writeString(file, args[0].equals("domains") ? domainBundle(count) : mixedBundle(count));
        System.out.println("wrote " + file + ": " + args[0] + " " + count);
    }

    /** The rules NFW generates for a TLS SNI deny list of {@code count} domains, half exact, half {@code .domain}. */
    public static String sniDenyList(int count) {
        StringBuilder text = new StringBuilder();
        for (DomainListRules.GeneratedRule rule : DomainListRules.generate(
                denyTargets(count),
                List.of(DomainTargetType.TLS_SNI),
                GeneratedRulesType.DENYLIST,
                RuleOrder.DEFAULT_ACTION_ORDER)) text.append(rule.text()).append('\n');
        return text.toString();
    }

    /**
     * A mixed IPS set: a block of 20 rules repeated with different literals (6 http.host, 4 http.uri + method, 7
     * payload contents with depth and distance, 1 content + pcre, 1 http.uri pair, 1 IP-only). The kinds are
     * interleaved within the block ({@link #KIND_ORDER}) so that the set has the same mix at every size: any first N
     * rules hold each kind within one rule of N × its share of the block. The 10-rule set is 3 http.host, 2 http.uri
     * + method, 4 payload and 1 content + pcre rule, so its data packets are reassembled and scanned like those of the
     * larger sets, and comparing sizes compares rule counts, not rule mixes. No rule matches the benchmark traffic.
     */
    public static String ipsRules(int count) {
        String http = "http $HOME_NET any -> $EXTERNAL_NET any (flow:established,to_server; ";
        String tcp = "tcp $HOME_NET any -> $EXTERNAL_NET any (flow:established,to_server; ";
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String rule =
                    switch (KIND_ORDER[i % KIND_ORDER.length]) {
                        case HTTP_HOST -> "alert " + http + "http.host; content:\"bad-" + i + ".example\"; endswith; ";
                        case HTTP_URI_METHOD ->
                            "drop " + http + "http.uri; content:\"/wp-admin/x" + i + ".php\"; nocase; "
                                    + "http.method; content:\"POST\"; ";
                        case PAYLOAD ->
                            "alert " + tcp + "content:\"|de ad be ef|\"; depth:4; content:\"payload-" + i
                                    + "\"; distance:0; ";
                        case PAYLOAD_PCRE ->
                            "alert " + tcp + "content:\"cmd=" + i + "&\"; nocase; pcre:\"/cmd=\\d+&exec/i\"; ";
                        case HTTP_URI_PAIR ->
                            "alert " + http + "http.uri; content:\"/api/\"; content:\"token=" + i + "\"; distance:0; ";
                        default -> "drop ip 198.51." + (i / 256 % 256) + "." + (i % 256) + " any -> $HOME_NET any (";
                    };
            text.append(rule)
                    .append("msg:\"rule ")
                    .append(i)
                    .append("\"; sid:")
                    .append(i + 1)
                    .append(";)\n");
        }
        return text.toString();
    }

    public static String domainBundle(int count) throws IOException {
        ObjectNode group = MAPPER.createObjectNode();
        ObjectNode list = group.putObject("RulesSource").putObject("RulesSourceList");
        ArrayNode targets = list.putArray("Targets");
        denyTargets(count).forEach(targets::add);
        list.putArray("TargetTypes").add("TLS_SNI").add("HTTP_HOST");
        list.put("GeneratedRulesType", "DENYLIST");
        return bundle("bench-domains-" + count, group, 2 * count);
    }

    public static String mixedBundle(int count) throws IOException {
        ObjectNode group = MAPPER.createObjectNode();
        group.putObject("RulesSource").put("RulesString", ipsRules(count));
        return bundle("bench-mixed-" + count, group, count);
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static String bundle(String name, ObjectNode ruleGroup, int capacity) throws IOException {
        ruleGroup.putObject("StatefulRuleOptions").put("RuleOrder", "DEFAULT_ACTION_ORDER");
        ObjectNode root = MAPPER.createObjectNode();
        root.putObject("FirewallPolicyResponse")
                .put("FirewallPolicyName", name)
                .put("FirewallPolicyArn", ARN + "firewall-policy/" + name)
                .put("FirewallPolicyStatus", "ACTIVE");
        ObjectNode policy = root.putObject("FirewallPolicy");
        policy.putArray("StatelessDefaultActions").add("aws:forward_to_sfe");
        policy.putArray("StatelessFragmentDefaultActions").add("aws:forward_to_sfe");
        policy.putArray("StatefulRuleGroupReferences")
                .addObject()
                .put("ResourceArn", ARN + "stateful-rulegroup/" + name);
        policy.putObject("StatefulEngineOptions").put("RuleOrder", "DEFAULT_ACTION_ORDER");
        policy.putObject("PolicyVariables")
                .putObject("RuleVariables")
                .putObject("HOME_NET")
                .putArray("Definition")
                .add("198.18.0.0/15")
                .add("2001:db8:18::/48");
        ObjectNode entry = root.putArray("RuleGroups").addObject();
        entry.set("RuleGroup", ruleGroup);
        entry.putObject("RuleGroupResponse")
                .put("RuleGroupArn", ARN + "stateful-rulegroup/" + name)
                .put("RuleGroupName", name)
                .put("Type", "STATEFUL")
                .put("Capacity", capacity);
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static int[] interleave(int[] weights) {
        int total = 0;
        for (int w : weights) total += w;
        int[] credit = new int[weights.length];
        int[] order = new int[total];
        for (int i = 0; i < total; i++) {
            int best = 0;
            for (int k = 0; k < weights.length; k++) {
                credit[k] += weights[k];
                if (credit[k] > credit[best]) best = k;
            }
            credit[best] -= total;
            order[i] = best;
        }
        return order;
    }

    private static List<String> denyTargets(int count) {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < count; i++) targets.add((i % 2 == 0 ? "blocked-" : ".tracker-") + i + ".example.com");
        return targets;
    }
}
