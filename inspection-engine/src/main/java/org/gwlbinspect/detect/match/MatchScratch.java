package org.gwlbinspect.detect.match;

import static com.gliwka.hyperscan.jni.hyperscan.hs_alloc_scratch;
import static com.gliwka.hyperscan.jni.hyperscan.hs_close_stream;
import static com.gliwka.hyperscan.jni.hyperscan.hs_free_scratch;
import static com.gliwka.hyperscan.jni.hyperscan.hs_scan;
import static com.gliwka.hyperscan.jni.hyperscan.hs_scan_stream;
import static com.gliwka.hyperscan.jni.hyperscan.hs_scratch_size;

import com.gliwka.hyperscan.jni.hs_database_t;
import com.gliwka.hyperscan.jni.hs_scratch_t;
import com.gliwka.hyperscan.jni.hs_stream_t;
import com.gliwka.hyperscan.jni.match_event_handler;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Matcher;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One worker's matching state (style.md §6: scratch belongs to the worker, not to the policy): the Hyperscan scratch,
 * the match callback (created once) and a bounded buffer of the last scan's matches. Use it from one thread only.
 *
 * <p>The Hyperscan scratch is grown for every database of each snapshot it meets ({@code hs_alloc_scratch} keeps it
 * valid for the databases it was allocated for before), so a worker can go on scanning streams opened on the old
 * snapshot after installing a new one. Call {@link #prepare} when installing a snapshot to do that work off the
 * packet path; a scan does it itself the first time it meets a snapshot.
 *
 * <p>Matches beyond {@link #capacity()} in one scan are not kept but counted in {@link #droppedMatches()}; Hyperscan
 * is never told to stop, as a terminated stream cannot be scanned again.
 */
public final class MatchScratch implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int PREPARED_REMEMBERED = 8;

    private final Collector collector;
    private final hs_scratch_t scratch = new hs_scratch_t();
    private final NativeBytes data = new NativeBytes();
    private final NativeLatin1Chars chars = new NativeLatin1Chars();
    private final long[] preparedSerials = new long[PREPARED_REMEMBERED];
    private int nextPrepared;
    private Matcher[] matchers = new Matcher[0];
    private long matchersSerial;
    private final Cleaner.Cleanable cleanable;

    /** @param capacity how many matches one scan keeps, at least 1 */
    public MatchScratch(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        this.collector = new Collector(capacity);
        this.cleanable = CLEANER.register(this, new NativeScratch(scratch, collector));
    }

    /**
     * Makes the Hyperscan scratch valid for every database of {@code patterns} (growing or reallocating it) and
     * sizes the slow-pattern state. Allocates: call it when a new snapshot is installed, off the packet path.
     */
    public void prepare(CompiledPatterns patterns) {
        if (patterns.isClosed()) throw new IllegalStateException("snapshot already closed");
        for (hs_database_t db : patterns.blockDatabases) if (db != null) allocFor(db);
        for (hs_database_t db : patterns.streamDatabases) if (db != null) allocFor(db);
        collector.ensureSlowCapacity(patterns.slowIds.length);
        preparedSerials[nextPrepared] = patterns.serial;
        nextPrepared = (nextPrepared + 1) % PREPARED_REMEMBERED;
    }

    /** Number of matches the last scan collected (at most {@link #capacity()}). */
    public int matchCount() {
        return collector.count;
    }

    /** The caller's id of the {@code i}-th match of the last scan. */
    public int patternId(int i) {
        return collector.ids[Objects.checkIndex(i, collector.count)];
    }

    /**
     * Offset just past the last byte of the {@code i}-th match: within the scanned block in block mode, from the
     * first byte of the stream in stream mode.
     */
    public long endOffset(int i) {
        return collector.ends[Objects.checkIndex(i, collector.count)];
    }

    /**
     * Offset of the first byte of the {@code i}-th match: exact for literals and confirmed slow patterns ({@code end
     * - length} for a literal), {@link CompiledPatterns#UNKNOWN_START} for other regexes, as Hyperscan reports only
     * end offsets unless asked for start-of-match, which costs speed and stream memory.
     */
    public long startOffset(int i) {
        return collector.starts[Objects.checkIndex(i, collector.count)];
    }

    /**
     * Whether the {@code i}-th match is only a Hyperscan prefilter hit of a slow pattern, found in stream mode where
     * the earlier segments are no longer available: confirm it with {@link CompiledPatterns#confirmationPattern}.
     */
    public boolean unconfirmed(int i) {
        return collector.unconfirmed[Objects.checkIndex(i, collector.count)];
    }

    /** Matches not kept because a scan found more than {@link #capacity()}, since this scratch was created. */
    public long droppedMatches() {
        return collector.dropped;
    }

    /** How many matches one scan keeps. */
    public int capacity() {
        return collector.ids.length;
    }

    /** Bytes of the native Hyperscan scratch, 0 before the first {@link #prepare}. */
    public long scratchBytes() {
        if (scratch.isNull()) return 0;
        try (SizeTPointer size = new SizeTPointer(1)) {
            HyperscanCompiler.check(hs_scratch_size(scratch, size), "hs_scratch_size");
            return size.get();
        }
    }

    /** Frees the native scratch; the worker calls it when it stops. */
    @Override
    public void close() {
        cleanable.clean();
    }

    long scratchAddress() {
        return scratch.address();
    }

    int scanBlock(CompiledPatterns patterns, hs_database_t db, long address, int length) {
        begin(patterns, false);
        if (db == null) return 0;
        if (length < 0) throw new IllegalArgumentException("negative length");
        int rc = hs_scan(db, data.point(address, length), length, 0, scratch, collector, null);
        if (rc != 0) throw failure("hs_scan", rc);
        if (collector.pendingCount > 0) confirmSlow(patterns, address, length);
        return collector.count;
    }

    int scanStream(CompiledPatterns patterns, hs_stream_t stream, long address, int length) {
        begin(patterns, true);
        if (length < 0) throw new IllegalArgumentException("negative length");
        int rc = hs_scan_stream(stream, data.point(address, length), length, 0, scratch, collector, null);
        if (rc != 0) throw failure("hs_scan_stream", rc);
        return collector.count;
    }

    int closeStream(CompiledPatterns patterns, hs_stream_t stream) {
        begin(patterns, true);
        int rc = hs_close_stream(stream, scratch, collector, null);
        if (rc != 0) throw failure("hs_close_stream", rc);
        return collector.count;
    }

    void clearMatches() {
        collector.count = 0;
    }

    private void begin(CompiledPatterns patterns, boolean streamMode) {
        if (!isPrepared(patterns)) prepare(patterns);
        collector.begin(patterns, streamMode);
    }

    private boolean isPrepared(CompiledPatterns patterns) {
        long serial = patterns.serial;
        for (long prepared : preparedSerials) if (prepared == serial) return true;
        return false;
    }

    private void allocFor(hs_database_t db) {
        // First call: scratch holds NULL, Hyperscan allocates. Later calls grow it, keeping it valid for the
        // databases it served before; JavaCPP writes the possibly new address back into the object.
        HyperscanCompiler.check(hs_alloc_scratch(db, scratch), "hs_alloc_scratch");
    }

    /** Runs the JDK regex of each slow pattern Hyperscan's prefilter reported, and keeps what it really matches. */
    private void confirmSlow(CompiledPatterns patterns, long address, int length) {
        if (matchersSerial != patterns.serial) {
            matchers = new Matcher[patterns.slowRegexes.length];
            for (int k = 0; k < matchers.length; k++) matchers[k] = patterns.slowRegexes[k].matcher("");
            matchersSerial = patterns.serial;
        }
        chars.point(address, length);
        int pending = collector.pendingCount;
        for (int j = 0; j < pending; j++) {
            int slow = collector.pendingSlow[j];
            Matcher matcher = matchers[slow].reset(chars);
            while (matcher.find()) collector.add(patterns.slowIds[slow], matcher.start(), matcher.end(), false);
        }
    }

    private static IllegalStateException failure(String call, int rc) {
        // HS_INVALID (-1): scratch or stream not valid for the database; HS_SCRATCH_IN_USE (-10): shared scratch.
        return new IllegalStateException(call + " failed with Hyperscan error " + rc);
    }

    /**
     * The Hyperscan match callback, created once per scratch: JavaCPP keeps a native thunk for it, and with a null
     * context pointer it hands each match over without creating any object. It holds the match buffers itself so
     * that the cleaner can free it without referring to the {@link MatchScratch}.
     */
    private static final class Collector extends match_event_handler {
        final int[] ids;
        final long[] starts;
        final long[] ends;
        final boolean[] unconfirmed;
        int count;
        long dropped;
        // the snapshot being scanned, copied into fields for the callback
        private int[] patternIds;
        private int[] literalLengths;
        private int[] slowIndexes;
        private boolean streamMode;
        // slow patterns: each is handled once per scan (stamp), block mode confirms the pending ones afterwards
        private int[] slowStamps = new int[0];
        private int stamp;
        int[] pendingSlow = new int[0];
        int pendingCount;

        Collector(int capacity) {
            ids = new int[capacity];
            starts = new long[capacity];
            ends = new long[capacity];
            unconfirmed = new boolean[capacity];
        }

        void ensureSlowCapacity(int slowPatterns) {
            if (slowStamps.length >= slowPatterns) return;
            slowStamps = Arrays.copyOf(slowStamps, slowPatterns);
            pendingSlow = new int[slowPatterns];
        }

        void begin(CompiledPatterns patterns, boolean streamMode) {
            this.patternIds = patterns.patternIds;
            this.literalLengths = patterns.literalLengths;
            this.slowIndexes = patterns.slowIndexes;
            this.streamMode = streamMode;
            this.count = 0;
            this.pendingCount = 0;
            if (++stamp == 0) { // wrapped: forget every old stamp
                Arrays.fill(slowStamps, 0);
                stamp = 1;
            }
        }

        @Override
        public int call(int index, long from, long to, int flags, Pointer context) {
            int slow = slowIndexes[index];
            if (slow < 0) {
                int length = literalLengths[index];
                add(patternIds[index], length >= 0 ? to - length : CompiledPatterns.UNKNOWN_START, to, false);
            } else if (slowStamps[slow] != stamp) {
                slowStamps[slow] = stamp;
                if (streamMode) add(patternIds[index], CompiledPatterns.UNKNOWN_START, to, true);
                else pendingSlow[pendingCount++] = slow;
            }
            return 0; // never stop: a terminated stream cannot be scanned again
        }

        void add(int id, long start, long end, boolean prefilterOnly) {
            int i = count;
            if (i == ids.length) {
                dropped++;
                return;
            }
            ids[i] = id;
            starts[i] = start;
            ends[i] = end;
            unconfirmed[i] = prefilterOnly;
            count = i + 1;
        }
    }

    /** Frees the native scratch and the callback's thunk; never references the {@link MatchScratch}. */
    private record NativeScratch(hs_scratch_t scratch, Collector collector) implements Runnable {
        @Override
        public void run() {
            if (!scratch.isNull()) hs_free_scratch(scratch);
            scratch.setNull();
            collector.close();
        }
    }
}
