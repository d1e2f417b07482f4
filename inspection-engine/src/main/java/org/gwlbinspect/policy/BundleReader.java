package org.gwlbinspect.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a policy bundle (describe-firewall-policy output plus a {@code RuleGroups} array of describe-rule-group
 * outputs) into a {@link FirewallPolicy}, checking what NFW checks (policy.md §1) and reporting every problem found.
 */
final class BundleReader {
    /** policy.md §1.2: variable names, 1–32 characters. */
    static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,31}");

    private static final Pattern ACTION_NAME = Pattern.compile("[a-zA-Z0-9]+");
    private static final Pattern DIMENSION_VALUE = Pattern.compile("[a-zA-Z0-9-_ ]+");
    private static final Pattern PORT_OR_RANGE = Pattern.compile("(\\d{1,5})(?::(\\d{1,5}))?");
    private static final Set<String> PROTOCOLS = Set.of(
            "IP", "TCP", "UDP", "ICMP", "HTTP", "FTP", "TLS", "SMB", "DNS", "DCERPC", "SSH", "SMTP", "IMAP", "MSN",
            "KRB5", "IKEV2", "TFTP", "NTP", "DHCP", "HTTP2", "QUIC");
    private static final Set<String> STATEFUL_ACTIONS = Set.of("PASS", "DROP", "ALERT", "REJECT");
    private static final List<String> SOURCE_MEMBERS =
            List.of("RulesString", "RulesSourceList", "StatefulRules", "StatelessRulesAndCustomActions");
    private static final int MAX_RULES_STRING = 2_000_000;
    private static final int MAX_PRIORITY = 65535;

    private final PolicyLoadOptions options;
    private final Problems problems;

    BundleReader(PolicyLoadOptions options, Problems problems) {
        this.options = options;
        this.problems = problems;
    }

    /** The policy, or null when a problem was found (the problems are in {@link Problems}). */
    FirewallPolicy read(Json root) {
        if (!root.isObject(problems, true)) return null;
        Json response = root.get("FirewallPolicyResponse");
        String name = null;
        String arn = null;
        if (response.isObject(problems, false)) {
            name = response.get("FirewallPolicyName").text(problems, false);
            arn = response.get("FirewallPolicyArn").text(problems, false);
        }
        Map<String, Json> groupsByArn = indexRuleGroups(root.get("RuleGroups"));
        Json policy = root.get("FirewallPolicy");
        if (!policy.isObject(problems, true)) return null;

        List<CustomAction> customActions = customActions(policy.get("StatelessCustomActions"));
        Set<String> customNames = names(customActions);
        StatelessActions defaults = statelessActions(
                policy.get("StatelessDefaultActions"), customNames, "the policy's StatelessCustomActions", true);
        StatelessActions fragmentDefaults = statelessActions(
                policy.get("StatelessFragmentDefaultActions"),
                customNames,
                "the policy's StatelessCustomActions",
                true);
        StatefulEngineOptions engine = engineOptions(policy.get("StatefulEngineOptions"));
        List<StatefulDefaultAction> statefulDefaults =
                statefulDefaultActions(policy.get("StatefulDefaultActions"), engine.ruleOrder());
        List<String> homeNet = policyHomeNet(policy.get("PolicyVariables"));

        List<StatelessRuleGroup> stateless = statelessGroups(policy.get("StatelessRuleGroupReferences"), groupsByArn);
        List<StatefulRuleGroup> stateful =
                statefulGroups(policy.get("StatefulRuleGroupReferences"), groupsByArn, engine.ruleOrder(), homeNet);

        if (!problems.isEmpty()) return null;
        return new FirewallPolicy(
                problems.file(),
                name == null ? problems.file() : name,
                arn,
                stateless,
                defaults,
                fragmentDefaults,
                customActions,
                engine,
                statefulDefaults,
                stateful,
                homeNet);
    }

    // ---- policy level

    private Map<String, Json> indexRuleGroups(Json ruleGroups) {
        Map<String, Json> byArn = new HashMap<>();
        for (Json entry : ruleGroups.elements(problems, false)) {
            if (!entry.isObject(problems, true)) continue;
            Json response = entry.get("RuleGroupResponse");
            if (!response.isObject(problems, true)) continue;
            String arn = response.get("RuleGroupArn").text(problems, true);
            if (arn == null) continue;
            if (byArn.putIfAbsent(arn, entry) != null)
                problems.at(response.get("RuleGroupArn").path(), "rule group " + arn + " appears twice in RuleGroups");
        }
        return byArn;
    }

    private List<CustomAction> customActions(Json list) {
        List<CustomAction> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Json entry : list.elements(problems, false)) {
            if (!entry.isObject(problems, true)) continue;
            Json nameJson = entry.get("ActionName");
            String name = nameJson.text(problems, true);
            if (name != null && !ACTION_NAME.matcher(name).matches())
                problems.at(nameJson.path(), "ActionName '" + name + "' must match ^[a-zA-Z0-9]+$");
            else if (name != null && !seen.add(name))
                problems.at(nameJson.path(), "custom action " + name + " is defined twice");
            Json metric = entry.get("ActionDefinition").get("PublishMetricAction");
            List<Json> dimensions = metric.get("Dimensions").elements(problems, true);
            String value = null;
            if (metric.present() && dimensions.size() != 1) {
                problems.at(metric.get("Dimensions").path(), "needs exactly one dimension, got " + dimensions.size());
            } else if (dimensions.size() == 1) {
                Json valueJson = dimensions.get(0).get("Value");
                value = valueJson.text(problems, true);
                if (value != null && !DIMENSION_VALUE.matcher(value).matches())
                    problems.at(valueJson.path(), "dimension value '" + value + "' must match ^[a-zA-Z0-9-_ ]+$");
            }
            if (name != null && value != null) out.add(new CustomAction(name, value));
        }
        return out;
    }

    private static Set<String> names(List<CustomAction> actions) {
        Set<String> out = new HashSet<>();
        for (CustomAction action : actions) out.add(action.name());
        return out;
    }

    /** One standard action plus custom action names defined in {@code scope} (policy.md §1.1). */
    private StatelessActions statelessActions(Json list, Set<String> customNames, String scope, boolean required) {
        if (!list.present()) {
            if (required) problems.at(list.path(), "required; give one of aws:pass, aws:drop, aws:forward_to_sfe");
            return null;
        }
        if (!list.node().isArray()) {
            problems.at(list.path(), "expected a JSON array of action names");
            return null;
        }
        StatelessAction standard = null;
        List<String> custom = new ArrayList<>();
        boolean valid = true;
        for (Json entry : list.elements(problems, true)) {
            String action = entry.text(problems, true);
            if (action == null) {
                valid = false;
            } else if (action.startsWith("aws:")) {
                StatelessAction parsed = StatelessAction.fromApiName(action);
                if (parsed == null) {
                    problems.at(
                            entry.path(),
                            "unknown action " + action + "; expected aws:pass, aws:drop or aws:forward_to_sfe");
                    valid = false;
                } else if (standard != null) {
                    problems.at(
                            entry.path(),
                            "more than one standard action (" + standard.apiName() + " and " + action + ")");
                    valid = false;
                } else {
                    standard = parsed;
                }
            } else if (!customNames.contains(action)) {
                problems.at(entry.path(), "unknown custom action " + action + "; it is not defined in " + scope);
                valid = false;
            } else {
                custom.add(action);
            }
        }
        if (standard == null && valid) {
            problems.at(list.path(), "needs exactly one of aws:pass, aws:drop, aws:forward_to_sfe");
            valid = false;
        }
        return valid ? new StatelessActions(standard, custom) : null;
    }

    private StatefulEngineOptions engineOptions(Json json) {
        if (!json.isObject(problems, false)) return StatefulEngineOptions.DEFAULTS;
        RuleOrder order = enumValue(json.get("RuleOrder"), RuleOrder.class, RuleOrder.DEFAULT_ACTION_ORDER);
        StreamExceptionPolicy streams =
                enumValue(json.get("StreamExceptionPolicy"), StreamExceptionPolicy.class, StreamExceptionPolicy.DROP);
        Integer timeout = json.get("FlowTimeouts").get("TcpIdleTimeoutSeconds").integer(problems, false, 60, 6000);
        return new StatefulEngineOptions(
                order, streams, timeout == null ? StatefulEngineOptions.DEFAULT_TCP_IDLE_TIMEOUT_SECONDS : timeout);
    }

    private <E extends Enum<E>> E enumValue(Json json, Class<E> type, E absent) {
        String text = json.text(problems, false);
        if (text == null) return absent;
        for (E constant : type.getEnumConstants()) if (constant.name().equals(text)) return constant;
        List<String> allowed = new ArrayList<>();
        for (E constant : type.getEnumConstants()) allowed.add(constant.name());
        problems.at(json.path(), "unknown value " + text + "; expected one of " + String.join(", ", allowed));
        return absent;
    }

    /** policy.md §1.1, §2.4: strict order only; at most one drop; established and app-layer variants exclusive. */
    private List<StatefulDefaultAction> statefulDefaultActions(Json list, RuleOrder order) {
        List<StatefulDefaultAction> out = new ArrayList<>();
        List<Json> entries = list.elements(problems, false);
        for (Json entry : entries) {
            String text = entry.text(problems, true);
            if (text == null) continue;
            StatefulDefaultAction action = StatefulDefaultAction.fromApiName(text);
            if (action == null) problems.at(entry.path(), "unknown stateful default action " + text);
            else if (out.contains(action)) problems.at(entry.path(), text + " is given twice");
            else out.add(action);
        }
        if (!entries.isEmpty() && order != RuleOrder.STRICT_ORDER)
            problems.at(list.path(), "StatefulDefaultActions need StatefulEngineOptions.RuleOrder STRICT_ORDER");
        if (out.stream().filter(StatefulDefaultAction::drops).count() > 1)
            problems.at(list.path(), "at most one drop default action is allowed");
        if (out.stream().anyMatch(StatefulDefaultAction::isEstablished)
                && out.stream().anyMatch(StatefulDefaultAction::isEstablishedAppLayer))
            problems.at(
                    list.path(), "the *_established and *_established_app_layer* default actions cannot be combined");
        return out;
    }

    private List<String> policyHomeNet(Json variables) {
        List<String> homeNet = null;
        for (Json.Member member : variables.get("RuleVariables").members(problems)) {
            if (!member.key().equals("HOME_NET")) {
                problems.at(member.value().path(), "only HOME_NET is supported in PolicyVariables.RuleVariables");
                continue;
            }
            homeNet = cidrs(member.value().get("Definition"));
        }
        return homeNet == null || homeNet.isEmpty() ? options.homeNet() : homeNet;
    }

    /** A non-empty list of CIDRs (or bare addresses), each checked. */
    private List<String> cidrs(Json definition) {
        List<String> out = new ArrayList<>();
        List<Json> entries = definition.elements(problems, true);
        if (definition.present() && entries.isEmpty()) problems.at(definition.path(), "needs at least one CIDR");
        for (Json entry : entries) {
            String text = entry.text(problems, true);
            if (text == null) continue;
            try {
                IpPrefix.parse(text);
                out.add(text);
            } catch (IllegalArgumentException e) {
                problems.at(entry.path(), "invalid CIDR '" + text + "': " + e.getMessage());
            }
        }
        return out;
    }

    // ---- references

    /** A checked {@code *RuleGroupReferences} entry and the rule group it points to. */
    private record Reference(Json ref, Json group, int priority) {}

    private List<Reference> references(
            Json list, Map<String, Json> groupsByArn, boolean stateless, boolean priorityRequired) {
        List<Reference> out = new ArrayList<>();
        Map<Integer, String> priorities = new HashMap<>();
        Set<String> arns = new HashSet<>();
        for (Json ref : list.elements(problems, false)) {
            if (!ref.isObject(problems, true)) continue;
            Json arnJson = ref.get("ResourceArn");
            String arn = arnJson.text(problems, true);
            Json priorityJson = ref.get("Priority");
            Integer priority = priorityJson.integer(problems, priorityRequired, 1, MAX_PRIORITY);
            if (priority != null && priorityRequired && priorities.putIfAbsent(priority, arn) != null)
                problems.at(
                        priorityJson.path(),
                        "priority " + priority + " is already used by " + priorities.get(priority));
            if (arn == null) continue;
            if (!arns.add(arn)) {
                problems.at(arnJson.path(), "rule group " + arn + " is referenced twice");
                continue;
            }
            Json group = groupsByArn.get(arn);
            if (group == null) {
                problems.at(
                        arnJson.path(),
                        "no rule group with ARN " + arn + " in RuleGroups (add its describe-rule-group output)");
                continue;
            }
            Json typeJson = group.get("RuleGroupResponse").get("Type");
            String type = typeJson.text(problems, true);
            if (type == null) continue;
            if (!Set.of("STATELESS", "STATEFUL", "STATEFUL_DOMAIN").contains(type)) {
                problems.at(typeJson.path(), "unknown rule group type " + type + "; expected STATELESS or STATEFUL");
                continue;
            }
            if (stateless != type.equals("STATELESS")) {
                problems.at(
                        arnJson.path(),
                        (stateless ? "a stateless" : "a stateful") + " reference points to " + type + " rule group "
                                + arn);
                continue;
            }
            out.add(new Reference(ref, group, priority == null ? 0 : priority));
        }
        return out;
    }

    /** {@code RuleGroupName}, or the ARN when the describe output has no name. */
    private static String groupName(Json group) {
        Json response = group.get("RuleGroupResponse");
        Json name = response.get("RuleGroupName");
        return name.present() ? name.node().asText() : groupArn(group);
    }

    private static String groupArn(Json group) {
        return group.get("RuleGroupResponse").get("RuleGroupArn").node().asText();
    }

    private int declaredCapacity(Json group) {
        Integer capacity = group.get("RuleGroupResponse").get("Capacity").integer(problems, false, 1, 30_000_000);
        return capacity == null ? 0 : capacity;
    }

    /** The one {@code RulesSource} member present, or null after reporting (policy.md §1.2: exactly one). */
    private String sourceMember(Json source) {
        if (!source.isObject(problems, true)) return null;
        List<String> present = new ArrayList<>();
        for (String member : SOURCE_MEMBERS) if (source.get(member).present()) present.add(member);
        if (present.size() != 1) {
            problems.at(
                    source.path(),
                    "needs exactly one of " + String.join(", ", SOURCE_MEMBERS) + "; found "
                            + (present.isEmpty() ? "none" : String.join(", ", present)));
            return null;
        }
        return present.get(0);
    }

    // ---- stateless groups

    private List<StatelessRuleGroup> statelessGroups(Json list, Map<String, Json> groupsByArn) {
        List<StatelessRuleGroup> out = new ArrayList<>();
        for (Reference reference : references(list, groupsByArn, true, true)) {
            Json group = reference.group();
            Json source = group.get("RuleGroup").get("RulesSource");
            String member = sourceMember(source);
            if (member == null) continue;
            if (!member.equals("StatelessRulesAndCustomActions")) {
                problems.at(source.get(member).path(), "a STATELESS rule group needs StatelessRulesAndCustomActions");
                continue;
            }
            Json body = source.get(member);
            List<CustomAction> custom = customActions(body.get("CustomActions"));
            Set<String> customNames = names(custom);
            List<StatelessRule> rules = new ArrayList<>();
            Map<Integer, Integer> priorities = new HashMap<>();
            List<Json> ruleJsons = body.get("StatelessRules").elements(problems, true);
            for (int i = 0; i < ruleJsons.size(); i++) {
                Json rule = ruleJsons.get(i);
                if (!rule.isObject(problems, true)) continue;
                Json priorityJson = rule.get("Priority");
                Integer priority = priorityJson.integer(problems, true, 1, MAX_PRIORITY);
                if (priority != null && priorities.putIfAbsent(priority, i) != null)
                    problems.at(
                            priorityJson.path(),
                            "priority " + priority + " is already used by StatelessRules[" + priorities.get(priority)
                                    + "]");
                Json definition = rule.get("RuleDefinition");
                if (!definition.isObject(problems, true)) continue;
                StatelessMatch match = statelessMatch(definition.get("MatchAttributes"));
                StatelessActions actions =
                        statelessActions(definition.get("Actions"), customNames, "the group's CustomActions", true);
                if (priority != null && match != null && actions != null)
                    rules.add(new StatelessRule(priority, match, actions));
            }
            out.add(new StatelessRuleGroup(
                    groupName(group), groupArn(group), reference.priority(), declaredCapacity(group), rules, custom));
        }
        out.sort(Comparator.comparingInt(StatelessRuleGroup::priority));
        return out;
    }

    private StatelessMatch statelessMatch(Json match) {
        if (!match.isObject(problems, true)) return null;
        int before = problems.list().size();
        List<IpPrefix> sources = addresses(match.get("Sources"));
        List<IpPrefix> destinations = addresses(match.get("Destinations"));
        List<PortRange> sourcePorts = portRanges(match.get("SourcePorts"));
        List<PortRange> destinationPorts = portRanges(match.get("DestinationPorts"));
        List<Integer> protocols = new ArrayList<>();
        for (Json protocol : match.get("Protocols").elements(problems, false)) {
            Integer number = protocol.integer(problems, true, 0, 255);
            if (number != null && !protocols.contains(number)) protocols.add(number);
        }
        List<TcpFlagsMatch> flags = new ArrayList<>();
        for (Json entry : match.get("TCPFlags").elements(problems, false)) {
            if (!entry.isObject(problems, true)) continue;
            int flagBits = flagBits(entry.get("Flags"), true);
            Json masksJson = entry.get("Masks");
            int maskBits = flagBits(masksJson, false);
            if (maskBits == 0) maskBits = TcpFlagsMatch.ALL; // policy.md §1.2: empty Masks = all eight flags
            else if ((flagBits & ~maskBits) != 0)
                problems.at(entry.get("Flags").path(), "Flags may only name flags that are also in Masks");
            flags.add(new TcpFlagsMatch(flagBits & maskBits, maskBits));
        }
        if (problems.list().size() != before) return null;
        return new StatelessMatch(sources, destinations, sourcePorts, destinationPorts, protocols, flags);
    }

    private int flagBits(Json list, boolean required) {
        int bits = 0;
        for (Json entry : list.elements(problems, required)) {
            String name = entry.text(problems, true);
            if (name == null) continue;
            int bit = TcpFlagsMatch.bitOf(name);
            if (bit == 0)
                problems.at(
                        entry.path(),
                        "unknown TCP flag " + name + "; expected FIN, SYN, RST, PSH, ACK, URG, ECE or CWR");
            bits |= bit;
        }
        return bits;
    }

    private List<IpPrefix> addresses(Json list) {
        List<IpPrefix> out = new ArrayList<>();
        for (Json entry : list.elements(problems, false)) {
            Json definition = entry.get("AddressDefinition");
            String text = definition.text(problems, true);
            if (text == null) continue;
            try {
                out.add(IpPrefix.parse(text));
            } catch (IllegalArgumentException e) {
                problems.at(definition.path(), "invalid CIDR '" + text + "': " + e.getMessage());
            }
        }
        return out;
    }

    private List<PortRange> portRanges(Json list) {
        List<PortRange> out = new ArrayList<>();
        for (Json entry : list.elements(problems, false)) {
            Integer from = entry.get("FromPort").integer(problems, true, 0, 65535);
            Integer to = entry.get("ToPort").integer(problems, true, 0, 65535);
            if (from == null || to == null) continue;
            if (from > to) problems.at(entry.path(), "FromPort " + from + " is above ToPort " + to);
            else out.add(new PortRange(from, to));
        }
        return out;
    }

    // ---- stateful groups

    private List<StatefulRuleGroup> statefulGroups(
            Json list, Map<String, Json> groupsByArn, RuleOrder order, List<String> homeNet) {
        List<StatefulRuleGroup> out = new ArrayList<>();
        boolean strict = order == RuleOrder.STRICT_ORDER;
        for (Reference reference : references(list, groupsByArn, false, strict)) {
            StatefulRuleGroup group = statefulGroup(reference, order, homeNet);
            if (group != null) out.add(group);
        }
        if (strict) out.sort(Comparator.comparingInt(StatefulRuleGroup::priority));
        return out;
    }

    private StatefulRuleGroup statefulGroup(Reference reference, RuleOrder order, List<String> homeNet) {
        Json group = reference.group();
        Json ruleGroup = group.get("RuleGroup");
        if (!ruleGroup.isObject(problems, true)) return null;
        int before = problems.list().size();

        Json overrideJson = reference.ref().get("Override").get("Action");
        String override = overrideJson.text(problems, false);
        if (override != null && !override.equals("DROP_TO_ALERT"))
            problems.at(overrideJson.path(), "unknown override action " + override + "; expected DROP_TO_ALERT");

        Json orderJson = ruleGroup.get("StatefulRuleOptions").get("RuleOrder");
        RuleOrder groupOrder = enumValue(orderJson, RuleOrder.class, RuleOrder.DEFAULT_ACTION_ORDER);
        if (groupOrder != order)
            problems.at(
                    orderJson.path(),
                    "the rule group's rule order " + groupOrder + " differs from the policy's " + order);

        Json variables = ruleGroup.get("RuleVariables");
        Map<String, List<String>> ipSets = new LinkedHashMap<>();
        for (Json.Member member : variables.get("IPSets").members(problems)) {
            if (checkVariableName(member))
                ipSets.put(member.key(), cidrs(member.value().get("Definition")));
        }
        Map<String, List<String>> portSets = new LinkedHashMap<>();
        for (Json.Member member : variables.get("PortSets").members(problems)) {
            if (checkVariableName(member))
                portSets.put(member.key(), ports(member.value().get("Definition")));
        }

        Json source = ruleGroup.get("RulesSource");
        String member = sourceMember(source);
        if (member == null) return null;
        Json body = source.get(member);
        RulesText text;
        RulesSourceKind kind;
        int required;
        switch (member) {
            case "RulesString" -> {
                String rules = body.text(problems, true);
                if (rules == null) return null;
                if (rules.length() > MAX_RULES_STRING)
                    problems.at(body.path(), "longer than " + MAX_RULES_STRING + " characters");
                text = new RulesText(problems.file(), body.path(), rules, List.of());
                kind = RulesSourceKind.RULES_STRING;
                required = RuleLines.countRules(rules);
            }
            case "StatefulRules" -> {
                text = statefulRules(body);
                kind = RulesSourceKind.STATEFUL_RULES;
                required = text.origins().size();
            }
            case "RulesSourceList" -> {
                text = domainList(body, order);
                if (text == null) return null;
                kind = RulesSourceKind.RULES_SOURCE_LIST;
                required = DomainListRules.capacity(
                        body.get("Targets").node().size(),
                        body.get("TargetTypes").node().size(),
                        GeneratedRulesType.valueOf(
                                body.get("GeneratedRulesType").node().asText()));
            }
            default -> {
                problems.at(body.path(), "a STATEFUL rule group cannot use StatelessRulesAndCustomActions");
                return null;
            }
        }

        Map<String, List<String>> references = new LinkedHashMap<>();
        for (Json.Member ref :
                ruleGroup.get("ReferenceSets").get("IPSetReferences").members(problems)) {
            if (!checkVariableName(ref)) continue;
            Json arnJson = ref.value().get("ReferenceArn");
            String arn = arnJson.text(problems, true);
            if (arn == null) continue;
            List<String> resolved = options.ipSetReferences().get(arn);
            if (resolved != null) references.put(ref.key(), resolved);
            else if (RuleLines.usesReference(text.text(), ref.key()))
                problems.at(
                        arnJson.path(),
                        "IP set reference @" + ref.key() + " (" + arn
                                + ") cannot be resolved without AWS; define it as an IPSet");
        }

        if (problems.list().size() != before) return null;
        return new StatefulRuleGroup(
                groupName(group),
                groupArn(group),
                reference.priority(),
                declaredCapacity(group),
                required,
                kind,
                override != null,
                text,
                RuleVariables.resolve(homeNet, ipSets, portSets, references));
    }

    private boolean checkVariableName(Json.Member member) {
        if (VARIABLE_NAME.matcher(member.key()).matches()) return true;
        problems.at(
                member.value().path(),
                "variable name '" + member.key() + "' must match ^[A-Za-z][A-Za-z0-9_]*$ (at most 32 characters)");
        return false;
    }

    /** Port set entries: a port or a {@code from:to} range, 0–65535. */
    private List<String> ports(Json definition) {
        List<String> out = new ArrayList<>();
        List<Json> entries = definition.elements(problems, true);
        if (definition.present() && entries.isEmpty()) problems.at(definition.path(), "needs at least one port");
        for (Json entry : entries) {
            String text = entry.text(problems, true);
            if (text == null) continue;
            var matcher = PORT_OR_RANGE.matcher(text);
            boolean valid = matcher.matches();
            if (valid) {
                int from = Integer.parseInt(matcher.group(1));
                int to = matcher.group(2) == null ? from : Integer.parseInt(matcher.group(2));
                valid = from <= 65535 && to <= 65535 && from <= to;
            }
            if (valid) out.add(text);
            else problems.at(entry.path(), "invalid port or port range '" + text + "'; expected N or N:M in 0–65535");
        }
        return out;
    }

    /** policy.md §1.2: one Suricata rule per {@code StatefulRules} entry. */
    private RulesText statefulRules(Json list) {
        StringBuilder text = new StringBuilder();
        List<LineOrigin> origins = new ArrayList<>();
        for (Json rule : list.elements(problems, true)) {
            if (!rule.isObject(problems, true)) continue;
            Json actionJson = rule.get("Action");
            String action = actionJson.text(problems, true);
            if (action != null && !STATEFUL_ACTIONS.contains(action))
                problems.at(actionJson.path(), "unknown action " + action + "; expected PASS, DROP, ALERT or REJECT");
            Json header = rule.get("Header");
            if (!header.isObject(problems, true)) continue;
            Json protocolJson = header.get("Protocol");
            String protocol = protocolJson.text(problems, true);
            if (protocol != null && !PROTOCOLS.contains(protocol))
                problems.at(protocolJson.path(), "unknown protocol " + protocol);
            String source = header.get("Source").text(problems, true);
            String sourcePort = header.get("SourcePort").text(problems, true);
            Json directionJson = header.get("Direction");
            String direction = directionJson.text(problems, true);
            if (direction != null && !direction.equals("FORWARD") && !direction.equals("ANY"))
                problems.at(directionJson.path(), "unknown direction " + direction + "; expected FORWARD or ANY");
            String destination = header.get("Destination").text(problems, true);
            String destinationPort = header.get("DestinationPort").text(problems, true);
            List<String> renderedOptions = new ArrayList<>();
            boolean hasSid = false;
            for (Json option : rule.get("RuleOptions").elements(problems, true)) {
                String keyword = option.get("Keyword").text(problems, true);
                if (keyword == null) continue;
                hasSid |= keyword.equals("sid");
                List<String> settings = new ArrayList<>();
                for (Json setting : option.get("Settings").elements(problems, false)) {
                    String value = setting.text(problems, true);
                    if (value != null) settings.add(value);
                }
                renderedOptions.add(settings.isEmpty() ? keyword : keyword + ":" + String.join(",", settings));
            }
            if (!hasSid) problems.at(rule.get("RuleOptions").path(), "a sid option is required");
            if (action == null
                    || protocol == null
                    || source == null
                    || sourcePort == null
                    || direction == null
                    || destination == null
                    || destinationPort == null) continue;
            if (!text.isEmpty()) text.append('\n');
            text.append(renderStatefulRule(
                    action, protocol, source, sourcePort, direction, destination, destinationPort, renderedOptions));
            origins.add(new LineOrigin(rule.path(), 0));
        }
        return new RulesText(problems.file(), list.path(), text.toString(), origins);
    }

    /**
     * {@code action protocol src srcport ->|<> dst dstport (keyword:settings; ...)} as NFW renders a {@code
     * StatefulRules} entry; action and protocol lowercased and {@code ANY} written {@code any}.
     */
    static String renderStatefulRule(
            String action,
            String protocol,
            String source,
            String sourcePort,
            String direction,
            String destination,
            String destinationPort,
            List<String> options) {
        StringBuilder out = new StringBuilder()
                .append(action.toLowerCase(java.util.Locale.ROOT))
                .append(' ')
                .append(protocol.toLowerCase(java.util.Locale.ROOT))
                .append(' ')
                .append(any(source))
                .append(' ')
                .append(any(sourcePort))
                .append(direction.equals("ANY") ? " <> " : " -> ")
                .append(any(destination))
                .append(' ')
                .append(any(destinationPort))
                .append(" (");
        for (int i = 0; i < options.size(); i++)
            out.append(i == 0 ? "" : " ").append(options.get(i)).append(';');
        return out.append(')').toString();
    }

    private static String any(String value) {
        return value.equalsIgnoreCase("ANY") ? "any" : value;
    }

    /** policy.md §2.6: a domain list becomes generated rules. */
    private RulesText domainList(Json list, RuleOrder order) {
        List<String> targets = new ArrayList<>();
        List<Json> targetJsons = list.get("Targets").elements(problems, true);
        if (list.get("Targets").present() && targetJsons.isEmpty())
            problems.at(list.get("Targets").path(), "needs at least one domain");
        for (Json target : targetJsons) {
            String domain = target.text(problems, true);
            String error = domain == null ? null : DomainNames.problemWith(domain);
            if (error != null) problems.at(target.path(), error);
            targets.add(domain);
        }
        Set<DomainTargetType> types = new LinkedHashSet<>();
        Json typesJson = list.get("TargetTypes");
        List<Json> typeJsons = typesJson.elements(problems, true);
        if (typesJson.present() && typeJsons.isEmpty())
            problems.at(typesJson.path(), "needs TLS_SNI, HTTP_HOST or both");
        for (Json type : typeJsons) {
            String text = type.text(problems, true);
            if (text == null) continue;
            try {
                if (!types.add(DomainTargetType.valueOf(text))) problems.at(type.path(), text + " is given twice");
            } catch (IllegalArgumentException e) {
                problems.at(type.path(), "unknown target type " + text + "; expected TLS_SNI or HTTP_HOST");
            }
        }
        Json generatedJson = list.get("GeneratedRulesType");
        GeneratedRulesType generated = null;
        String generatedText = generatedJson.text(problems, true);
        if (generatedText != null) {
            try {
                generated = GeneratedRulesType.valueOf(generatedText);
            } catch (IllegalArgumentException e) {
                problems.at(
                        generatedJson.path(),
                        "unknown GeneratedRulesType " + generatedText
                                + "; expected ALLOWLIST, DENYLIST, REJECTLIST or ALERTLIST");
            }
        }
        if (generated == null || types.isEmpty() || targets.isEmpty() || targets.contains(null)) return null;
        List<String> lines = new ArrayList<>();
        List<LineOrigin> origins = new ArrayList<>();
        for (DomainListRules.GeneratedRule rule :
                DomainListRules.generate(targets, List.copyOf(types), generated, order)) {
            lines.add(rule.text());
            String origin = rule.targetIndex() < 0
                    ? generatedJson.path()
                    : targetJsons.get(rule.targetIndex()).path();
            origins.add(new LineOrigin(origin, 0));
        }
        return new RulesText(problems.file(), list.path(), String.join("\n", lines), origins);
    }
}
