package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.gwlbinspect.flow.FlowTableConfig;

/** The {@code flows} section: flow table capacity and idle timeouts (defaults match GWLB's, gwlb.md §0 item 11). */
public class FlowsFactory {
    @Min(1)
    private int capacity = 1 << 20;

    @NotNull
    private Duration tcpIdleTimeout = Duration.seconds(350);

    @NotNull
    private Duration otherIdleTimeout = Duration.seconds(120);

    @NotNull
    private Duration fragmentTimeout = Duration.seconds(30);

    @JsonProperty
    public int getCapacity() {
        return capacity;
    }

    @JsonProperty
    public void setCapacity(int capacity) {
        this.capacity = capacity;
    }

    @JsonProperty
    public Duration getTcpIdleTimeout() {
        return tcpIdleTimeout;
    }

    @JsonProperty
    public void setTcpIdleTimeout(Duration tcpIdleTimeout) {
        this.tcpIdleTimeout = tcpIdleTimeout;
    }

    @JsonProperty
    public Duration getOtherIdleTimeout() {
        return otherIdleTimeout;
    }

    @JsonProperty
    public void setOtherIdleTimeout(Duration otherIdleTimeout) {
        this.otherIdleTimeout = otherIdleTimeout;
    }

    @JsonProperty
    public Duration getFragmentTimeout() {
        return fragmentTimeout;
    }

    @JsonProperty
    public void setFragmentTimeout(Duration fragmentTimeout) {
        this.fragmentTimeout = fragmentTimeout;
    }

    public FlowTableConfig build() {
        return new FlowTableConfig(
                capacity,
                tcpIdleTimeout.toJavaDuration(),
                otherIdleTimeout.toJavaDuration(),
                fragmentTimeout.toJavaDuration());
    }
}
