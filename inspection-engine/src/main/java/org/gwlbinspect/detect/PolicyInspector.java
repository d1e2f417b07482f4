package org.gwlbinspect.detect;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.stateful.StatefulInspector;
import org.gwlbinspect.verdict.PacketInspector;
import org.gwlbinspect.verdict.Verdict;

/**
 * Applies the active policy to a packet: the stateless engine first (policy.md §2.2: per packet, per direction, first
 * matching rule by priority; defaults for non-matching packets and UDP fragments; other fragments dropped). One
 * instance per worker: the custom-action and verdict counters are single-writer.
 *
 * <p>{@code aws:forward_to_sfe} hands the packet to the stateful engine ({@link StatefulInspector}); a policy without
 * stateful rules or stateful default actions passes it, as NFW's stateful engine with no rules does (§2.3).
 */
public final class PolicyInspector implements PacketInspector {
    private final ActivePolicy active;
    private final InspectionCounters counters;
    private final AtomicLongArray statelessCounts;
    private CompiledPolicy countsFor;
    private final StatefulInspector stateful;
    private long[] customActionCounts = new long[0];

    PolicyInspector(
            ActivePolicy active,
            InspectionCounters counters,
            AtomicLongArray statelessCounts,
            StatefulInspector stateful) {
        this.active = active;
        this.counters = counters;
        this.statelessCounts = statelessCounts;
        this.stateful = stateful;
        ActivePolicy.Installed installed = active.installed();
        if (stateful != null) stateful.prepare(installed.policy(), installed.version());
    }

    /** The stateful stage of this worker, null if the inspector was made for stateless policies only. */
    public StatefulInspector stateful() {
        return stateful;
    }

    @Override
    public Verdict inspect(
            InnerPacket packet, ByteBuf buffer, FlowTable flows, int flowSlot, int direction, long nowNanos) {
        ActivePolicy.Installed installed = active.installed();
        CompiledPolicy policy = installed.policy();
        if (policy == null) return Verdict.PASS;
        if (policy != countsFor) switchCounts(policy);
        StatelessAction action = policy.stateless()
                .evaluate(
                        packet.ipVersion(),
                        packet.srcAddrHi(),
                        packet.srcAddrLo(),
                        packet.dstAddrHi(),
                        packet.dstAddrLo(),
                        packet.protocol(),
                        packet.srcPort(),
                        packet.dstPort(),
                        packet.tcpFlags(),
                        packet.isFragment(),
                        customActionCounts);
        int i = action.ordinal();
        statelessCounts.setRelease(i, statelessCounts.getPlain(i) + 1); // single writer: this worker
        if (action == StatelessAction.DROP) return Verdict.DROP;
        if (action == StatelessAction.PASS || !policy.hasStatefulEngine()) return Verdict.PASS;
        if (stateful == null) {
            throw new IllegalStateException("a policy with stateful rules needs an inspector with a stateful stage");
        }
        return stateful.inspect(policy, installed.version(), packet, buffer, flows, flowSlot, direction, nowNanos);
    }

    /** A new policy has its own custom actions: publish what the old one counted, start new counts (reload only). */
    private void switchCounts(CompiledPolicy policy) {
        if (countsFor != null) counters.addCustomActions(countsFor, customActionCounts);
        customActionCounts = policy.stateless().newCustomActionCounts();
        countsFor = policy;
        counters.attach(this);
    }

    /** The counts of the current policy's custom actions, read by the metrics scrape (values may lag slightly). */
    long[] liveCustomActionCounts() {
        return customActionCounts;
    }

    CompiledPolicy liveCustomActionPolicy() {
        return countsFor;
    }
}
