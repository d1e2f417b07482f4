package org.gwlbinspect.eve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An append-only log file rotated by size ({@code alert.json} → {@code alert.json.1} → ... → {@code .N}, the oldest
 * deleted), written through one direct buffer. Used by the writer thread only; its counters are readable from any
 * thread. Whole lines are appended, so a rotation never splits a record: the file is rotated before a line would make
 * it exceed the bound.
 *
 * <p>An I/O error keeps the whole lines the file took before it and discards the other buffered records (counted),
 * cuts the file back to its last whole line, closes it and reopens it at the next flush; the error goes to the
 * {@link WriteErrorReporter}, never to a producer.
 */
final class RotatingFile implements AutoCloseable {

    private final Path path;
    private final Path[] rotated; // rotated[i] = path.(i + 1)
    private final long rotateBytes;
    private final WriteErrorReporter errors;
    private final ByteBuffer pending;
    private int pendingRecords;

    private FileChannel channel;
    private long size; // bytes in the live file
    // Set by the closing thread when it stops waiting for a writer blocked in a write: once that write fails, the
    // writer must not reopen the file (recreating it after the service let go of it, or blocking on a FIFO's open).
    private volatile boolean abandoned;

    // Single writer (the writer thread): lazySet is enough for readers to see them soon.
    private final AtomicLong recordsWritten = new AtomicLong();
    private final AtomicLong recordsDiscarded = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong rotations = new AtomicLong();

    RotatingFile(Path path, long rotateBytes, int keepFiles, int bufferBytes, WriteErrorReporter errors)
            throws IOException {
        this.path = path;
        this.rotateBytes = rotateBytes;
        this.errors = errors;
        this.rotated = new Path[keepFiles];
        for (int i = 0; i < keepFiles; i++) {
            rotated[i] = path.resolveSibling(path.getFileName() + "." + (i + 1));
        }
        this.pending = ByteBuffer.allocateDirect(bufferBytes);
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        open();
    }

    /** Buffers one complete line (newline included), writing the buffer or rotating the file first if needed. */
    void append(byte[] line, int offset, int length) {
        if (length > pending.remaining() || size + pending.position() + length > rotateBytes) {
            flush();
        }
        if (size > 0 && size + length > rotateBytes) {
            rotate();
        }
        if (length > pending.remaining()) {
            add(recordsDiscarded, 1); // longer than the whole buffer: bounded records never are
            return;
        }
        pending.put(line, offset, length);
        pendingRecords++;
    }

    /** Writes the buffered lines to the file; on an I/O error they are counted as discarded. */
    void flush() {
        if (pending.position() == 0) {
            return;
        }
        pending.flip();
        try {
            if (channel == null) {
                open();
            }
            long written = 0;
            while (pending.hasRemaining()) {
                written += channel.write(pending);
            }
            size += written;
            add(bytesWritten, written);
            add(recordsWritten, pendingRecords);
        } catch (IOException | RuntimeException e) {
            errors.report(path, e);
            keepWholeLinesWritten();
            cutPartialWrite();
            closeQuietly();
        } finally {
            pending.clear();
            pendingRecords = 0;
        }
    }

    /** Counts one record that never reached this file as discarded: the writer abandoned at close. */
    void discardOne() {
        add(recordsDiscarded, 1);
    }

    /**
     * After a failed write: the whole lines that reached the file before it failed stay there and count as written
     * (a disk with room for part of a buffer keeps that part), the rest count as discarded. {@code pending}'s position
     * is how far the kernel took the buffer.
     */
    private void keepWholeLinesWritten() {
        int kept = 0;
        int lines = 0;
        for (int i = 0; i < pending.position(); i++) {
            if (pending.get(i) == '\n') {
                kept = i + 1;
                lines++;
            }
        }
        size += kept;
        add(bytesWritten, kept);
        add(recordsWritten, lines);
        add(recordsDiscarded, pendingRecords - lines);
    }

    boolean hasPending() {
        return pending.position() != 0;
    }

    long recordsWritten() {
        return recordsWritten.get();
    }

    long recordsDiscarded() {
        return recordsDiscarded.get();
    }

    long bytesWritten() {
        return bytesWritten.get();
    }

    long rotations() {
        return rotations.get();
    }

    private void rotate() {
        closeQuietly();
        try {
            if (rotated.length == 0) {
                Files.deleteIfExists(path);
            } else {
                Files.deleteIfExists(rotated[rotated.length - 1]);
                for (int i = rotated.length - 1; i > 0; i--) {
                    if (Files.exists(rotated[i - 1])) {
                        Files.move(rotated[i - 1], rotated[i], StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.move(path, rotated[0], StandardCopyOption.REPLACE_EXISTING);
            }
            add(rotations, 1);
        } catch (IOException | RuntimeException e) {
            errors.report(path, e);
        }
        try {
            open();
        } catch (IOException | RuntimeException e) {
            errors.report(path, e);
        }
    }

    /** Called by the closing thread, never the writer: no later open, write or rotation; what is pending is lost. */
    void abandon() {
        abandoned = true;
    }

    private void open() throws IOException {
        if (abandoned) throw new IOException(path + " was closed while a write to it blocked");
        channel =
                FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
    }

    /**
     * A write that failed midway (ENOSPC) may have left part of a line: cut the file back to its last whole line, so
     * the line written when space returns does not start in the middle of a broken one. On a full tmpfs or disk the
     * truncation itself frees space. Files that cannot be truncated (a pipe) are left as they are.
     */
    private void cutPartialWrite() {
        FileChannel c = channel;
        if (c == null) return;
        try {
            if (c.size() > size) c.truncate(size);
        } catch (IOException | RuntimeException e) {
            errors.report(path, e);
        }
    }

    private void closeQuietly() {
        FileChannel c = channel;
        channel = null;
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                errors.report(path, e);
            }
        }
    }

    private static void add(AtomicLong counter, long delta) {
        counter.lazySet(counter.get() + delta);
    }

    @Override
    public void close() {
        if (abandoned) {
            add(recordsDiscarded, pendingRecords);
            pending.clear();
            pendingRecords = 0;
        } else {
            flush();
        }
        closeQuietly();
    }
}
