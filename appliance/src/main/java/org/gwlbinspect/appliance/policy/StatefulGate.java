package org.gwlbinspect.appliance.policy;

import java.util.List;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyProblem;

/**
 * Refuses policies the running appliance cannot enforce yet: the stateful engine is not on the data path (issue #4),
 * so a policy with stateful rule groups or stateful default actions would let their traffic through unchecked. Such a
 * policy is rejected with a clear problem instead (check-policy still validates it fully).
 */
final class StatefulGate {
    private StatefulGate() {}

    static CompiledPolicy check(CompiledPolicy policy) throws PolicyException {
        boolean stateful = !policy.policy().statefulGroups().isEmpty()
                || !policy.policy().statefulDefaultActions().isEmpty();
        if (!stateful) return policy;
        policy.patterns().close();
        throw new PolicyException(List.of(new PolicyProblem(
                policy.policy().file(),
                null,
                0,
                0,
                0,
                "this policy has stateful rule groups or stateful default actions, which check-policy validates but"
                        + " the data path does not enforce yet; only stateless policies can be loaded for now")));
    }
}
