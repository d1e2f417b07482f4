package org.gwlbinspect.detect;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.policy.RuleVariables;

/**
 * Parses header address and port groups ({@code any}, CIDR, {@code a:b}, {@code [x,y]}, {@code !x}, {@code $VAR},
 * {@code @REF}, nested) into matchers. A list is the union of its plain elements minus its negated ones (all when it
 * has only negated ones), as Suricata resolves address groups; a variable's entries form such a list.
 */
final class HeaderGroupParser {
    private final RuleVariables variables;

    HeaderGroupParser(RuleVariables variables) {
        this.variables = variables;
    }

    /** Parses an address group written at {@code index} in the rule text. */
    AddressMatcher address(String token, int index) {
        Walk walk = new Walk(false, token, index, -1, "", new ArrayDeque<>());
        Ranges[] result = walk.whole();
        if (result[0].isEmpty() && result[1].isEmpty())
            throw new RuleSyntaxException("address group '" + token + "' matches no address", index);
        return new AddressMatcher(result[0], result[1], walk.negation, token);
    }

    /** Parses a port group written at {@code index} in the rule text. */
    PortMatcher port(String token, int index) {
        Walk walk = new Walk(true, token, index, -1, "", new ArrayDeque<>());
        Ranges[] result = walk.whole();
        if (result[0].isEmpty()) throw new RuleSyntaxException("port group '" + token + "' matches no port", index);
        return new PortMatcher(result[0], token);
    }

    /** One pass over a group's text; variables are walked by nested instances pinned to the variable's position. */
    private final class Walk {
        private final boolean ports;
        private final String text;
        private final int base;
        private final int fixedIndex;
        private final String context;
        private final Deque<String> expanding;
        private int pos;
        boolean negation;

        Walk(boolean ports, String text, int base, int fixedIndex, String context, Deque<String> expanding) {
            this.ports = ports;
            this.text = text;
            this.base = base;
            this.fixedIndex = fixedIndex;
            this.context = context;
            this.expanding = expanding;
        }

        Ranges[] whole() {
            Ranges[] result = element();
            skipSpaces();
            if (pos < text.length()) throw error("unexpected '" + text.charAt(pos) + "' in " + what(), pos);
            return result;
        }

        private Ranges[] element() {
            skipSpaces();
            if (pos >= text.length()) throw error("empty " + what(), pos);
            char c = text.charAt(pos);
            if (c == '!') {
                pos++;
                negation = true;
                return complement(element());
            }
            if (c == '[') {
                pos++;
                return list();
            }
            if (c == '$' || c == '@') return variable();
            return leaf();
        }

        private Ranges[] list() {
            Ranges[] plus = null;
            Ranges[] minus = none();
            int start = pos;
            int open = pos - 1;
            while (true) {
                skipSpaces();
                if (pos < text.length() && text.charAt(pos) == ']' && plus == null && pos == start)
                    throw error("empty " + what() + " '[]'", pos);
                boolean negated = false;
                if (pos < text.length() && text.charAt(pos) == '!') {
                    pos++;
                    negated = true;
                    negation = true;
                }
                Ranges[] e = element();
                if (negated) minus = union(minus, e);
                else plus = plus == null ? e : union(plus, e);
                skipSpaces();
                if (pos >= text.length()) throw error("missing ']' in " + what(), open);
                char c = text.charAt(pos++);
                if (c == ']') break;
                if (c != ',') throw error("unexpected '" + c + "' in " + what(), pos - 1);
            }
            return minus(plus == null ? all() : plus, minus);
        }

        private Ranges[] variable() {
            int at = pos;
            char sigil = text.charAt(pos++);
            int nameStart = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'))
                pos++;
            String name = text.substring(nameStart, pos);
            if (name.isEmpty()) throw error("missing variable name after '" + sigil + "'", at);
            String shown = sigil + name;
            List<String> entries = lookup(sigil, name, at);
            if (expanding.contains(shown)) throw error("variable " + shown + " refers to itself", at);
            if (entries.isEmpty()) throw error("variable " + shown + " is empty", at);
            int pin = fixedIndex >= 0 ? fixedIndex : base + at;
            expanding.push(shown);
            try {
                Ranges[] plus = null;
                Ranges[] minus = none();
                for (String entry : entries) {
                    Walk inner = new Walk(ports, entry.strip(), base, pin, context + "in " + shown + ": ", expanding);
                    boolean negated = false;
                    if (inner.text.startsWith("!")) {
                        inner.pos = 1;
                        negated = true;
                        negation = true;
                    }
                    Ranges[] e = inner.whole();
                    negation |= inner.negation;
                    if (negated) minus = union(minus, e);
                    else plus = plus == null ? e : union(plus, e);
                }
                return minus(plus == null ? all() : plus, minus);
            } finally {
                expanding.pop();
            }
        }

        private List<String> lookup(char sigil, String name, int at) {
            if (sigil == '@') {
                if (ports) throw error("IP set reference @" + name + " cannot be used as a port", at);
                List<String> entries = variables.ipSetReferences().get(name);
                if (entries == null) throw error("undefined IP set reference @" + name, at);
                return entries;
            }
            Map<String, List<String>> mine = ports ? variables.portSets() : variables.ipSets();
            Map<String, List<String>> other = ports ? variables.ipSets() : variables.portSets();
            List<String> entries = mine.get(name);
            if (entries != null) return entries;
            if (other.containsKey(name))
                throw error(
                        "$" + name + " is " + (ports ? "an IP set" : "a port set") + " and cannot be used as "
                                + (ports ? "a port" : "an address"),
                        at);
            throw error("undefined variable $" + name, at);
        }

        private Ranges[] leaf() {
            int start = pos;
            while (pos < text.length()
                    && ",]".indexOf(text.charAt(pos)) < 0
                    && !Character.isWhitespace(text.charAt(pos))) pos++;
            String item = text.substring(start, pos);
            if (item.equalsIgnoreCase("any")) return all();
            if (ports) return new Ranges[] {portRange(item, start)};
            try {
                Cidrs.Block block = Cidrs.parse(item);
                Ranges range =
                        Ranges.of(block.version() == 4 ? Cidrs.V4_MAX : Cidrs.V6_MAX, block.start(), block.end());
                return block.version() == 4
                        ? new Ranges[] {range, Ranges.empty(Cidrs.V6_MAX)}
                        : new Ranges[] {Ranges.empty(Cidrs.V4_MAX), range};
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage(), start);
            }
        }

        private Ranges portRange(String item, int at) {
            int colon = item.indexOf(':');
            String low = colon < 0 ? item : item.substring(0, colon);
            String high = colon < 0 ? item : item.substring(colon + 1);
            if (colon >= 0 && low.isEmpty() && high.isEmpty()) throw error("bad port '" + item + "'", at);
            int from = low.isEmpty() ? 0 : portNumber(low, item, at);
            int to = high.isEmpty() ? 65535 : portNumber(high, item, at);
            if (from > to) throw error("bad port range '" + item + "': " + from + " is above " + to, at);
            return Ranges.of(PortMatcher.MAX, BigInteger.valueOf(from), BigInteger.valueOf(to));
        }

        private int portNumber(String digits, String item, int at) {
            if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(Character::isDigit))
                throw error("bad port '" + item + "'", at);
            int port = Integer.parseInt(digits);
            if (port > 65535) throw error("port " + port + " is above 65535", at);
            return port;
        }

        private String what() {
            return ports ? "port group" : "address group";
        }

        private void skipSpaces() {
            while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
        }

        private RuleSyntaxException error(String message, int at) {
            return new RuleSyntaxException(context + message, fixedIndex >= 0 ? fixedIndex : base + at);
        }

        private Ranges[] all() {
            return ports
                    ? new Ranges[] {Ranges.all(PortMatcher.MAX)}
                    : new Ranges[] {Ranges.all(Cidrs.V4_MAX), Ranges.all(Cidrs.V6_MAX)};
        }

        private Ranges[] none() {
            return ports
                    ? new Ranges[] {Ranges.empty(PortMatcher.MAX)}
                    : new Ranges[] {Ranges.empty(Cidrs.V4_MAX), Ranges.empty(Cidrs.V6_MAX)};
        }
    }

    private static Ranges[] complement(Ranges[] a) {
        Ranges[] out = new Ranges[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i].complement();
        return out;
    }

    private static Ranges[] union(Ranges[] a, Ranges[] b) {
        Ranges[] out = new Ranges[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i].union(b[i]);
        return out;
    }

    private static Ranges[] minus(Ranges[] a, Ranges[] b) {
        Ranges[] out = new Ranges[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i].minus(b[i]);
        return out;
    }
}
