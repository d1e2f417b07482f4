/**
 * Stateful stage: NFW's stateful engine on the data path (policy.md §2.3–§2.8). Per packet of a flow that the
 * stateless engine forwarded: the flow's connection state, TCP reassembly of the client→server stream until its first
 * application message (TLS ClientHello, HTTP request header block, DNS query) is parsed, the rule evaluator, the stream
 * exception policy, and the flow verdict that later packets take without inspection (fast path).
 *
 * <p>Per-flow state lives in the flow table (the policy word, {@link org.gwlbinspect.stateful.PolicyWord}, and the
 * stream handle in {@code policyIndex}) and in {@link org.gwlbinspect.stateful.StatefulFlows}, shared by the workers
 * and sized to the flow table. Per-worker state (evaluator, packet context, scratch) is in {@link
 * org.gwlbinspect.stateful.StatefulInspector}.
 */
package org.gwlbinspect.stateful;
