package org.gwlbinspect.stateful;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.gwlbinspect.stream.IndexStack;

/**
 * The name a flow's application layer announced (the ClientHello's SNI, the HTTP request's host), kept for the EVE
 * alert records of its later packets: NFW writes {@code tls.sni} / {@code http.hostname} on every alert of the flow
 * (policy.md §4), while the parsers that read the name go back to their pool once the message is parsed.
 *
 * <p>Preallocated: {@code capacity} names of at most {@link #MAX_NAME_BYTES} bytes (a longer one is cut), taken by a
 * flow when its message is parsed and given back when it ends. With all in use, a flow keeps no name (counted in
 * {@link #notKept()}): its later alerts carry the protocol without the name, as before. One writer per flow at a time
 * (the worker of the client direction); readers on any worker see a name once its length is published, a name
 * replaced meanwhile (a later request of the connection) may be read half old, half new, in a log record only.
 */
public final class FlowNames {
    /** DNS names are at most 253 bytes; longer SNIs and Host headers are cut to this. */
    public static final int MAX_NAME_BYTES = 256;

    /** What the name is. */
    public enum Kind {
        NONE,
        TLS_SNI,
        HTTP_HOST
    }

    private static final Kind[] KINDS = Kind.values();

    private final byte[] bytes;
    /** Per name: {@code kind << 16 | length}, written after the bytes (release), read before them (acquire). */
    private final AtomicIntegerArray lengths;
    /** Per flow-table slot: the name's index + 1, 0 when the flow has none. */
    private final AtomicIntegerArray byFlow;

    private final IndexStack free;
    private final AtomicLong notKept = new AtomicLong();

    FlowNames(int flowCapacity, int capacity) {
        this.bytes = new byte[capacity * MAX_NAME_BYTES];
        this.lengths = new AtomicIntegerArray(capacity);
        this.byFlow = new AtomicIntegerArray(flowCapacity);
        this.free = new IndexStack(capacity);
    }

    /** Keeps {@code src[offset, offset + length)} as the flow's name, replacing the one it had. */
    void keep(int slot, Kind kind, byte[] src, int offset, int length) {
        int index = byFlow.get(slot) - 1;
        if (index < 0) {
            index = free.pop();
            if (index < 0) {
                notKept.incrementAndGet();
                return;
            }
            if (!byFlow.compareAndSet(slot, 0, index + 1)) { // the flow ended meanwhile
                free.push(index);
                return;
            }
        }
        int n = Math.min(length, MAX_NAME_BYTES);
        System.arraycopy(src, offset, bytes, index * MAX_NAME_BYTES, n);
        lengths.set(index, kind.ordinal() << 16 | n);
    }

    /** Gives the flow's name back (the flow ended). */
    void release(int slot) {
        int index = byFlow.getAndSet(slot, 0) - 1;
        if (index >= 0) {
            lengths.set(index, 0);
            free.push(index);
        }
    }

    /** The kind of the flow's name, {@link Kind#NONE} when it has none. */
    Kind kind(int slot) {
        int index = byFlow.get(slot) - 1;
        return index < 0 ? Kind.NONE : KINDS[lengths.get(index) >>> 16];
    }

    /** The array holding the names; the flow's name is at {@link #offset} for {@link #length} bytes. */
    byte[] bytes() {
        return bytes;
    }

    int offset(int slot) {
        return Math.max(0, byFlow.get(slot) - 1) * MAX_NAME_BYTES;
    }

    int length(int slot) {
        int index = byFlow.get(slot) - 1;
        return index < 0 ? 0 : lengths.get(index) & 0xFFFF;
    }

    /** Flows that had a name to keep when every name was in use. */
    public long notKept() {
        return notKept.get();
    }

    /** Names in use now (tests, metrics). */
    public int inUse() {
        return lengths.length() - free.size();
    }
}
