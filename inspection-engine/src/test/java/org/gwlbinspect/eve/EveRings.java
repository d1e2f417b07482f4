package org.gwlbinspect.eve;

import java.util.function.Consumer;

/** A worker's EVE ring without a log writer, for tests in other packages that drain and check records themselves. */
public final class EveRings {
    private EveRings() {}

    public static EveProducer producer(String name, int ringSize) {
        return new EveProducer(name, ringSize);
    }

    /** Passes every published record to {@code sink} (on the calling thread) and frees its slot. */
    public static int drain(EveProducer producer, Consumer<EveRecord> sink) {
        return producer.drainTo(sink, Integer.MAX_VALUE);
    }
}
