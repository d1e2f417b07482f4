/**
 * Flow stage: the lock-free flow table shared by all workers (style.md §7).
 *
 * <p>Contract: a worker fills its own {@link org.gwlbinspect.flow.FlowKey} per packet, calls {@link
 * org.gwlbinspect.flow.FlowTable#lookupOrCreate} and then {@link org.gwlbinspect.flow.FlowTable#recordInbound},
 * which refreshes the flow's GENEVE header on every packet (gwlb.md §0 item 5). Flows are keyed by GWLB endpoint ID,
 * IP version and the symmetric 5-tuple (§0 item 6), so both directions share an entry and overlapping CIDRs behind
 * different endpoints stay apart. Slots are handles that go stale when a flow ends; carry the generation with them.
 * Nothing here allocates, locks or reads a clock on the data path: callers pass {@code nowNanos}. Idle flows are
 * removed by {@link org.gwlbinspect.flow.FlowExpiry} on a housekeeping thread (§0 item 11); when the table is full
 * a flow is evicted: idle ones first, then embryonic ones (no packet from the initiator after a reply), then the
 * least recently seen established one. Non-first fragments find their flow
 * through {@link org.gwlbinspect.flow.FragmentTracker} (§0 item 9). Every flow that ends is reported to a {@link
 * org.gwlbinspect.flow.FlowEndListener} before its slot is reused.
 */
package org.gwlbinspect.flow;
