package org.gwlbinspect.appliance.health;

import com.codahale.metrics.health.HealthCheck;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.verdict.Enforcement;

/**
 * Admin {@code /healthcheck} entry {@code policy-enforcement}: says whether the policy is enforced or only monitored,
 * and which policy version runs. Always healthy (monitor mode is a choice, not a fault), but never silent: an operator
 * reading the health page sees a monitor-mode appliance for what it is.
 */
public final class EnforcementHealthCheck extends HealthCheck {
    private final Enforcement enforcement;
    private final ActivePolicy active;

    public EnforcementHealthCheck(Enforcement enforcement, ActivePolicy active) {
        this.enforcement = enforcement;
        this.active = active;
    }

    @Override
    protected Result check() {
        long version = active.version();
        String policy = version == 0 ? "no policy (pass-through)" : "policy version " + version;
        return Result.healthy(
                enforcement == Enforcement.MONITOR
                        ? "monitor: drops and rejects are logged and counted, not carried out; " + policy
                        : "enforce: " + policy);
    }
}
