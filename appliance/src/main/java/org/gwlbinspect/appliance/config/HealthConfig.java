package org.gwlbinspect.appliance.config;

import java.time.Duration;

/** Validated health settings (see {@link HealthFactory}). */
public record HealthConfig(
        Duration maxWorkerStall,
        Duration checkInterval,
        boolean closeListenerWhenUnhealthy,
        Duration drainTime,
        long warmUpPackets,
        Duration warmUpTimeout) {
    public HealthConfig {
        if (maxWorkerStall.isNegative() || maxWorkerStall.isZero())
            throw new IllegalArgumentException("health.maxWorkerStall must be positive");
        if (checkInterval.isNegative() || checkInterval.isZero())
            throw new IllegalArgumentException("health.checkInterval must be positive");
        if (drainTime.isNegative()) throw new IllegalArgumentException("health.drainTime must not be negative");
        if (warmUpPackets < 0) throw new IllegalArgumentException("health.warmUpPackets must not be negative");
        if (warmUpTimeout.isNegative() || warmUpTimeout.isZero())
            throw new IllegalArgumentException("health.warmUpTimeout must be positive");
        if (checkInterval.compareTo(maxWorkerStall) >= 0)
            throw new IllegalArgumentException("health.checkInterval must be shorter than health.maxWorkerStall");
    }
}
