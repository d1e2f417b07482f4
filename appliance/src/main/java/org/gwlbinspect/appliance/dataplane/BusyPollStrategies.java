package org.gwlbinspect.appliance.dataplane;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Hands each worker's event loop its own {@link BusyPollSelectStrategy} (Netty asks once per loop, when the group is
 * built) and keeps them, so their counters can be summed for the metrics.
 */
final class BusyPollStrategies implements SelectStrategyFactory {
    private final long windowNanos;
    private final List<BusyPollSelectStrategy> created = new CopyOnWriteArrayList<>();

    BusyPollStrategies(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    @Override
    public SelectStrategy newSelectStrategy() {
        BusyPollSelectStrategy strategy = new BusyPollSelectStrategy(windowNanos, System::nanoTime);
        created.add(strategy);
        return strategy;
    }

    /** The strategies made so far, one per event loop, in the order Netty built the loops (the group's order). */
    List<BusyPollSelectStrategy> created() {
        return List.copyOf(created);
    }

    long polledBatches() {
        long sum = 0;
        for (BusyPollSelectStrategy s : created) sum += s.polledBatches();
        return sum;
    }

    long sleeps() {
        long sum = 0;
        for (BusyPollSelectStrategy s : created) sum += s.sleeps();
        return sum;
    }
}
