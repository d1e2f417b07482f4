package org.gwlbinspect.policy;

/**
 * The policy's {@code StatefulEngineOptions} with NFW's defaults filled in (policy.md §1.1, §2.8).
 *
 * @param ruleOrder rule order, default {@link RuleOrder#DEFAULT_ACTION_ORDER}
 * @param streamExceptionPolicy default {@link StreamExceptionPolicy#DROP}
 * @param tcpIdleTimeoutSeconds 60–6000, default 350
 */
public record StatefulEngineOptions(
        RuleOrder ruleOrder, StreamExceptionPolicy streamExceptionPolicy, int tcpIdleTimeoutSeconds) {

    /** NFW's {@code FlowTimeouts.TcpIdleTimeoutSeconds} default. */
    public static final int DEFAULT_TCP_IDLE_TIMEOUT_SECONDS = 350;

    /** The options of a policy that sets none. */
    public static final StatefulEngineOptions DEFAULTS = new StatefulEngineOptions(
            RuleOrder.DEFAULT_ACTION_ORDER, StreamExceptionPolicy.DROP, DEFAULT_TCP_IDLE_TIMEOUT_SECONDS);
}
