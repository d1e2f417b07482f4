package org.gwlbinspect.stream;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Lock-free bounded stack of the free indices {@code 0..capacity-1} (a Treiber stack). The head word is {@code tag <<
 * 32 | (index + 1)}: the tag changes on every push and pop, so a pop that read a stale link fails its CAS (no ABA).
 */
public final class IndexStack {
    private static final long EMPTY_INDEX = 0;
    private static final long INDEX_MASK = 0xFFFF_FFFFL;
    private static final long TAG_ONE = 1L << 32;

    private final AtomicLong head = new AtomicLong();
    private final int[] next; // link below each index, + 1 (0 = bottom); written before the CAS that publishes it

    public IndexStack(int capacity) {
        next = new int[capacity];
        for (int i = capacity - 1; i >= 0; i--) push(i);
    }

    /** Pops a free index, or returns -1 when none is left. */
    public int pop() {
        while (true) {
            long h = head.get();
            long top = h & INDEX_MASK;
            if (top == EMPTY_INDEX) return -1;
            int index = (int) top - 1;
            long below = next[index]; // may be stale if index was popped and pushed meanwhile: then the tag differs
            if (head.compareAndSet(h, ((h & ~INDEX_MASK) + TAG_ONE) | below)) return index;
        }
    }

    public void push(int index) {
        while (true) {
            long h = head.get();
            next[index] = (int) (h & INDEX_MASK);
            if (head.compareAndSet(h, ((h & ~INDEX_MASK) + TAG_ONE) | (index + 1L))) return;
        }
    }

    /** Free indices now; exact only when nobody pushes or pops meanwhile (tests, metrics). */
    public int size() {
        int n = 0;
        for (long i = head.get() & INDEX_MASK; i != EMPTY_INDEX && n <= next.length; i = next[(int) i - 1]) n++;
        return n;
    }
}
