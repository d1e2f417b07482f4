package org.gwlbinspect.detect;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.policy.stateless.CustomActionCounter;
import org.gwlbinspect.stateful.StatefulInspector;
import org.gwlbinspect.verdict.Enforcement;

/**
 * What the policy did, for metrics: stateless outcomes by action (one writer per worker slot), the NFW custom actions
 * (metric publishing) by their dimension value, kept monotonic across reloads, and in monitor mode the packets passed
 * that enforcement would have dropped or rejected.
 */
public final class InspectionCounters {
    /** A verdict that monitor mode did not carry out, by the engine that took it (a stable metric label pair). */
    public enum WouldBlock {
        STATELESS_DROP("stateless", "drop"),
        STATEFUL_DROP("stateful", "drop"),
        STATEFUL_REJECT("stateful", "reject");

        private final String engine;
        private final String action;

        WouldBlock(String engine, String action) {
            this.engine = engine;
            this.action = action;
        }

        public String engine() {
            return engine;
        }

        public String action() {
            return action;
        }
    }

    private final List<PolicyInspector> inspectors = new CopyOnWriteArrayList<>();
    private final List<AtomicLongArray> statelessByWorker = new CopyOnWriteArrayList<>();
    private final List<AtomicLongArray> wouldBlockByWorker = new CopyOnWriteArrayList<>();
    private final Map<String, Long> retiredCustomActions = new ConcurrentHashMap<>();

    /** A new inspector for one worker, with its own single-writer counters, for stateless policies only. */
    public PolicyInspector newInspector(ActivePolicy active) {
        return newInspector(active, null);
    }

    /** A new inspector for one worker whose forwarded packets go to {@code stateful}, this worker's stateful stage. */
    public PolicyInspector newInspector(ActivePolicy active, StatefulInspector stateful) {
        return newInspector(active, stateful, Enforcement.ENFORCE);
    }

    /**
     * A new inspector for one worker that carries out the policy's drops and rejects ({@link Enforcement#ENFORCE}) or
     * only counts them and passes the packet ({@link Enforcement#MONITOR}); {@code stateful} may be null for stateless
     * policies only.
     */
    public PolicyInspector newInspector(ActivePolicy active, StatefulInspector stateful, Enforcement enforcement) {
        AtomicLongArray slot = new AtomicLongArray(StatelessAction.values().length);
        statelessByWorker.add(slot);
        AtomicLongArray wouldBlock = new AtomicLongArray(WouldBlock.values().length);
        wouldBlockByWorker.add(wouldBlock);
        return new PolicyInspector(active, this, slot, wouldBlock, stateful, enforcement);
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

    /** Packets monitor mode passed although {@code kind} would have dropped or rejected them, all workers. */
    public long wouldBlockPackets(WouldBlock kind) {
        long sum = 0;
        for (AtomicLongArray slot : wouldBlockByWorker) sum += slot.getAcquire(kind.ordinal());
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
