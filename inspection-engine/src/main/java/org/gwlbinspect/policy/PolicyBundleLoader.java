package org.gwlbinspect.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a firewall policy from one file, checks it as NFW would (policy.md §1) and resolves its rule groups and
 * variables. Every problem found is reported at once, in a {@link PolicyException}.
 *
 * <p>Three kinds of file are accepted, told apart by name:
 *
 * <ul>
 *   <li><b>Policy bundle</b> (any other name, normally {@code *.json}): the JSON that {@code aws network-firewall
 *       describe-firewall-policy} prints ({@code UpdateToken}, {@code FirewallPolicyResponse}, {@code
 *       FirewallPolicy}) with one added top-level array {@code RuleGroups} holding what {@code describe-rule-group}
 *       prints for each referenced group. References are matched on {@code RuleGroupResponse.RuleGroupArn}. A
 *       problem in the JSON carries its JSON path and the line:column of the value in the file; a problem found later
 *       inside a {@code RulesString} carries that JSON path and the line:column inside the string (see {@link
 *       RulesText#problemAt}).
 *   <li><b>Suricata rules</b> ({@code *.rules}): one stateful rule group with the rules as written, in a policy with
 *       NFW's defaults: action order, {@code aws:forward_to_sfe} for both stateless defaults, no stateless groups.
 *   <li><b>Domain list</b> ({@code NAME.allowlist.txt}, {@code NAME.denylist.txt}, {@code NAME.rejectlist.txt},
 *       {@code NAME.alertlist.txt}): one domain per line ({@code example.com} exactly, {@code .example.com} for it and
 *       its subdomains); blank lines and text from {@code #} to the end of a line are ignored. The suffix gives the
 *       {@code GeneratedRulesType}; both {@code TLS_SNI} and {@code HTTP_HOST} are inspected. The policy around it is
 *       the same as for a rules file. Use a bundle for anything else (one target type, strict order).
 * </ul>
 *
 * <p>Shorthand files use the configured {@code HOME_NET} ({@link PolicyLoadOptions#homeNet()}).
 */
public final class PolicyBundleLoader {
    private static final Map<String, GeneratedRulesType> DOMAIN_LIST_SUFFIXES = Map.of(
            ".allowlist.txt", GeneratedRulesType.ALLOWLIST,
            ".denylist.txt", GeneratedRulesType.DENYLIST,
            ".rejectlist.txt", GeneratedRulesType.REJECTLIST,
            ".alertlist.txt", GeneratedRulesType.ALERTLIST);

    private final PolicyLoadOptions options;

    public PolicyBundleLoader(PolicyLoadOptions options) {
        this.options = options;
    }

    /** Loads a bundle, rules file or domain list, chosen by the file name (see the class comment). */
    public FirewallPolicy load(Path path) throws IOException, PolicyException {
        String text = Files.readString(path, StandardCharsets.UTF_8);
        String file = path.toString();
        String name = path.getFileName().toString();
        if (name.endsWith(".rules")) return loadRules(file, text);
        GeneratedRulesType listType = domainListType(name);
        if (listType != null) return loadDomainList(file, text, listType);
        return loadBundle(file, text);
    }

    /** Loads a policy bundle from its JSON text; {@code file} names it in problems. */
    public FirewallPolicy loadBundle(String file, String json) throws PolicyException {
        Problems problems = new Problems(file);
        JsonNode root = problems.parseJson(json);
        FirewallPolicy policy = root == null ? null : new BundleReader(options, problems).read(new Json(root, "$"));
        if (policy == null || !problems.isEmpty()) throw new PolicyException(problems.list());
        return policy;
    }

    /** Loads a Suricata rules file as a one-group policy with NFW's defaults. */
    public FirewallPolicy loadRules(String file, String text) throws PolicyException {
        String rules = text.replace("\r\n", "\n");
        StatefulRuleGroup group = new StatefulRuleGroup(
                stem(file, ".rules"),
                null,
                0,
                0,
                RuleLines.countRules(rules),
                RulesSourceKind.RULES_STRING,
                false,
                new RulesText(file, null, rules, List.of()),
                RuleVariables.resolve(options.homeNet(), Map.of(), Map.of(), Map.of()));
        return shorthandPolicy(file, group);
    }

    /** Loads a domain list file (one domain per line, {@code #} comments) with the given list type. */
    public FirewallPolicy loadDomainList(String file, String text, GeneratedRulesType type) throws PolicyException {
        Problems problems = new Problems(file);
        List<String> targets = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        String[] rows = text.split("\r?\n", -1);
        for (int i = 0; i < rows.length; i++) {
            int hash = rows[i].indexOf('#');
            String domain = (hash < 0 ? rows[i] : rows[i].substring(0, hash)).strip();
            if (domain.isEmpty()) continue;
            String error = DomainNames.problemWith(domain);
            if (error != null) problems.atLine(i + 1, error);
            targets.add(domain);
            lines.add(i + 1);
        }
        if (targets.isEmpty()) problems.atLine(0, "the domain list has no domains");
        if (!problems.isEmpty()) throw new PolicyException(problems.list());
        List<String> rules = new ArrayList<>();
        List<LineOrigin> origins = new ArrayList<>();
        List<DomainTargetType> types = List.of(DomainTargetType.TLS_SNI, DomainTargetType.HTTP_HOST);
        for (DomainListRules.GeneratedRule rule :
                DomainListRules.generate(targets, types, type, RuleOrder.DEFAULT_ACTION_ORDER)) {
            rules.add(rule.text());
            origins.add(new LineOrigin(null, rule.targetIndex() < 0 ? 0 : lines.get(rule.targetIndex())));
        }
        String suffix = "." + type.name().toLowerCase(Locale.ROOT) + ".txt";
        StatefulRuleGroup group = new StatefulRuleGroup(
                stem(file, suffix),
                null,
                0,
                0,
                DomainListRules.capacity(targets.size(), types.size(), type),
                RulesSourceKind.RULES_SOURCE_LIST,
                false,
                new RulesText(file, null, String.join("\n", rules), origins),
                RuleVariables.resolve(options.homeNet(), Map.of(), Map.of(), Map.of()));
        return shorthandPolicy(file, group);
    }

    /** The list type a domain list file name declares, or null if the name is not a domain list's. */
    static GeneratedRulesType domainListType(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        for (Map.Entry<String, GeneratedRulesType> suffix : DOMAIN_LIST_SUFFIXES.entrySet())
            if (lower.endsWith(suffix.getKey())) return suffix.getValue();
        return null;
    }

    private FirewallPolicy shorthandPolicy(String file, StatefulRuleGroup group) {
        StatelessActions forward = new StatelessActions(StatelessAction.FORWARD_TO_SFE, List.of());
        return new FirewallPolicy(
                file,
                group.name(),
                null,
                List.of(),
                forward,
                forward,
                List.of(),
                StatefulEngineOptions.DEFAULTS,
                List.of(),
                List.of(group),
                options.homeNet());
    }

    private static String stem(String file, String suffix) {
        String name = Path.of(file).getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(suffix)
                ? name.substring(0, name.length() - suffix.length())
                : name;
    }
}
