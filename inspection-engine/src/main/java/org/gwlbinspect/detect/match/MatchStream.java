package org.gwlbinspect.detect.match;

import static com.gliwka.hyperscan.jni.hyperscan.hs_close_stream;
import static com.gliwka.hyperscan.jni.hyperscan.hs_open_stream;

import com.gliwka.hyperscan.jni.hs_database_t;
import com.gliwka.hyperscan.jni.hs_scratch_t;
import com.gliwka.hyperscan.jni.hs_stream_t;
import com.gliwka.hyperscan.jni.match_event_handler;
import java.lang.foreign.MemorySegment;
import org.bytedeco.javacpp.Pointer;

/**
 * A Hyperscan stream for one direction of one TCP flow: matches that span segments are found as if the payload were
 * one buffer. The object is reusable (keep one per flow direction in preallocated flow storage); {@link #open}
 * allocates the stream's native state, {@link CompiledPatterns#streamSizeBytes} bytes, and {@link #close} or {@link
 * #discard} frees it. Close every open stream when its flow ends, or its native memory leaks.
 *
 * <p>A stream is scanned with the databases of the snapshot it was opened on, which it keeps reachable, even after a
 * newer snapshot is installed. Not thread-safe: one thread at a time, each with its own {@link MatchScratch}.
 */
public final class MatchStream {
    private final StreamHandle handle = new StreamHandle();
    private CompiledPatterns snapshot;
    private int bufferId;

    /**
     * Opens the stream on {@code bufferId}'s stream database of {@code patterns}. Allocates native memory only.
     *
     * @return false, leaving the stream closed, when the buffer has no patterns: scanning it then finds nothing
     * @throws IllegalStateException if the stream is already open
     */
    public boolean open(CompiledPatterns patterns, int bufferId) {
        if (snapshot != null) throw new IllegalStateException("stream already open");
        if (!patterns.hasPatterns(bufferId)) return false;
        if (patterns.isClosed()) throw new IllegalStateException("snapshot already closed");
        hs_database_t db = patterns.streamDatabases[bufferId];
        HyperscanCompiler.check(hs_open_stream(db, 0, handle), "hs_open_stream");
        this.snapshot = patterns;
        this.bufferId = bufferId;
        return true;
    }

    /**
     * Scans the next {@code length} bytes of the flow at native {@code address}. Matches, with offsets counted from
     * the first byte of the stream, are left in {@code scratch}. Allocates nothing; a closed stream finds nothing.
     *
     * @return the number of matches collected in {@code scratch}
     */
    public int scan(long address, int length, MatchScratch scratch) {
        if (snapshot == null) {
            scratch.clearMatches();
            return 0;
        }
        return scratch.scanStream(snapshot, handle, address, length);
    }

    /** {@link #scan(long, int, MatchScratch)} over a native segment. */
    public int scan(MemorySegment data, MatchScratch scratch) {
        if (!data.isNative()) throw new IllegalArgumentException("Hyperscan scans native memory only");
        return scan(data.address(), Math.toIntExact(data.byteSize()), scratch);
    }

    /**
     * Ends the stream at the end of the flow and frees its native state, collecting matches that can only be
     * decided there (a pattern anchored with {@code $}). Does nothing, finding nothing, on a closed stream.
     *
     * @return the number of matches collected in {@code scratch}
     */
    public int close(MatchScratch scratch) {
        if (snapshot == null) {
            scratch.clearMatches();
            return 0;
        }
        try {
            return scratch.closeStream(snapshot, handle);
        } finally {
            forget();
        }
    }

    /** Frees the stream's native state without reporting matches (the flow was evicted or reset). */
    public void discard() {
        if (snapshot == null) return;
        try {
            HyperscanCompiler.check(
                    hs_close_stream(handle, (hs_scratch_t) null, (match_event_handler) null, (Pointer) null),
                    "hs_close_stream");
        } finally {
            forget();
        }
    }

    public boolean isOpen() {
        return snapshot != null;
    }

    /** The snapshot the stream was opened on, null when closed. */
    public CompiledPatterns snapshot() {
        return snapshot;
    }

    /** The buffer id the stream was opened on; meaningless when closed. */
    public int bufferId() {
        return bufferId;
    }

    private void forget() {
        handle.point(0);
        snapshot = null;
    }

    /** The {@code hs_stream_t*} of this stream; JavaCPP writes it on open, and it is cleared on close. */
    private static final class StreamHandle extends hs_stream_t {
        void point(long address) {
            this.address = address;
        }
    }
}
