package org.gwlbinspect.appliance.metrics;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MultiGauge} whose rows are re-registered only when the set of label values changes; in between, new values
 * go into the holders the gauges already read. Re-registering on every refresh removes and re-adds each gauge, and a
 * Prometheus scrape running meanwhile can miss samples or fail on duplicate labels (Micrometer issue #6851).
 * One refresher thread at a time.
 */
final class StableMultiGauge {
    private final MultiGauge gauge;
    // Held strongly here: the gauges keep only weak references to their holders.
    private Map<Tags, AtomicLong> holders = Map.of();

    StableMultiGauge(MultiGauge gauge) {
        this.gauge = gauge;
    }

    void update(Map<Tags, Long> values) {
        if (!values.keySet().equals(holders.keySet())) {
            Map<Tags, AtomicLong> next = new HashMap<>();
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (Tags tags : values.keySet()) {
                AtomicLong holder = holders.getOrDefault(tags, new AtomicLong());
                next.put(tags, holder);
                rows.add(MultiGauge.Row.of(tags, holder, AtomicLong::doubleValue));
            }
            values.forEach((tags, value) -> next.get(tags).set(value));
            holders = next;
            gauge.register(rows, true);
            return;
        }
        values.forEach((tags, value) -> holders.get(tags).set(value));
    }
}
