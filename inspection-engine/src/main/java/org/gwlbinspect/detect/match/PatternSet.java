package org.gwlbinspect.detect.match;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Builder of the patterns of one policy snapshot: Suricata {@code content} literals and {@code pcre} regexes, each
 * with the caller's int id and the id of the buffer (sticky buffer or stream) it is matched in. {@link #compile()}
 * turns it into an immutable {@link CompiledPatterns}; this builder is for the control plane and is not thread-safe.
 */
public final class PatternSet {
    /** Buffer ids run from 0 to this value; the snapshot indexes its databases by buffer id. */
    public static final int MAX_BUFFER_ID = 255;

    private final List<PatternSpec> specs = new ArrayList<>();
    private final Set<Integer> ids = new HashSet<>();
    private boolean firstMatchOnly;
    private boolean firstMatchOnlyInBlocks;

    /**
     * Adds a literal ({@code content:"..."}, {@code |hex|} bytes already decoded by the caller).
     *
     * @param id the caller's id, reported with every match; unique within the set
     * @param bufferId which buffer the literal is matched in, 0 to {@link #MAX_BUFFER_ID}
     * @param bytes the raw bytes to find, at least one
     * @param caseless {@code nocase}: ASCII letters match either case
     */
    public PatternSet addLiteral(int id, int bufferId, byte[] bytes, boolean caseless) {
        if (bytes.length == 0) throw new IllegalArgumentException("pattern " + id + ": empty literal");
        return add(new PatternSpec(id, checkBufferId(bufferId), bytes.clone(), caseless, null, Set.of()));
    }

    /**
     * Adds a regex from {@code pcre:"/regex/flags"}, already split by the caller. The regex matches bytes, not
     * characters: a character above U+007F in {@code regex} stands for its UTF-8 bytes, as in a rules file; write
     * {@code \xNN} for a single byte. A regex Hyperscan cannot compile exactly (back-references, look-around) is
     * compiled as a Hyperscan prefilter and confirmed with {@code java.util.regex}: see {@link
     * CompiledPatterns#slowPatterns()}.
     */
    public PatternSet addPcre(int id, int bufferId, String regex, Set<PcreFlag> flags) {
        Objects.requireNonNull(regex, "regex");
        Set<PcreFlag> copy = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        return add(new PatternSpec(id, checkBufferId(bufferId), null, false, regex, copy));
    }

    /**
     * Reports each pattern at most once per block scan or per stream ({@code HS_FLAG_SINGLEMATCH}): enough when the
     * detector re-checks positional modifiers itself, and far fewer callbacks on repetitive payloads. Off by
     * default: every match is reported with its end offset.
     */
    public PatternSet reportFirstMatchOnly(boolean firstMatchOnly) {
        this.firstMatchOnly = firstMatchOnly;
        return this;
    }

    /**
     * Reports each pattern at most once per block scan ({@code HS_FLAG_SINGLEMATCH} in the block-mode databases
     * only), every occurrence in streams: for a caller that asks "does it occur" of a packet, but "where, lately" of a
     * stream, since a stream-mode {@code SINGLEMATCH} pattern is reported once for the whole stream.
     */
    public PatternSet reportFirstMatchOnlyInBlockMode(boolean firstMatchOnlyInBlocks) {
        this.firstMatchOnlyInBlocks = firstMatchOnlyInBlocks;
        return this;
    }

    /** Number of patterns added so far. */
    public int size() {
        return specs.size();
    }

    /**
     * Compiles one block-mode and one stream-mode Hyperscan database per buffer id in use.
     *
     * @throws PatternCompileException naming the first pattern that cannot be compiled, with the compiler's message
     */
    public CompiledPatterns compile() throws PatternCompileException {
        return CompiledPatterns.compile(List.copyOf(specs), firstMatchOnly || firstMatchOnlyInBlocks, firstMatchOnly);
    }

    private PatternSet add(PatternSpec spec) {
        if (!ids.add(spec.id())) throw new IllegalArgumentException("pattern id " + spec.id() + " used twice");
        specs.add(spec);
        return this;
    }

    private static int checkBufferId(int bufferId) {
        if (bufferId < 0 || bufferId > MAX_BUFFER_ID)
            throw new IllegalArgumentException("buffer id " + bufferId + " outside 0.." + MAX_BUFFER_ID);
        return bufferId;
    }

    /** One pattern as added: either {@code literal} or {@code regex} is set. */
    record PatternSpec(int id, int bufferId, byte[] literal, boolean caseless, String regex, Set<PcreFlag> flags) {
        boolean isLiteral() {
            return literal != null;
        }

        /** The pattern as a rule writer would recognise it, for error messages. */
        String describe() {
            if (regex != null) {
                StringBuilder letters = new StringBuilder();
                for (PcreFlag flag : flags) letters.append(flag.letter());
                return "pcre:\"/" + regex + "/" + letters + "\"";
            }
            StringBuilder out = new StringBuilder("content:\"");
            for (byte b : literal) {
                int c = b & 0xFF;
                if (c >= 0x20 && c < 0x7F && c != '"' && c != '|' && c != ';' && c != '\\') out.append((char) c);
                else out.append('|').append(String.format("%02x", c)).append('|');
            }
            return out.append(caseless ? "\"; nocase" : "\"").toString();
        }

        /** The regex's bytes as rule text gives them (UTF-8), which is what both engines match against. */
        byte[] regexBytes() {
            return regex.getBytes(StandardCharsets.UTF_8);
        }
    }
}
