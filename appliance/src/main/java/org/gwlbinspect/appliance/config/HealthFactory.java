package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
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
                drainTime.toJavaDuration());
    }
}
