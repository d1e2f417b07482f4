package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/** The {@code health} section: when the data plane counts as unhealthy and what the health port does then. */
public class HealthFactory {
    /** A worker whose event loop has not run its heartbeat for this long is stalled. */
    @NotNull
    private Duration maxWorkerStall = Duration.seconds(2);

    /** How often the data plane's health is evaluated. */
    @NotNull
    private Duration checkInterval = Duration.milliseconds(250);

    /**
     * GWLB's default target-group check is plain TCP (gwlb.md §3): it passes as long as the port accepts connections,
     * so while unhealthy the application connector stops listening. The reason stays readable at the admin port.
     */
    private boolean closeListenerWhenUnhealthy = true;

    /**
     * On shutdown (SIGTERM), how long the data path keeps returning packets after the health check has started to
     * fail: set it to the target group's deregistration delay so GWLB moves new flows away first (gwlb.md §3).
     */
    @NotNull
    private Duration drainTime = Duration.seconds(0);

    /**
     * Synthetic packets run through the inspection pipeline at start-up before the health check may pass, so that
     * GWLB's first traffic meets compiled code (docs/performance.md, "Cold start"); 0 turns the warm-up off.
     */
    @Min(0)
    private long warmUpPackets = 200_000;

    /** The longest the warm-up may hold the health check back; after it the appliance goes on cold. */
    @NotNull
    private Duration warmUpTimeout = Duration.seconds(30);

    @JsonProperty
    public long getWarmUpPackets() {
        return warmUpPackets;
    }

    @JsonProperty
    public void setWarmUpPackets(long warmUpPackets) {
        this.warmUpPackets = warmUpPackets;
    }

    @JsonProperty
    public Duration getWarmUpTimeout() {
        return warmUpTimeout;
    }

    @JsonProperty
    public void setWarmUpTimeout(Duration warmUpTimeout) {
        this.warmUpTimeout = warmUpTimeout;
    }

    @JsonProperty
    public Duration getMaxWorkerStall() {
        return maxWorkerStall;
    }

    @JsonProperty
    public void setMaxWorkerStall(Duration maxWorkerStall) {
        this.maxWorkerStall = maxWorkerStall;
    }

    @JsonProperty
    public Duration getCheckInterval() {
        return checkInterval;
    }

    @JsonProperty
    public void setCheckInterval(Duration checkInterval) {
        this.checkInterval = checkInterval;
    }

    @JsonProperty
    public boolean isCloseListenerWhenUnhealthy() {
        return closeListenerWhenUnhealthy;
    }

    @JsonProperty
    public void setCloseListenerWhenUnhealthy(boolean closeListenerWhenUnhealthy) {
        this.closeListenerWhenUnhealthy = closeListenerWhenUnhealthy;
    }

    @JsonProperty
    public Duration getDrainTime() {
        return drainTime;
    }

    @JsonProperty
    public void setDrainTime(Duration drainTime) {
        this.drainTime = drainTime;
    }

    public HealthConfig build() {
        return new HealthConfig(
                maxWorkerStall.toJavaDuration(),
                checkInterval.toJavaDuration(),
                closeListenerWhenUnhealthy,
                drainTime.toJavaDuration(),
                warmUpPackets,
                warmUpTimeout.toJavaDuration());
    }
}
