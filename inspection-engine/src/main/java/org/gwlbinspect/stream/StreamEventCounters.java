package org.gwlbinspect.stream;

import java.util.concurrent.atomic.AtomicLongArray;

/** Stream events seen by one worker. One writer (the worker), many readers (the metrics scrape). */
public final class StreamEventCounters {
    private static final StreamEvent[] EVENTS = StreamEvent.values();

    private final AtomicLongArray counts = new AtomicLongArray(EVENTS.length);

    void increment(StreamEvent event) {
        int i = event.ordinal();
        counts.setRelease(i, counts.getPlain(i) + 1); // single writer: no CAS needed, readers see it soon
    }

    public long count(StreamEvent event) {
        return counts.getAcquire(event.ordinal());
    }
}
