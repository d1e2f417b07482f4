package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.detect.DestinationBindingMode;
import org.gwlbinspect.policy.IpPrefix;
import org.gwlbinspect.stateful.DestinationBindingConfig;

/**
 * The {@code policy.destinationBinding} section: whether a flow's SNI or HTTP host must resolve, in the DNS answers its
 * client got through the appliance, to the flow's destination (docs/destination-binding.md).
 */
public class DestinationBindingFactory {
    @NotNull
    private String mode = "off";

    @Min(0)
    private int capacity = DestinationBindingConfig.defaults().capacity();

    @NotNull
    private Duration minTtl = Duration.seconds(30);

    @NotNull
    private Duration maxTtl = Duration.hours(1);

    @NotNull
    private Duration startupGrace = Duration.minutes(5);

    @NotNull
    private List<String> resolvers = List.of();

    @JsonProperty
    public String getMode() {
        return mode;
    }

    @JsonProperty
    public void setMode(String mode) {
        this.mode = mode;
    }

    @JsonProperty
    public int getCapacity() {
        return capacity;
    }

    @JsonProperty
    public void setCapacity(int capacity) {
        this.capacity = capacity;
    }

    @JsonProperty
    public Duration getMinTtl() {
        return minTtl;
    }

    @JsonProperty
    public void setMinTtl(Duration minTtl) {
        this.minTtl = minTtl;
    }

    @JsonProperty
    public Duration getMaxTtl() {
        return maxTtl;
    }

    @JsonProperty
    public void setMaxTtl(Duration maxTtl) {
        this.maxTtl = maxTtl;
    }

    @JsonProperty
    public Duration getStartupGrace() {
        return startupGrace;
    }

    @JsonProperty
    public void setStartupGrace(Duration startupGrace) {
        this.startupGrace = startupGrace;
    }

    @JsonProperty
    public List<String> getResolvers() {
        return resolvers;
    }

    @JsonProperty
    public void setResolvers(List<String> resolvers) {
        this.resolvers = resolvers;
    }

    /** The engine's record; a bad value fails with the key in the message. */
    public DestinationBindingConfig build() {
        DestinationBindingMode parsed;
        try {
            parsed = DestinationBindingMode.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "policy.destinationBinding.mode must be off, alert or enforce, got '" + mode + "'");
        }
        List<IpPrefix> prefixes = new ArrayList<>();
        for (String r : resolvers) {
            try {
                prefixes.add(IpPrefix.parse(r.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("policy.destinationBinding.resolvers: '" + r
                        + "' is not an address or CIDR: " + e.getMessage());
            }
        }
        try {
            return new DestinationBindingConfig(
                    parsed,
                    capacity,
                    minTtl.toJavaDuration(),
                    maxTtl.toJavaDuration(),
                    startupGrace.toJavaDuration(),
                    prefixes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    e.getMessage().replace("destinationBinding.", "policy.destinationBinding."));
        }
    }
}
