package org.gwlbinspect.detect.match;

import static com.gliwka.hyperscan.jni.hyperscan.HS_FLAG_CASELESS;
import static com.gliwka.hyperscan.jni.hyperscan.HS_FLAG_DOTALL;
import static com.gliwka.hyperscan.jni.hyperscan.HS_FLAG_MULTILINE;
import static com.gliwka.hyperscan.jni.hyperscan.HS_FLAG_PREFILTER;
import static com.gliwka.hyperscan.jni.hyperscan.HS_FLAG_SINGLEMATCH;
import static com.gliwka.hyperscan.jni.hyperscan.HS_MODE_BLOCK;
import static com.gliwka.hyperscan.jni.hyperscan.HS_MODE_STREAM;
import static com.gliwka.hyperscan.jni.hyperscan.hs_free_database;

import com.gliwka.hyperscan.jni.hs_database_t;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.gwlbinspect.detect.match.PatternSet.PatternSpec;

/**
 * The Hyperscan databases of one policy snapshot: for each buffer id in use, one block-mode database (a packet or a
 * sticky buffer scanned whole) and one stream-mode database (TCP payload scanned segment by segment through a {@link
 * MatchStream}). Immutable and shared by all workers; each worker scans with its own {@link MatchScratch}.
 *
 * <p><b>Slow patterns.</b> A {@code pcre} Hyperscan cannot compile exactly (back-references, look-around) is
 * compiled with {@code HS_FLAG_PREFILTER}: Hyperscan then reports a superset of its matches. In block mode each
 * pattern that Hyperscan reports is confirmed by {@code java.util.regex} over the scanned buffer, once per scan; the
 * JDK regex runs only on such prefilter hits, never on buffers Hyperscan found nothing in. In stream mode the
 * earlier segments are gone, so a prefilter hit is reported {@linkplain MatchScratch#unconfirmed(int) unconfirmed}
 * and the caller confirms it with {@link #confirmationPattern(int)} over its reassembled data. {@link #slowPatterns()}
 * lists these patterns so {@code check-policy} can name them.
 *
 * <p><b>Lifetime.</b> The databases live in native memory, freed by {@link #close()} or, failing that, once the
 * snapshot is unreachable. A {@link MatchStream} keeps the snapshot it was opened on reachable until it is closed.
 */
public final class CompiledPatterns implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong SERIALS = new AtomicLong();

    /** {@link MatchScratch#startOffset(int)} of a regex match whose start is not tracked. */
    public static final long UNKNOWN_START = -1;

    final long serial = SERIALS.incrementAndGet();
    /** By Hyperscan id (index in the set): the caller's id, the literal's length (-1 for a regex), slow index or -1. */
    final int[] patternIds;

    final int[] literalLengths;
    final int[] slowIndexes;
    /** By slow index: the JDK regex that confirms a prefilter hit, and its pattern id. */
    final Pattern[] slowRegexes;

    final int[] slowIds;
    /** By buffer id, null when the buffer has no pattern. */
    final hs_database_t[] blockDatabases;

    final hs_database_t[] streamDatabases;
    private final long[] streamSizes;
    private final long databaseBytes;
    private final NativeDatabases natives;
    private final Cleaner.Cleanable cleanable;

    private CompiledPatterns(
            int[] patternIds,
            int[] literalLengths,
            int[] slowIndexes,
            Pattern[] slowRegexes,
            int[] slowIds,
            hs_database_t[] blockDatabases,
            hs_database_t[] streamDatabases,
            NativeDatabases natives) {
        this.patternIds = patternIds;
        this.literalLengths = literalLengths;
        this.slowIndexes = slowIndexes;
        this.slowRegexes = slowRegexes;
        this.slowIds = slowIds;
        this.blockDatabases = blockDatabases;
        this.streamDatabases = streamDatabases;
        this.natives = natives;
        this.streamSizes = new long[streamDatabases.length];
        long bytes = 0;
        for (int b = 0; b < streamDatabases.length; b++) {
            if (streamDatabases[b] == null) continue;
            streamSizes[b] = HyperscanCompiler.streamSize(streamDatabases[b]);
            bytes += HyperscanCompiler.databaseSize(streamDatabases[b])
                    + HyperscanCompiler.databaseSize(blockDatabases[b]);
        }
        this.databaseBytes = bytes;
        this.cleanable = CLEANER.register(this, natives);
    }

    /**
     * Scans {@code length} bytes of native memory at {@code address} (for example a Netty direct buffer's {@code
     * memoryAddress() + readerIndex()}) as one block against the patterns of {@code bufferId}. The matches are left
     * in {@code scratch}, whose earlier matches are discarded. Allocates nothing unless a slow pattern's prefilter
     * fires, or this snapshot is new to {@code scratch} (see {@link MatchScratch#prepare}).
     *
     * @return the number of matches collected in {@code scratch} (0 when the buffer has no patterns)
     */
    public int scanBlock(int bufferId, long address, int length, MatchScratch scratch) {
        hs_database_t db = bufferId >= 0 && bufferId < blockDatabases.length ? blockDatabases[bufferId] : null;
        return scratch.scanBlock(this, db, address, length);
    }

    /** {@link #scanBlock(int, long, int, MatchScratch)} over a native segment, scanned whole. */
    public int scanBlock(int bufferId, MemorySegment data, MatchScratch scratch) {
        if (!data.isNative()) throw new IllegalArgumentException("Hyperscan scans native memory only");
        return scanBlock(bufferId, data.address(), Math.toIntExact(data.byteSize()), scratch);
    }

    /** Whether any pattern was added for {@code bufferId}. */
    public boolean hasPatterns(int bufferId) {
        return bufferId >= 0 && bufferId < blockDatabases.length && blockDatabases[bufferId] != null;
    }

    /**
     * Native memory one open {@link MatchStream} on {@code bufferId} holds ({@code hs_stream_size}), 0 when the
     * buffer has no patterns: budget it per TCP flow direction.
     */
    public long streamSizeBytes(int bufferId) {
        return bufferId >= 0 && bufferId < streamSizes.length ? streamSizes[bufferId] : 0;
    }

    /** Native memory of all databases of this snapshot, block and stream mode. */
    public long databaseBytes() {
        return databaseBytes;
    }

    /** Number of patterns compiled. */
    public int patternCount() {
        return patternIds.length;
    }

    /**
     * Ids of the patterns compiled as Hyperscan prefilters and confirmed with {@code java.util.regex} (see the class
     * comment): slower, and worth naming in {@code check-policy}.
     */
    public List<Integer> slowPatterns() {
        List<Integer> ids = new ArrayList<>(slowIds.length);
        for (int id : slowIds) ids.add(id);
        return List.copyOf(ids);
    }

    /**
     * The JDK regex that confirms an {@linkplain MatchScratch#unconfirmed(int) unconfirmed} stream match of {@code
     * patternId}, matching bytes as ISO-8859-1 characters; null when the pattern is not slow.
     */
    public Pattern confirmationPattern(int patternId) {
        for (int k = 0; k < slowIds.length; k++) if (slowIds[k] == patternId) return slowRegexes[k];
        return null;
    }

    /**
     * Frees the native databases now. Call it only once no worker scans this snapshot and no {@link MatchStream}
     * opened on it is still open; otherwise leave the snapshot to the garbage collector, which frees them safely.
     */
    @Override
    public void close() {
        cleanable.clean();
    }

    boolean isClosed() {
        return natives.freed;
    }

    static CompiledPatterns compile(
            List<PatternSpec> specs, boolean firstMatchOnlyInBlocks, boolean firstMatchOnlyInStreams)
            throws PatternCompileException {
        int n = specs.size();
        int[] patternIds = new int[n];
        int[] literalLengths = new int[n];
        int[] slowIndexes = new int[n];
        byte[][] expressions = new byte[n][];
        int[] flags = new int[n];
        List<Pattern> slowRegexes = new ArrayList<>();
        List<Integer> slowIds = new ArrayList<>();
        int maxBufferId = -1;
        for (int i = 0; i < n; i++) {
            PatternSpec spec = specs.get(i);
            patternIds[i] = spec.id();
            maxBufferId = Math.max(maxBufferId, spec.bufferId());
            slowIndexes[i] = -1;
            int extra = firstMatchOnlyInBlocks ? HS_FLAG_SINGLEMATCH : 0; // checked with the stricter of both
            if (spec.isLiteral()) {
                literalLengths[i] = spec.literal().length;
                expressions[i] = literalExpression(spec.literal());
                flags[i] = (spec.caseless() ? HS_FLAG_CASELESS : 0) | extra;
                continue;
            }
            literalLengths[i] = -1;
            expressions[i] = regexExpression(spec);
            flags[i] = regexFlags(spec) | extra;
            String exactError = HyperscanCompiler.expressionError(expressions[i], flags[i]);
            if (exactError == null) continue;
            String prefilterError = HyperscanCompiler.expressionError(expressions[i], flags[i] | HS_FLAG_PREFILTER);
            if (prefilterError != null)
                throw new PatternCompileException(spec.id(), spec.describe(), "Hyperscan: " + exactError);
            flags[i] |= HS_FLAG_PREFILTER;
            slowIndexes[i] = slowRegexes.size();
            slowRegexes.add(jdkRegex(spec, exactError));
            slowIds.add(spec.id());
        }

        hs_database_t[] block = new hs_database_t[maxBufferId + 1];
        hs_database_t[] stream = new hs_database_t[maxBufferId + 1];
        NativeDatabases natives = new NativeDatabases();
        try {
            for (int bufferId = 0; bufferId <= maxBufferId; bufferId++) {
                List<Integer> members = new ArrayList<>();
                for (int i = 0; i < n; i++) if (specs.get(i).bufferId() == bufferId) members.add(i);
                if (members.isEmpty()) continue;
                int[] blockFlags = flags;
                int[] streamFlags = flags;
                if (firstMatchOnlyInBlocks != firstMatchOnlyInStreams) {
                    int[] without = flags.clone();
                    for (int i = 0; i < n; i++) without[i] &= ~HS_FLAG_SINGLEMATCH;
                    if (firstMatchOnlyInBlocks) streamFlags = without;
                    else blockFlags = without;
                }
                block[bufferId] = compileDatabase(specs, members, expressions, blockFlags, HS_MODE_BLOCK, natives);
                stream[bufferId] = compileDatabase(specs, members, expressions, streamFlags, HS_MODE_STREAM, natives);
            }
            int[] slowIdArray = slowIds.stream().mapToInt(Integer::intValue).toArray();
            return new CompiledPatterns(
                    patternIds,
                    literalLengths,
                    slowIndexes,
                    slowRegexes.toArray(new Pattern[0]),
                    slowIdArray,
                    block,
                    stream,
                    natives);
        } catch (PatternCompileException | RuntimeException e) {
            natives.run();
            throw e;
        }
    }

    private static hs_database_t compileDatabase(
            List<PatternSpec> specs,
            List<Integer> members,
            byte[][] expressions,
            int[] flags,
            int mode,
            NativeDatabases natives)
            throws PatternCompileException {
        int m = members.size();
        byte[][] exprs = new byte[m][];
        int[] memberFlags = new int[m];
        int[] ids = new int[m];
        for (int j = 0; j < m; j++) {
            int i = members.get(j);
            exprs[j] = expressions[i];
            memberFlags[j] = flags[i];
            ids[j] = i; // Hyperscan reports the index; the scratch maps it back to the caller's id
        }
        HyperscanCompiler.Compiled compiled = HyperscanCompiler.compileMulti(exprs, memberFlags, ids, mode);
        if (compiled.database() != null) {
            natives.add(compiled.database());
            return compiled.database();
        }
        String modeName = mode == HS_MODE_STREAM ? "stream mode" : "block mode";
        String reason = "Hyperscan (" + modeName + "): " + compiled.error();
        if (compiled.errorExpression() < 0)
            throw new PatternCompileException(PatternCompileException.NO_PATTERN, "", reason);
        PatternSpec failing = specs.get(members.get(compiled.errorExpression()));
        throw new PatternCompileException(failing.id(), failing.describe(), reason);
    }

    /** A literal as a Hyperscan regex: letters and digits as they are, every other byte as {@code \xNN}. */
    static byte[] literalExpression(byte[] literal) {
        byte[] out = new byte[literal.length * 4];
        int n = 0;
        for (byte b : literal) {
            int c = b & 0xFF;
            if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
                out[n++] = b;
            } else {
                out[n++] = '\\';
                out[n++] = 'x';
                out[n++] = (byte) Character.forDigit(c >>> 4, 16);
                out[n++] = (byte) Character.forDigit(c & 0xF, 16);
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static byte[] regexExpression(PatternSpec spec) throws PatternCompileException {
        if (spec.regex().indexOf('\0') >= 0)
            throw new PatternCompileException(spec.id(), spec.describe(), "NUL character in regex: write \\x00");
        // Hyperscan has no flag for x; (?x) works inline, and the newline ends a trailing # comment, which
        // Hyperscan (unlike PCRE) otherwise rejects as unterminated.
        String text = spec.flags().contains(PcreFlag.EXTENDED) ? "(?x)" + spec.regex() + "\n" : spec.regex();
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static int regexFlags(PatternSpec spec) {
        int flags = 0;
        if (spec.flags().contains(PcreFlag.CASELESS)) flags |= HS_FLAG_CASELESS;
        if (spec.flags().contains(PcreFlag.DOTALL)) flags |= HS_FLAG_DOTALL;
        if (spec.flags().contains(PcreFlag.MULTILINE)) flags |= HS_FLAG_MULTILINE;
        return flags;
    }

    /**
     * The JDK regex equivalent of a prefiltered pcre. It sees each byte as one ISO-8859-1 character, so the regex
     * text is given the same treatment: its UTF-8 bytes, one character each. UNIX_LINES because PCRE's newline is LF
     * only, while the JDK would also end lines at U+0085 (byte 0x85).
     */
    private static Pattern jdkRegex(PatternSpec spec, String hyperscanError) throws PatternCompileException {
        int flags = Pattern.UNIX_LINES;
        if (spec.flags().contains(PcreFlag.CASELESS)) flags |= Pattern.CASE_INSENSITIVE;
        if (spec.flags().contains(PcreFlag.DOTALL)) flags |= Pattern.DOTALL;
        if (spec.flags().contains(PcreFlag.MULTILINE)) flags |= Pattern.MULTILINE;
        if (spec.flags().contains(PcreFlag.EXTENDED)) flags |= Pattern.COMMENTS;
        String bytesAsChars = new String(spec.regexBytes(), StandardCharsets.ISO_8859_1);
        try {
            return Pattern.compile(bytesAsChars, flags);
        } catch (PatternSyntaxException e) {
            throw new PatternCompileException(
                    spec.id(),
                    spec.describe(),
                    "Hyperscan: " + hyperscanError + "; java.util.regex: " + e.getDescription());
        }
    }

    /** The native databases, freed once: by close() or by the cleaner. Never references the snapshot. */
    private static final class NativeDatabases implements Runnable {
        private final List<hs_database_t> databases = new ArrayList<>();
        private volatile boolean freed;

        void add(hs_database_t database) {
            databases.add(database);
        }

        @Override
        public synchronized void run() { // control plane only: close() racing the cleaner
            if (freed) return;
            freed = true;
            for (hs_database_t db : databases) hs_free_database(db);
        }
    }
}
