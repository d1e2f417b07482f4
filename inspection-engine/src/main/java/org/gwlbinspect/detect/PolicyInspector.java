package org.gwlbinspect.detect;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicLongArray;
import org.gwlbinspect.codec.ip.InnerPacket;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.policy.StatelessAction;
import org.gwlbinspect.stateful.StatefulInspector;
import org.gwlbinspect.verdict.DropReason;
import org.gwlbinspect.verdict.Enforcement;
import org.gwlbinspect.verdict.PacketInspector;
import org.gwlbinspect.verdict.Verdict;

/**
 * Applies the active policy to a packet: the stateless engine first (policy.md §2.2: per packet, per direction, first
 * matching rule by priority; defaults for non-matching packets and UDP fragments; other fragments dropped). One
 * instance per worker: the custom-action and verdict counters are single-writer.
 *
 * <p>{@code aws:forward_to_sfe} hands the packet to the stateful engine ({@link StatefulInspector}); a policy without
 * stateful rules or stateful default actions passes it, as NFW's stateful engine with no rules does (§2.3).
 *
 * <p>In {@link Enforcement#MONITOR} mode every verdict is still taken (and logged by the stateful engine), but a drop or
 * reject is counted by engine and the packet passed: the one place where a verdict leaves the engine, so no path
 * (fast path, stream exception, stateless drop) can drop a packet in monitor mode. The mode is fixed per inspector,
 * so a policy reload keeps it.
 */
public final class PolicyInspector implements PacketInspector {
    private final ActivePolicy active;
    private final InspectionCounters counters;
    private final AtomicLongArray statelessCounts;
    private final AtomicLongArray wouldBlockCounts;
    private final boolean monitor;
    private CompiledPolicy countsFor;
    private final StatefulInspector stateful;
    private long[] customActionCounts = new long[0];
    private DropReason dropReason = DropReason.POLICY_DROP;

    PolicyInspector(
            ActivePolicy active,
            InspectionCounters counters,
            AtomicLongArray statelessCounts,
            AtomicLongArray wouldBlockCounts,
            StatefulInspector stateful,
            Enforcement enforcement) {
        this.active = active;
        this.counters = counters;
        this.statelessCounts = statelessCounts;
        this.wouldBlockCounts = wouldBlockCounts;
        this.stateful = stateful;
        this.monitor = enforcement == Enforcement.MONITOR;
        ActivePolicy.Installed installed = active.installed();
        if (stateful != null) {
            stateful.enforcement(enforcement);
            stateful.prepare(installed.policy(), installed.version());
        }
    }

    /** Whether this inspector carries out drops and rejects or only counts them. */
    public Enforcement enforcement() {
        return monitor ? Enforcement.MONITOR : Enforcement.ENFORCE;
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
        if (action == StatelessAction.DROP) {
            // NFW logs nothing for a stateless drop (policy.md §2.1), so monitor mode only counts it; like aws:pass,
            // the packet then skips the stateful engine, which would never have seen it.
            dropReason = DropReason.POLICY_DROP;
            return monitor ? passMonitored(InspectionCounters.WouldBlock.STATELESS_DROP) : Verdict.DROP;
        }
        if (action == StatelessAction.PASS || !policy.hasStatefulEngine()) return Verdict.PASS;
        if (stateful == null) {
            throw new IllegalStateException("a policy with stateful rules needs an inspector with a stateful stage");
        }
        Verdict verdict =
                stateful.inspect(policy, installed.version(), packet, buffer, flows, flowSlot, direction, nowNanos);
        dropReason = stateful.dropReason(); // read only after DROP or REJECT
        if (!monitor || verdict == Verdict.PASS) return verdict;
        return passMonitored(
                verdict == Verdict.REJECT
                        ? InspectionCounters.WouldBlock.STATEFUL_REJECT
                        : InspectionCounters.WouldBlock.STATEFUL_DROP);
    }

    @Override
    public DropReason dropReason() {
        return dropReason;
    }

    private Verdict passMonitored(InspectionCounters.WouldBlock kind) {
        int i = kind.ordinal();
        wouldBlockCounts.setRelease(i, wouldBlockCounts.getPlain(i) + 1); // single writer: this worker
        return Verdict.PASS;
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
