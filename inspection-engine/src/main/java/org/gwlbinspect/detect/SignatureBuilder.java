package org.gwlbinspect.detect;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.gwlbinspect.detect.Condition.TcpFlags.Modifier;
import org.gwlbinspect.detect.FlowCondition.FlowDirection;
import org.gwlbinspect.detect.FlowCondition.FlowState;
import org.gwlbinspect.detect.FlowCondition.StreamRequirement;
import org.gwlbinspect.policy.PolicyProblem;
import org.gwlbinspect.policy.RuleOrder;

/**
 * Parses and validates one logical rule into a {@link Signature}, collecting every problem it finds with its position.
 * One instance per rule; not thread-safe.
 */
final class SignatureBuilder {
    private static final Set<String> SINGLE_KEYWORDS = Set.of(
            "msg",
            "sid",
            "rev",
            "gid",
            "classtype",
            "priority",
            "flow",
            "dsize",
            "ttl",
            "tls.version",
            "resolved.domain",
            "destination_binding");

    /** One {@code keyword[:value];} of the options, with where its keyword and value start. */
    private record Option(String name, String keyword, String value, int index, int valueIndex) {}

    private record Pending(int index, String message) {}

    private final RuleText rule;
    private final String text;
    private final HeaderGroupParser groups;
    private final RuleOrder order;
    private final List<Pending> problems = new ArrayList<>();

    private Action action;
    private RuleProtocol protocol;
    private AddressMatcher source;
    private PortMatcher sourcePort;
    private Direction direction;
    private AddressMatcher destination;
    private PortMatcher destinationPort;

    private long sid;
    private boolean sidSet;
    private int sidIndex;
    private long rev;
    private long gid = 1;
    private String msg = "";
    private Classtype classtype;
    private int priority;
    private final List<Reference> references = new ArrayList<>();
    private final List<MetadataEntry> metadata = new ArrayList<>();
    private FlowDirection flowDirection = FlowDirection.ANY;
    private FlowState flowState = FlowState.ANY;
    private StreamRequirement flowStream = StreamRequirement.ANY;
    private String[] flowWords = new String[3];
    private boolean flowSeen;
    private int flowIndex;
    private final List<FlowbitsOperation> flowbits = new ArrayList<>();
    private boolean noalert;
    private boolean alert;
    private final List<Condition> conditions = new ArrayList<>();
    private final Map<Buffer, InspectionBuilder> inspections = new LinkedHashMap<>();
    private InspectionBuilder current;
    private ContentBuilder lastContent;
    private boolean pcreSinceContent;
    private final Set<String> seenSingle = new HashSet<>();
    private boolean fastPatternSeen;

    private boolean packetKeyword;
    private boolean dsizeSeen;
    private boolean appLayerProtocolKeyword;
    private boolean contentSeen;
    private int pcreIndex = -1;
    private int tcpFlagsIndex = -1;
    private RuleProtocol appProtocol;
    private String appProtocolKeyword;
    private Buffer.Side side = Buffer.Side.EITHER;
    private String sideKeyword;
    private int destinationBindingIndex = -1;

    SignatureBuilder(RuleText rule, HeaderGroupParser groups, RuleOrder order) {
        this.rule = rule;
        this.text = rule.text();
        this.groups = groups;
        this.order = order;
    }

    /** Parses the rule; null when it has problems (see {@link #problems}). */
    Signature build() {
        int open = text.indexOf('(');
        parseHeader(open < 0 ? text.length() : open);
        if (open < 0) {
            problem(text.length(), "missing rule options: expected '(' after the header");
            return null;
        }
        int close = text.lastIndexOf(')');
        if (close < open) {
            problem(text.length(), "unbalanced parentheses: the rule options must end with ')'");
            close = text.length();
        } else {
            int after = close + 1;
            while (after < text.length() && Character.isWhitespace(text.charAt(after))) after++;
            if (after < text.length()) problem(after, "unexpected text after ')'");
        }
        for (Option option : splitOptions(open + 1, close)) {
            try {
                apply(option);
            } catch (RuleSyntaxException e) {
                problem(e.index >= 0 ? e.index : option.index(), e.getMessage());
            }
        }
        finish();
        if (!problems.isEmpty() || action == null || protocol == null) return null;
        return new Signature(
                rule.line(rule.start()),
                action,
                protocol,
                source,
                sourcePort,
                direction,
                destination,
                destinationPort,
                sid,
                rev,
                gid,
                msg,
                classtype,
                priority,
                references,
                metadata,
                new FlowCondition(flowDirection, flowState, flowStream),
                flowbits,
                noalert,
                alert,
                conditions,
                inspections.values().stream().map(InspectionBuilder::build).toList(),
                classify());
    }

    boolean sidKnown() {
        return sidSet;
    }

    long sid() {
        return sid;
    }

    int sidIndex() {
        return sidIndex;
    }

    List<PolicyProblem> problems(String file, String jsonPath) {
        return problems.stream()
                .map(p -> new PolicyProblem(
                        file, jsonPath, rule.line(p.index()), rule.column(p.index()), sidSet ? sid : 0, p.message()))
                .toList();
    }

    private void problem(int index, String message) {
        problems.add(new Pending(index, message));
    }

    // ---- header ------------------------------------------------------------------------------------------------

    private void parseHeader(int end) {
        List<int[]> tokens = new ArrayList<>(); // {start, end}
        int i = 0;
        while (i < end) {
            while (i < end && Character.isWhitespace(text.charAt(i))) i++;
            if (i >= end) break;
            int start = i;
            int depth = 0;
            while (i < end && (depth > 0 || !Character.isWhitespace(text.charAt(i)))) {
                char c = text.charAt(i++);
                if (c == '[') depth++;
                else if (c == ']') depth--;
            }
            if (depth > 0) { // unclosed '[': take the word only, so the group parser reports the missing ']'
                i = start;
                while (i < end && !Character.isWhitespace(text.charAt(i))) i++;
            }
            tokens.add(new int[] {start, i});
        }
        if (tokens.size() > 7) {
            int[] extra = tokens.get(7);
            problem(extra[0], "unexpected '" + text.substring(extra[0], extra[1]) + "' in the rule header");
        }
        String[] names = {"action", "protocol", "source", "source port", "direction", "destination", "destination port"
        };
        for (int n = 0; n < 7; n++) {
            if (n >= tokens.size()) {
                problem(end, "incomplete rule header: missing " + names[n]);
                return;
            }
            int[] t = tokens.get(n);
            String token = text.substring(t[0], t[1]);
            try {
                switch (n) {
                    case 0 -> action = parseAction(token);
                    case 1 -> protocol = parseProtocol(token);
                    case 2 -> source = groups.address(token, t[0]);
                    case 3 -> sourcePort = groups.port(token, t[0]);
                    case 4 -> direction = parseDirection(token);
                    case 5 -> destination = groups.address(token, t[0]);
                    default -> destinationPort = groups.port(token, t[0]);
                }
            } catch (RuleSyntaxException e) {
                problem(e.index >= 0 ? e.index : t[0], e.getMessage());
            }
        }
    }

    private static Action parseAction(String token) {
        for (Action a : Action.values()) {
            if (a.keyword().equalsIgnoreCase(token)) return a;
        }
        throw new RuleSyntaxException("unsupported action '" + token + "'");
    }

    private static RuleProtocol parseProtocol(String token) {
        String lower = token.toLowerCase(Locale.ROOT);
        if (Keywords.NFW_UNSUPPORTED_PROTOCOLS.contains(lower))
            throw new RuleSyntaxException("protocol '" + token + "' is not supported by AWS Network Firewall");
        if (Keywords.APPLIANCE_UNSUPPORTED_PROTOCOLS.contains(lower))
            throw new RuleSyntaxException("protocol '" + token + "' is not supported by this appliance");
        return RuleProtocol.fromKeyword(lower)
                .orElseThrow(() -> new RuleSyntaxException("unknown protocol '" + token + "'"));
    }

    private static Direction parseDirection(String token) {
        return switch (token) {
            case "->" -> Direction.FORWARD;
            case "<>" -> Direction.BOTH;
            default -> throw new RuleSyntaxException("unsupported direction '" + token + "' (expected '->' or '<>')");
        };
    }

    // ---- option splitting --------------------------------------------------------------------------------------

    private List<Option> splitOptions(int from, int close) {
        List<Option> options = new ArrayList<>();
        int i = from;
        while (true) {
            while (i < close && Character.isWhitespace(text.charAt(i))) i++;
            if (i >= close) break;
            int start = i;
            while (i < close
                    && text.charAt(i) != ':'
                    && text.charAt(i) != ';'
                    && !Character.isWhitespace(text.charAt(i))) i++;
            String name = text.substring(start, i);
            while (i < close && Character.isWhitespace(text.charAt(i))) i++;
            if (name.isEmpty()) {
                problem(start, "empty option before '" + text.charAt(start) + "'");
                i = skipPast(start, close);
                continue;
            }
            String value = null;
            int valueIndex = i;
            if (i < close && text.charAt(i) == ':') {
                valueIndex = i + 1;
                int j = valueIndex;
                while (j < close && text.charAt(j) != ';') j += text.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(j, close);
                value = text.substring(valueIndex, j);
                if (j >= close) problem(start, "option '" + name + "' must end with ';'");
                i = j + 1;
            } else if (i < close && text.charAt(i) == ';') {
                i++;
            } else if (i >= close) {
                problem(start, "option '" + name + "' must end with ';'");
            } else {
                problem(i, "expected ':' or ';' after '" + name + "'");
                i = skipPast(i, close);
                continue;
            }
            options.add(new Option(name, name.toLowerCase(Locale.ROOT), value, start, valueIndex));
        }
        return options;
    }

    private int skipPast(int i, int close) {
        while (i < close && text.charAt(i) != ';') i += text.charAt(i) == '\\' ? 2 : 1;
        return i + 1;
    }

    // ---- options -----------------------------------------------------------------------------------------------

    private void apply(Option o) {
        if (SINGLE_KEYWORDS.contains(o.keyword()) && !seenSingle.add(o.keyword()))
            throw new RuleSyntaxException("'" + o.name() + "' appears more than once");
        switch (o.keyword()) {
            case "msg" -> msg = unescape(quoted(o, false));
            case "sid" -> {
                sidIndex = o.index();
                sid = number(o, 1, 0xFFFF_FFFFL);
                sidSet = true;
            }
            case "rev" -> rev = number(o, 0, 0xFFFF_FFFFL);
            case "gid" -> gid = number(o, 0, 0xFFFF_FFFFL);
            case "classtype" -> {
                String name = value(o).strip();
                classtype = Classtypes.find(name)
                        .orElseThrow(() -> new RuleSyntaxException("unknown classtype '" + name + "'"));
            }
            case "priority" -> {
                priority = (int) number(o, 1, 65535);
                if (order == RuleOrder.STRICT_ORDER)
                    throw new RuleSyntaxException("priority keyword is not allowed in STRICT_ORDER");
            }
            case "reference" -> reference(o);
            case "metadata" -> metadata(o);
            case "flow" -> flow(o);
            case "flowbits" -> flowbits(o);
            case "noalert" -> {
                noValue(o);
                noalert = true;
            }
            case "alert" -> {
                noValue(o);
                alert = true;
            }
            case "app-layer-protocol" -> appLayerProtocol(o);
            case "ip_proto" -> {
                conditions.add(new Condition.IpProto(ipProto(o)));
                packetKeyword = true;
            }
            case "dsize" -> {
                conditions.add(new Condition.Dsize(uint(o, 65535)));
                packetKeyword = true;
                dsizeSeen = true;
            }
            case "ttl" -> {
                conditions.add(new Condition.Ttl(uint(o, 255)));
                packetKeyword = true;
            }
            case "flags", "tcp.flags" -> {
                conditions.add(tcpFlags(o));
                packetKeyword = true;
                tcpFlagsIndex = o.index();
            }
            case "content" -> content(o);
            case "nocase", "depth", "offset", "distance", "within", "startswith", "endswith", "fast_pattern" ->
                contentModifier(o);
            case "bsize" -> bsize(o);
            case "isdataat" -> isdataat(o);
            case "pcre" -> pcre(o);
            case "dotprefix" -> transform(o, Transform.DOTPREFIX);
            case "to_lowercase" -> transform(o, Transform.TO_LOWERCASE);
            case "strip_whitespace" -> transform(o, Transform.STRIP_WHITESPACE);
            case "ssl_state" -> {
                requireProtocol(RuleProtocol.TLS, o);
                conditions.add(sslState(o));
            }
            case "ssl_version" -> {
                requireProtocol(RuleProtocol.TLS, o);
                conditions.add(sslVersion(o));
            }
            case "tls.version" -> {
                requireProtocol(RuleProtocol.TLS, o);
                conditions.add(tlsVersion(o));
            }
            case "resolved.domain" -> conditions.add(resolvedDomain(o));
            case "destination_binding" -> {
                destinationBindingIndex = o.index();
                try {
                    conditions.add(new Condition.DestinationBinding(DestinationBindingMode.parse(value(o))));
                } catch (IllegalArgumentException e) {
                    throw new RuleSyntaxException("destination_binding must be off, alert or enforce, got '"
                            + o.value().strip() + "'");
                }
            }
            default -> other(o);
        }
    }

    /** Longest domain name in text form (RFC 1035 §3.1: 255 octets on the wire). */
    private static final int MAX_DOMAIN_LENGTH = 253;

    /**
     * {@code resolved.domain:"example.com"} (exactly that name) or {@code ".example.com"} (it and every name under it,
     * as NFW domain lists write it): a condition on the flow's destination address, not a buffer.
     */
    private Condition.ResolvedDomain resolvedDomain(Option o) {
        String usage = "'" + o.name() + "' takes a quoted domain such as \"example.com\" or \".example.com\"";
        if (o.value() == null || o.value().isBlank())
            throw new RuleSyntaxException(usage + "; it is not a sticky buffer");
        if (current != null && current.buffer.isSticky())
            throw new RuleSyntaxException("'" + o.name() + "' matches the flow's destination address, not a buffer:"
                    + " put it before the sticky buffer '" + current.buffer.keyword() + "'");
        String v = o.value().strip();
        if (v.startsWith("!"))
            throw new RuleSyntaxException("'" + o.name() + "' cannot be negated: a flow whose destination was never"
                    + " resolved would match it");
        if (!v.startsWith("\"") || !v.endsWith("\"") || v.length() < 2) throw new RuleSyntaxException(usage);
        String domain = v.substring(1, v.length() - 1).toLowerCase(Locale.ROOT);
        boolean suffix = domain.startsWith(".");
        String name = suffix ? domain.substring(1) : domain;
        if (name.isEmpty()) throw new RuleSyntaxException("'" + o.name() + "' needs a domain name, got " + v);
        if (name.endsWith("."))
            throw new RuleSyntaxException("'" + o.name() + "' domain " + v + " must not end with a dot");
        if (name.length() > MAX_DOMAIN_LENGTH)
            throw new RuleSyntaxException(
                    "'" + o.name() + "' domain is longer than " + MAX_DOMAIN_LENGTH + " characters");
        if (name.contains("*"))
            throw new RuleSyntaxException("'" + o.name() + "' takes no wildcard: write \"." + name.replace("*.", "")
                    + "\" for a domain and the names under it");
        if (name.matches("[0-9.]+") || name.indexOf(':') >= 0)
            throw new RuleSyntaxException(
                    "'" + o.name() + "' takes a domain name, not an address: match addresses in" + " the rule header");
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty())
                throw new RuleSyntaxException("'" + o.name() + "' domain " + v + " has an empty label");
            if (label.length() > 63)
                throw new RuleSyntaxException(
                        "'" + o.name() + "' domain " + v + " has a label longer than 63 characters");
            if (!label.matches("[a-z0-9_-]+"))
                throw new RuleSyntaxException("'" + o.name() + "' domain " + v + " has a character other than letters,"
                        + " digits, '-' and '_' in label '" + label + "'");
        }
        return new Condition.ResolvedDomain(name, suffix);
    }

    private void other(Option o) {
        String kw = o.keyword();
        Buffer buffer = Keywords.STICKY_BUFFERS.get(kw);
        if (buffer != null) {
            stickyBuffer(o, buffer);
        } else if (kw.equals("uricontent")) {
            throw new RuleSyntaxException("legacy keyword 'uricontent' is not supported: use 'http.uri; content:...;'");
        } else if (Keywords.LEGACY_CONTENT_MODIFIERS.containsKey(kw)) {
            throw new RuleSyntaxException("legacy content modifier '" + o.name() + "' is not supported: select the"
                    + " sticky buffer '" + Keywords.LEGACY_CONTENT_MODIFIERS.get(kw) + ";' before the content");
        } else if (Keywords.NFW_UNSUPPORTED.contains(kw) || Keywords.hasPrefix(kw, Keywords.NFW_UNSUPPORTED_PREFIXES)) {
            throw new RuleSyntaxException("keyword '" + o.name() + "' is not supported by AWS Network Firewall");
        } else if (Keywords.APPLIANCE_UNSUPPORTED.contains(kw)
                || Keywords.hasPrefix(kw, Keywords.APPLIANCE_UNSUPPORTED_PREFIXES)) {
            throw new RuleSyntaxException("keyword '" + o.name() + "' is not supported by this appliance");
        } else {
            throw new RuleSyntaxException("unknown keyword '" + o.name() + "'");
        }
    }

    private void reference(Option o) {
        String v = value(o);
        int comma = v.indexOf(',');
        String type = comma < 0 ? "" : v.substring(0, comma).strip();
        String ref = comma < 0 ? "" : v.substring(comma + 1).strip();
        if (type.isEmpty() || ref.isEmpty() || !type.matches("[A-Za-z0-9_.-]+"))
            throw new RuleSyntaxException("reference needs 'type,value', got '" + v.strip() + "'");
        references.add(new Reference(type, ref));
    }

    private void metadata(Option o) {
        for (String entry : value(o).split(",", -1)) {
            String e = entry.strip();
            int space = indexOfWhitespace(e);
            if (space < 0) throw new RuleSyntaxException("metadata entry '" + e + "' needs a key and a value");
            metadata.add(new MetadataEntry(
                    e.substring(0, space), e.substring(space + 1).strip()));
        }
    }

    private void flow(Option o) {
        flowSeen = true;
        flowIndex = o.index();
        for (String word : value(o).split(",", -1)) {
            String w = word.strip().toLowerCase(Locale.ROOT);
            switch (w) {
                case "to_server", "from_client" -> flowDirection = flowSlot(0, w, FlowDirection.TO_SERVER);
                case "to_client", "from_server" -> flowDirection = flowSlot(0, w, FlowDirection.TO_CLIENT);
                case "established" -> flowState = flowSlot(1, w, FlowState.ESTABLISHED);
                case "not_established" -> flowState = flowSlot(1, w, FlowState.NOT_ESTABLISHED);
                case "stateless" -> flowState = flowSlot(1, w, FlowState.STATELESS);
                case "only_stream" -> flowStream = flowSlot(2, w, StreamRequirement.ONLY_STREAM);
                case "no_stream" -> flowStream = flowSlot(2, w, StreamRequirement.NO_STREAM);
                case "only_frag", "no_frag" ->
                    throw new RuleSyntaxException("flow option '" + w + "' is not supported by this appliance");
                case "" -> throw new RuleSyntaxException("empty flow option");
                default -> throw new RuleSyntaxException("unknown flow option '" + w + "'");
            }
        }
    }

    private <T> T flowSlot(int slot, String word, T value) {
        String previous = flowWords[slot];
        if (previous != null) {
            throw new RuleSyntaxException(
                    previous.equals(word)
                            ? "flow option '" + word + "' is repeated"
                            : "flow options '" + previous + "' and '" + word + "' conflict");
        }
        flowWords[slot] = word;
        return value;
    }

    private void flowbits(Option o) {
        String v = value(o).strip();
        int comma = v.indexOf(',');
        String command = (comma < 0 ? v : v.substring(0, comma)).strip().toLowerCase(Locale.ROOT);
        String names = comma < 0 ? "" : v.substring(comma + 1).strip();
        FlowbitsOperation.Operation operation =
                switch (command) {
                    case "noalert" -> {
                        if (!names.isEmpty()) throw new RuleSyntaxException("flowbits:noalert takes no name");
                        noalert = true;
                        yield null;
                    }
                    case "set" -> FlowbitsOperation.Operation.SET;
                    case "isset" -> FlowbitsOperation.Operation.ISSET;
                    case "isnotset" -> FlowbitsOperation.Operation.ISNOTSET;
                    case "unset" -> FlowbitsOperation.Operation.UNSET;
                    case "toggle" -> FlowbitsOperation.Operation.TOGGLE;
                    default -> throw new RuleSyntaxException("unknown flowbits command '" + command + "'");
                };
        if (operation == null) return;
        if (names.isEmpty()) throw new RuleSyntaxException("flowbits:" + command + " needs a flowbit name");
        boolean condition =
                operation == FlowbitsOperation.Operation.ISSET || operation == FlowbitsOperation.Operation.ISNOTSET;
        List<String> list = List.of(condition ? names.split("\\|", -1) : new String[] {names});
        List<String> stripped = list.stream().map(String::strip).toList();
        for (String name : stripped) {
            if (!name.matches("[A-Za-z0-9_.\\-]+")) throw new RuleSyntaxException("bad flowbit name '" + name + "'");
        }
        flowbits.add(new FlowbitsOperation(operation, stripped));
    }

    private void appLayerProtocol(Option o) {
        String v = value(o).strip();
        boolean negated = v.startsWith("!");
        String name = (negated ? v.substring(1) : v).strip().toLowerCase(Locale.ROOT);
        if (name.indexOf(',') >= 0)
            throw new RuleSyntaxException("app-layer-protocol mode '"
                    + name.substring(name.indexOf(',') + 1).strip() + "' is not supported by this appliance");
        if (Keywords.NFW_UNSUPPORTED_PROTOCOLS.contains(name))
            throw new RuleSyntaxException("app-layer protocol '" + name + "' is not supported by AWS Network Firewall");
        if (!Keywords.APP_LAYER_PROTOCOLS.contains(name))
            throw new RuleSyntaxException("unknown app-layer protocol '" + name + "'");
        conditions.add(new Condition.AppLayerProtocol(negated, name));
        appLayerProtocolKeyword = true;
    }

    private UintMatch ipProto(Option o) {
        String v = value(o).strip();
        UintMatch.Operator op = UintMatch.Operator.EQUAL;
        if (!v.isEmpty() && "!<>".indexOf(v.charAt(0)) >= 0) {
            op = switch (v.charAt(0)) {
                case '!' -> UintMatch.Operator.NOT_EQUAL;
                case '<' -> UintMatch.Operator.LESS;
                default -> UintMatch.Operator.GREATER;
            };
            v = v.substring(1).strip();
        }
        Integer known = Keywords.IP_PROTOCOL_NUMBERS.get(v.toLowerCase(Locale.ROOT));
        long number = known != null ? known : parseLong(v, 0, 255, "ip_proto needs a protocol number 0-255 or name");
        return new UintMatch(op, number, number);
    }

    private static final String TCP_FLAG_LETTERS = "FSRPAUEC";

    private Condition.TcpFlags tcpFlags(Option o) {
        String v = value(o).strip();
        int comma = v.indexOf(',');
        String flagsPart = (comma < 0 ? v : v.substring(0, comma)).strip();
        Modifier modifier = Modifier.EXACT;
        if (!flagsPart.isEmpty() && "!+*".indexOf(flagsPart.charAt(0)) >= 0) {
            modifier = switch (flagsPart.charAt(0)) {
                case '!' -> Modifier.NOT;
                case '+' -> Modifier.ALL_AND_OTHERS;
                default -> Modifier.ANY_OF;
            };
            flagsPart = flagsPart.substring(1);
        }
        if (flagsPart.isEmpty()) throw new RuleSyntaxException("'" + o.name() + "' needs flags such as S or SA");
        int flags = flagsPart.equals("0") ? 0 : flagBits(flagsPart, o.name());
        int ignored = comma < 0 ? 0 : flagBits(v.substring(comma + 1).strip(), o.name());
        return new Condition.TcpFlags(modifier, flags, ignored);
    }

    private static int flagBits(String letters, String keyword) {
        if (letters.isEmpty()) throw new RuleSyntaxException("'" + keyword + "' has an empty flag mask");
        int bits = 0;
        for (char c : letters.toCharArray()) {
            char u = Character.toUpperCase(c);
            int i = u == '1' ? 7 : u == '2' ? 6 : TCP_FLAG_LETTERS.indexOf(u); // 1, 2: old names of CWR, ECE
            if (i < 0) throw new RuleSyntaxException("unknown TCP flag '" + c + "' in '" + keyword + "'");
            bits |= 1 << i;
        }
        return bits;
    }

    private Condition.SslState sslState(Option o) {
        Set<Condition.SslState.State> states = EnumSet.noneOf(Condition.SslState.State.class);
        Set<Condition.SslState.State> negated = EnumSet.noneOf(Condition.SslState.State.class);
        for (String item : value(o).split("\\|", -1)) {
            String s = item.strip();
            boolean not = s.startsWith("!");
            String name = (not ? s.substring(1) : s).strip().toLowerCase(Locale.ROOT);
            Condition.SslState.State state =
                    switch (name) {
                        case "client_hello" -> Condition.SslState.State.CLIENT_HELLO;
                        case "server_hello" -> Condition.SslState.State.SERVER_HELLO;
                        case "client_keyx" -> Condition.SslState.State.CLIENT_KEYX;
                        case "server_keyx" -> Condition.SslState.State.SERVER_KEYX;
                        case "unknown" -> Condition.SslState.State.UNKNOWN;
                        default -> throw new RuleSyntaxException("unknown ssl_state '" + name + "'");
                    };
            (not ? negated : states).add(state);
        }
        return new Condition.SslState(states, negated);
    }

    private Condition.SslVersion sslVersion(Option o) {
        Set<Condition.SslVersion.Version> versions = EnumSet.noneOf(Condition.SslVersion.Version.class);
        Set<Condition.SslVersion.Version> negated = EnumSet.noneOf(Condition.SslVersion.Version.class);
        for (String item : value(o).split(",", -1)) {
            String s = item.strip();
            boolean not = s.startsWith("!");
            String name = (not ? s.substring(1) : s).strip().toLowerCase(Locale.ROOT);
            Condition.SslVersion.Version version =
                    switch (name) {
                        case "sslv2" -> Condition.SslVersion.Version.SSLV2;
                        case "sslv3" -> Condition.SslVersion.Version.SSLV3;
                        case "tls1.0" -> Condition.SslVersion.Version.TLS1_0;
                        case "tls1.1" -> Condition.SslVersion.Version.TLS1_1;
                        case "tls1.2" -> Condition.SslVersion.Version.TLS1_2;
                        case "tls1.3" -> Condition.SslVersion.Version.TLS1_3;
                        default -> throw new RuleSyntaxException("unknown ssl_version '" + name + "'");
                    };
            (not ? negated : versions).add(version);
        }
        return new Condition.SslVersion(versions, negated);
    }

    private Condition.TlsVersion tlsVersion(Option o) {
        String v = value(o).strip().toLowerCase(Locale.ROOT);
        int wire =
                switch (v) {
                    case "1.0" -> 0x0301;
                    case "1.1" -> 0x0302;
                    case "1.2" -> 0x0303;
                    case "1.3" -> 0x0304;
                    default -> {
                        if (v.startsWith("0x") && v.length() > 2 && v.length() <= 6 && isHex(v.substring(2)))
                            yield Integer.parseInt(v.substring(2), 16);
                        throw new RuleSyntaxException(
                                "tls.version needs 1.0, 1.1, 1.2, 1.3 or a hex version such as 0x0303");
                    }
                };
        return new Condition.TlsVersion(wire);
    }

    // ---- buffers and payload keywords ---------------------------------------------------------------------------

    private void stickyBuffer(Option o, Buffer buffer) {
        if (o.value() != null)
            throw new RuleSyntaxException("'" + o.name() + "' is a sticky buffer and takes no value");
        requireProtocol(buffer.protocol(), o);
        if (buffer.side() != Buffer.Side.EITHER) {
            if (side != Buffer.Side.EITHER && side != buffer.side())
                throw new RuleSyntaxException("'" + o.name() + "' (" + sideName(buffer.side()) + ") cannot be combined"
                        + " with '" + sideKeyword + "' (" + sideName(side) + ") in one rule");
            side = buffer.side();
            sideKeyword = o.name();
        }
        current = inspections.computeIfAbsent(buffer, InspectionBuilder::new);
        lastContent = null;
    }

    private void requireProtocol(RuleProtocol needed, Option o) {
        String what = "'" + o.name() + "' is a " + needed.keyword() + " keyword";
        if (protocol != null) {
            if (protocol.isAppLayer()) {
                boolean compatible =
                        protocol == needed || (needed == RuleProtocol.HTTP && protocol == RuleProtocol.HTTP2);
                if (!compatible)
                    throw new RuleSyntaxException(what + " and cannot be used in a " + protocol.keyword() + " rule");
            } else if (protocol == RuleProtocol.ICMP
                    || (protocol == RuleProtocol.UDP && needed.transport() == RuleProtocol.Transport.TCP)) {
                throw new RuleSyntaxException(what + " and cannot be used in a " + protocol.keyword() + " rule");
            }
        }
        if (appProtocol == null) {
            appProtocol = needed;
            appProtocolKeyword = o.name();
        } else if (appProtocol != needed) {
            throw new RuleSyntaxException(what + " and cannot be combined with '" + appProtocolKeyword + "' ("
                    + appProtocol.keyword() + ") in one rule");
        }
    }

    private InspectionBuilder currentOrPayload() {
        if (current == null) current = inspections.computeIfAbsent(Buffer.PAYLOAD, InspectionBuilder::new);
        return current;
    }

    private void content(Option o) {
        String v = value(o).strip();
        boolean negated = v.startsWith("!");
        if (negated) v = v.substring(1).strip();
        byte[] pattern = decodeContent(v);
        InspectionBuilder inspection = currentOrPayload();
        ContentBuilder content = new ContentBuilder(pattern, negated);
        inspection.matches.add(content);
        lastContent = content;
        pcreSinceContent = false;
        contentSeen = true;
        Buffer buffer = inspection.buffer;
        if (buffer.lowercased() && hasUppercase(pattern))
            throw new RuleSyntaxException("uppercase content in " + buffer.keyword() + " can never match");
        if (inspection.transforms.contains(Transform.TO_LOWERCASE) && hasUppercase(pattern))
            throw new RuleSyntaxException("uppercase content after to_lowercase can never match");
        if (buffer == Buffer.JA3_HASH && inspection.transforms.isEmpty()) {
            String hex = new String(pattern, StandardCharsets.ISO_8859_1);
            if (hex.length() != 32 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                throw new RuleSyntaxException("content in ja3.hash must be 32 lowercase hex digits (an MD5)");
        }
    }

    private void contentModifier(Option o) {
        String kw = o.keyword();
        if (lastContent == null || pcreSinceContent) {
            throw new RuleSyntaxException(
                    pcreSinceContent && lastContent != null
                            ? "'" + o.name() + "' must directly follow the content it modifies, not a pcre"
                            : "'" + o.name() + "' needs a content before it in the same buffer");
        }
        ContentBuilder c = lastContent;
        switch (kw) {
            case "nocase" -> {
                noValue(o);
                if (current.buffer.lowercased())
                    throw new RuleSyntaxException(
                            "'nocase' is not allowed with " + current.buffer.keyword() + " (the buffer is lowercased)");
                if (c.nocase) throw already(o);
                c.nocase = true;
            }
            case "depth" -> {
                int depth = (int) number(o, 1, 65535);
                absolute(o, c);
                if (c.depth != null) throw already(o);
                if (depth < c.pattern.length)
                    throw new RuleSyntaxException(
                            "depth " + depth + " is shorter than the content (" + c.pattern.length + " bytes)");
                c.depth = depth;
            }
            case "offset" -> {
                int offset = (int) number(o, 0, 65535);
                absolute(o, c);
                if (c.offset != null) throw already(o);
                c.offset = offset;
            }
            case "distance" -> {
                int distance = (int) number(o, -65535, 65535);
                relative(o, c);
                if (c.distance != null) throw already(o);
                c.distance = distance;
            }
            case "within" -> {
                int within = (int) number(o, 1, 65535);
                relative(o, c);
                if (c.within != null) throw already(o);
                if (within < c.pattern.length)
                    throw new RuleSyntaxException(
                            "within " + within + " is shorter than the content (" + c.pattern.length + " bytes)");
                c.within = within;
            }
            case "startswith" -> {
                noValue(o);
                if (c.startsWith) throw already(o);
                if (c.depth != null || c.offset != null || c.distance != null || c.within != null)
                    throw new RuleSyntaxException(
                            "'startswith' cannot be combined with depth, offset, distance or within");
                c.startsWith = true;
            }
            case "endswith" -> {
                noValue(o);
                if (c.endsWith) throw already(o);
                c.endsWith = true;
            }
            default -> { // fast_pattern
                String v = o.value() == null ? "" : o.value().strip();
                if (!v.isEmpty() && !v.equals("only") && !v.matches("\\d{1,5}\\s*,\\s*\\d{1,5}"))
                    throw new RuleSyntaxException(
                            "fast_pattern takes no value, 'only' or 'offset,length', got '" + v + "'");
                if (fastPatternSeen) throw new RuleSyntaxException("only one content per rule can be fast_pattern");
                fastPatternSeen = true;
                c.fastPattern = true;
            }
        }
    }

    private static void absolute(Option o, ContentBuilder c) {
        if (c.startsWith)
            throw new RuleSyntaxException("'" + o.name() + "' cannot be combined with startswith on the same content");
        if (c.distance != null || c.within != null)
            throw new RuleSyntaxException(
                    "'" + o.name() + "' cannot be combined with distance or within on the same content");
    }

    private static void relative(Option o, ContentBuilder c) {
        if (c.startsWith)
            throw new RuleSyntaxException("'" + o.name() + "' cannot be combined with startswith on the same content");
        if (c.depth != null || c.offset != null)
            throw new RuleSyntaxException(
                    "'" + o.name() + "' cannot be combined with depth or offset on the same content");
    }

    private static RuleSyntaxException already(Option o) {
        return new RuleSyntaxException("'" + o.name() + "' is already set for this content");
    }

    private void bsize(Option o) {
        if (current == null || !current.buffer.isSticky())
            throw new RuleSyntaxException("'bsize' needs a sticky buffer before it");
        if (current.matches.stream().anyMatch(Bsize.class::isInstance))
            throw new RuleSyntaxException("'bsize' is already set for " + current.buffer.keyword());
        current.matches.add(new Bsize(uint(o, 0xFFFF_FFFFL)));
    }

    private void isdataat(Option o) {
        String[] parts = value(o).split(",", -1);
        String first = parts[0].strip();
        boolean negated = first.startsWith("!");
        int offset = (int) parseLong(
                negated ? first.substring(1).strip() : first, 0, 65535, "isdataat needs an offset from 0 to 65535");
        boolean relative = false;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip().toLowerCase(Locale.ROOT);
            if (!p.equals("relative")) throw new RuleSyntaxException("unsupported isdataat option '" + p + "'");
            relative = true;
        }
        currentOrPayload().matches.add(new IsDataAt(offset, negated, relative));
    }

    private static final Map<Character, String> PCRE_BUFFER_FLAGS = Map.ofEntries(
            Map.entry('U', "http.uri"),
            Map.entry('I', "http.uri.raw"),
            Map.entry('H', "http.header"),
            Map.entry('D', "http.header.raw"),
            Map.entry('M', "http.method"),
            Map.entry('C', "http.cookie"),
            Map.entry('K', "http.cookie"),
            Map.entry('S', "http.stat_code"),
            Map.entry('Y', "http.stat_msg"),
            Map.entry('V', "http.user_agent"),
            Map.entry('W', "http.host"),
            Map.entry('Z', "http.host.raw"),
            Map.entry('P', "http.request_body"),
            Map.entry('Q', "http.response_body"));

    private void pcre(Option o) {
        String v = value(o).strip();
        boolean negated = v.startsWith("!");
        if (negated) v = v.substring(1).strip();
        String inner = quotedValue(v, o.name(), true);
        int last = inner.lastIndexOf('/');
        if (!inner.startsWith("/") || last == 0) throw new RuleSyntaxException("pcre must look like \"/regex/flags\"");
        String regex = inner.substring(1, last);
        if (regex.isEmpty()) throw new RuleSyntaxException("pcre regex is empty");
        Set<PcreMatch.Flag> flags = EnumSet.noneOf(PcreMatch.Flag.class);
        for (char f : inner.substring(last + 1).toCharArray()) {
            PcreMatch.Flag flag = null;
            for (PcreMatch.Flag candidate : PcreMatch.Flag.values()) {
                if (candidate.letter() == f) flag = candidate;
            }
            if (flag != null) {
                flags.add(flag);
            } else if (PCRE_BUFFER_FLAGS.containsKey(f)) {
                throw new RuleSyntaxException("pcre flag '" + f + "' is not supported: select the sticky buffer '"
                        + PCRE_BUFFER_FLAGS.get(f) + ";' before the pcre");
            } else if (f == 'B' || f == 'O') {
                throw new RuleSyntaxException("pcre flag '" + f + "' is not supported by this appliance");
            } else {
                throw new RuleSyntaxException("unknown pcre flag '" + f + "'");
            }
        }
        currentOrPayload().matches.add(new PcreMatch(regex, flags, negated));
        if (pcreIndex < 0) pcreIndex = o.index();
        pcreSinceContent = true;
    }

    private void transform(Option o, Transform transform) {
        noValue(o);
        if (current == null || !current.buffer.isSticky())
            throw new RuleSyntaxException("'" + o.name() + "' needs a sticky buffer before it");
        if (!current.matches.isEmpty())
            throw new RuleSyntaxException("'" + o.name() + "' must directly follow the sticky buffer '"
                    + current.buffer.keyword() + "' (before its content)");
        current.transforms.add(transform);
    }

    // ---- whole-rule checks and classification ------------------------------------------------------------------

    private void finish() {
        int start = rule.start();
        if (!seenSingle.contains("sid")) problem(start, "missing sid");
        if (pcreIndex >= 0
                && !contentSeen
                && !inspections.containsKey(Buffer.TLS_SNI)
                && !inspections.containsKey(Buffer.HTTP_HOST)
                && !inspections.containsKey(Buffer.DNS_QUERY))
            problem(
                    pcreIndex,
                    "pcre needs a content, tls.sni, http.host or dns.query in the same rule (AWS Network Firewall)");
        if (flowDirection != FlowDirection.ANY && side != Buffer.Side.EITHER) {
            boolean toServer = flowDirection == FlowDirection.TO_SERVER;
            if (toServer != (side == Buffer.Side.TO_SERVER))
                problem(
                        flowIndex,
                        "'" + sideKeyword + "' is only inspected " + sideName(side) + " and cannot be used with flow:"
                                + flowWords[0]);
        }
        if (noalert && alert) problem(start, "'alert' and 'noalert' conflict");
        if (destinationBindingIndex >= 0
                && (action != Action.PASS
                        || !(inspections.containsKey(Buffer.TLS_SNI)
                                || inspections.containsKey(Buffer.HTTP_HOST)
                                || inspections.containsKey(Buffer.HTTP_HOST_RAW))))
            problem(
                    destinationBindingIndex,
                    "destination_binding applies to pass rules that match tls.sni or http.host (it checks the name"
                            + " they passed against the destination)");
        if (tcpFlagsIndex >= 0 && protocol != null && !protocol.matchesIpProtocol(6))
            problem(tcpFlagsIndex, "TCP flags can never match in a " + protocol.keyword() + " rule");
    }

    private RuleType classify() {
        if (protocol.isAppLayer() || appProtocol != null) return RuleType.APP_LAYER;
        InspectionBuilder payload = inspections.get(Buffer.PAYLOAD);
        if (payload != null && !payload.matches.isEmpty()) {
            if (flowStream == StreamRequirement.ONLY_STREAM) return RuleType.STREAM;
            if (flowStream == StreamRequirement.NO_STREAM || dsizeSeen) return RuleType.PACKET;
            return RuleType.PACKET_STREAM;
        }
        if (packetKeyword || flowSeen) return RuleType.PACKET;
        if (appLayerProtocolKeyword) return RuleType.PD_ONLY;
        return source.containsNegation() || destination.containsNegation() ? RuleType.LIKE_IP_ONLY : RuleType.IP_ONLY;
    }

    // ---- values ------------------------------------------------------------------------------------------------

    private static String value(Option o) {
        if (o.value() == null || o.value().isBlank()) throw new RuleSyntaxException("'" + o.name() + "' needs a value");
        return o.value();
    }

    private static void noValue(Option o) {
        if (o.value() != null) throw new RuleSyntaxException("'" + o.name() + "' takes no value");
    }

    private static String quoted(Option o, boolean required) {
        return quotedValue(value(o).strip(), o.name(), required);
    }

    private static String quotedValue(String v, String name, boolean required) {
        if (v.startsWith("\"")) {
            int backslashes = 0;
            for (int i = v.length() - 2; i > 0 && v.charAt(i) == '\\'; i--) backslashes++;
            if (v.length() < 2 || !v.endsWith("\"") || backslashes % 2 == 1)
                throw new RuleSyntaxException("unbalanced quotes in '" + name + "'");
            return v.substring(1, v.length() - 1);
        }
        if (v.endsWith("\"")) throw new RuleSyntaxException("unbalanced quotes in '" + name + "'");
        if (required) throw new RuleSyntaxException("'" + name + "' needs a double-quoted value");
        return v;
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && "\"\\;:".indexOf(s.charAt(i + 1)) >= 0) c = s.charAt(++i);
            out.append(c);
        }
        return out.toString();
    }

    /** Decodes a quoted content value: {@code |hex|} runs and the escapes {@code \" \\ \; \: \|}. */
    private static byte[] decodeContent(String v) {
        String inner = quotedValue(v, "content", true);
        if (inner.isEmpty()) throw new RuleSyntaxException("content is empty");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean hex = false;
        int hexDigits = 0;
        int hexValue = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '|') {
                if (hex && hexDigits % 2 == 1)
                    throw new RuleSyntaxException("bad |hex| in content: odd number of hex digits");
                if (hex && hexDigits == 0) throw new RuleSyntaxException("bad |hex| in content: empty '||'");
                hex = !hex;
                hexDigits = 0;
            } else if (hex) {
                if (c == ' ') continue;
                int d = Character.digit(c, 16);
                if (d < 0 || c > 'f')
                    throw new RuleSyntaxException("bad |hex| in content: '" + c + "' is not a hex digit");
                hexValue = (hexValue << 4) | d;
                if (++hexDigits % 2 == 0) out.write(hexValue & 0xFF);
            } else if (c == '\\') {
                if (i + 1 >= inner.length() || "\"\\;:|".indexOf(inner.charAt(i + 1)) < 0)
                    throw new RuleSyntaxException("bad escape in content: only \\\" \\\\ \\; \\: \\| are allowed");
                out.write(inner.charAt(++i));
            } else if (c == '"') {
                throw new RuleSyntaxException("unescaped '\"' in content");
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        if (hex) throw new RuleSyntaxException("bad |hex| in content: missing closing '|'");
        return out.toByteArray();
    }

    private static long number(Option o, long min, long max) {
        return parseLong(value(o).strip(), min, max, "'" + o.name() + "' needs a number from " + min + " to " + max);
    }

    private static long parseLong(String s, long min, long max, String expectation) {
        if (!s.matches("-?\\d{1,11}")) throw new RuleSyntaxException(expectation + ", got '" + s + "'");
        long n = Long.parseLong(s);
        if (n < min || n > max) throw new RuleSyntaxException(expectation + ", got '" + s + "'");
        return n;
    }

    /** Suricata 7 unsigned comparison: N, !N, <N, <=N, >N, >=N, A<>B, A-B. */
    private static UintMatch uint(Option o, long max) {
        String v = value(o).strip();
        String expectation = "'" + o.name() + "' needs N, <N, >N, <=N, >=N, !N or A<>B with numbers up to " + max;
        String[] range = v.contains("<>") ? v.split("<>", -1) : v.matches("\\d+\\s*-\\s*\\d+") ? v.split("-") : null;
        if (range != null) {
            if (range.length != 2) throw new RuleSyntaxException(expectation + ", got '" + v + "'");
            long low = parseLong(range[0].strip(), 0, max, expectation);
            long high = parseLong(range[1].strip(), 0, max, expectation);
            if (low >= high)
                throw new RuleSyntaxException(
                        "'" + o.name() + "' range " + v + " is empty: " + low + " is not below " + high);
            return new UintMatch(UintMatch.Operator.RANGE, low, high);
        }
        UintMatch.Operator op = UintMatch.Operator.EQUAL;
        String number = v;
        for (String prefix : new String[] {"<=", ">=", "<", ">", "!", "="}) {
            if (v.startsWith(prefix)) {
                op = switch (prefix) {
                    case "<=" -> UintMatch.Operator.LESS_OR_EQUAL;
                    case ">=" -> UintMatch.Operator.GREATER_OR_EQUAL;
                    case "<" -> UintMatch.Operator.LESS;
                    case ">" -> UintMatch.Operator.GREATER;
                    case "!" -> UintMatch.Operator.NOT_EQUAL;
                    default -> UintMatch.Operator.EQUAL;
                };
                number = v.substring(prefix.length()).strip();
                break;
            }
        }
        long n = parseLong(number, 0, max, expectation);
        return new UintMatch(op, n, n);
    }

    private static boolean hasUppercase(byte[] pattern) {
        for (byte b : pattern) {
            if (b >= 'A' && b <= 'Z') return true;
        }
        return false;
    }

    private static boolean isHex(String s) {
        return s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) return i;
        }
        return -1;
    }

    private static String sideName(Buffer.Side side) {
        return side == Buffer.Side.TO_SERVER ? "to_server" : "to_client";
    }

    /** A buffer's transforms and matches while the rule is being read. */
    private static final class InspectionBuilder {
        final Buffer buffer;
        final List<Transform> transforms = new ArrayList<>();
        final List<Object> matches = new ArrayList<>(); // BufferMatch or ContentBuilder

        InspectionBuilder(Buffer buffer) {
            this.buffer = buffer;
        }

        BufferInspection build() {
            List<BufferMatch> built = new ArrayList<>();
            for (Object m : matches) built.add(m instanceof ContentBuilder c ? c.build() : (BufferMatch) m);
            return new BufferInspection(buffer, transforms, built);
        }
    }

    /** A content whose modifiers may still follow. */
    private static final class ContentBuilder {
        final byte[] pattern;
        final boolean negated;
        boolean nocase;
        Integer depth;
        Integer offset;
        Integer distance;
        Integer within;
        boolean startsWith;
        boolean endsWith;
        boolean fastPattern;

        ContentBuilder(byte[] pattern, boolean negated) {
            this.pattern = pattern;
            this.negated = negated;
        }

        ContentMatch build() {
            return new ContentMatch(
                    pattern,
                    negated,
                    nocase,
                    optional(depth),
                    optional(offset),
                    optional(distance),
                    optional(within),
                    startsWith,
                    endsWith,
                    fastPattern);
        }

        private static OptionalInt optional(Integer value) {
            return value == null ? OptionalInt.empty() : OptionalInt.of(value);
        }
    }
}
