/**
 * The stateful rule evaluator core (policy.md §2.3–§2.5, §3.3): evaluates the rules of a {@link
 * org.gwlbinspect.detect.CompiledPolicy} against one packet described by a reusable {@link
 * org.gwlbinspect.detect.engine.PacketContext}, with per-flow state in a {@link
 * org.gwlbinspect.detect.engine.FlowRuleState}. Pure logic: no I/O, no allocation per packet after construction.
 * A {@link org.gwlbinspect.detect.engine.RuleEvaluator} owns scratch memory and is used by one thread.
 */
package org.gwlbinspect.detect.engine;
