package org.gwlbinspect.detect;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.policy.stateless.CustomActionCounter;
import org.gwlbinspect.stateful.StatefulInspector;

/**
 * What the policy did, for metrics: stateless outcomes by action (one writer per worker slot) and the NFW custom
 * actions (metric publishing) by their dimension value, kept monotonic across reloads.
 */
public final class InspectionCounters {
    private final List<PolicyInspector> inspectors = new CopyOnWriteArrayList<>();
    private final List<AtomicLongArray> statelessByWorker = new CopyOnWriteArrayList<>();
    private final Map<String, Long> retiredCustomActions = new ConcurrentHashMap<>();

    /** A new inspector for one worker, with its own single-writer counters, for stateless policies only. */
    public PolicyInspector newInspector(ActivePolicy active) {
        return newInspector(active, null);
    }

    /** A new inspector for one worker whose forwarded packets go to {@code stateful}, this worker's stateful stage. */
    public PolicyInspector newInspector(ActivePolicy active, StatefulInspector stateful) {
        AtomicLongArray slot = new AtomicLongArray(StatelessAction.values().length);
        statelessByWorker.add(slot);
        return new PolicyInspector(active, this, slot, stateful);
    }

    void attach(PolicyInspector inspector) {
        if (!inspectors.contains(inspector)) inspectors.add(inspector);
    }

    void addCustomActions(CompiledPolicy policy, long[] counts) {
        List<CustomActionCounter> names = policy.stateless().customActionCounters();
        for (int i = 0; i < counts.length && i < names.size(); i++) {
            if (counts[i] != 0) retiredCustomActions.merge(names.get(i).dimensionValue(), counts[i], Long::sum);
        }
    }

    /** Packets the stateless engine sent to {@code action} (aws:pass, aws:drop, aws:forward_to_sfe), all workers. */
    public long statelessPackets(StatelessAction action) {
        long sum = 0;
        for (AtomicLongArray slot : statelessByWorker) sum += slot.getAcquire(action.ordinal());
        return sum;
    }

    /** Custom action counts by dimension value ({@code CustomAction=<value>} in NFW's CloudWatch metric). */
    public Map<String, Long> customActions() {
        Map<String, Long> totals = new ConcurrentHashMap<>(retiredCustomActions);
        for (PolicyInspector inspector : inspectors) {
            CompiledPolicy policy = inspector.liveCustomActionPolicy();
            long[] counts = inspector.liveCustomActionCounts();
            if (policy == null) continue;
            List<CustomActionCounter> names = policy.stateless().customActionCounters();
            for (int i = 0; i < counts.length && i < names.size(); i++)
                totals.merge(names.get(i).dimensionValue(), counts[i], Long::sum);
        }
        return totals;
    }
}
