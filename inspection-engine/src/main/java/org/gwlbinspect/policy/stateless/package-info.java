/**
 * Policy stage, stateless engine (policy.md §2.2): the policy's stateless rules compiled into flat arrays and
 * evaluated per packet, first match wins, without allocating.
 *
 * <p>Contract: {@link org.gwlbinspect.policy.stateless.StatelessEngine#compile} once per policy (the engine is
 * immutable and shared by all workers); each worker calls {@code evaluate} per packet with its own custom action
 * counts array, which only that worker writes.
 */
package org.gwlbinspect.policy.stateless;
