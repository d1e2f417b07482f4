/**
 * Stream stage: TCP reassembly for inspection, bounded and evasion-resistant (Suricata {@code stream-tcp-*.c},
 * inline mode).
 *
 * <p>Contract: on a flow's first TCP payload the engine takes a handle from {@link
 * org.gwlbinspect.stream.TcpStreamPool#acquire} and stores it in the flow table's {@code policyIndex}; every TCP
 * segment of the flow then goes through {@link org.gwlbinspect.stream.TcpStreamPool#accept} on the worker that received
 * it, which hands the direction's contiguous bytes to a {@link org.gwlbinspect.stream.StreamDataSink} (the detector)
 * before the verdict, and returns the segment's most severe {@link org.gwlbinspect.stream.StreamEvent}. Packets are
 * never held: an out-of-order segment is forwarded when it arrives and its bytes are inspected when the segment that
 * fills the gap arrives, whose verdict therefore covers them (the server cannot read past the gap either). A
 * {@code PACKET_UNSAFE} event means the packet's bytes were not inspected or contradict inspected bytes: dropping it is
 * safe; a {@code STREAM_EXCEPTION} event means the direction is no longer inspected and the stream exception policy
 * applies (policy.md §2.8). The {@code FlowEndListener} calls {@link org.gwlbinspect.stream.TcpStreamPool#release}.
 * Nothing here allocates or locks per segment; memory is the preallocated state pool and chunk pool.
 */
package org.gwlbinspect.stream;
