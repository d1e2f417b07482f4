/**
 * Flow log stage: NFW's flow log, EVE {@code netflow} records written when a flow ends (policy.md §4).
 *
 * <p>Contract: a worker calls {@link org.gwlbinspect.flowlog.FlowRecords#onPacket} once per packet right after the
 * flow is resolved (no allocation, lock or log), and the inspector reports what it learns with {@code setAppProto} and
 * {@code markAlerted}. {@link org.gwlbinspect.flowlog.NetflowWriter} is the flow table's {@link
 * org.gwlbinspect.flow.FlowEndListener}: it turns the table's counters and these records into one record per direction
 * that saw packets, through a per-thread {@link org.gwlbinspect.eve.EveProducer}, and writes the flows still live
 * when the appliance stops.
 */
package org.gwlbinspect.flowlog;
