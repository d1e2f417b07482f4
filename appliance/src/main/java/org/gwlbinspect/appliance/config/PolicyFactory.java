package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.verdict.Enforcement;

/** The {@code policy} section: which policy to enforce and the defaults it is read with. */
public class PolicyFactory {
    /** NFW bundle JSON, {@code *.rules} or a domain list; absent = pass-through. */
    private String path;

    /** {@code HOME_NET} when the policy does not set it (NFW uses the VPC CIDR there). */
    @NotEmpty
    private List<String> homeNet = PolicyLoadOptions.DEFAULT_HOME_NET;

    /** Reload when the file changes (besides SIGHUP and {@code POST /tasks/reload-policy}). */
    private boolean watch;

    /**
     * {@code enforce} (default) carries out the policy's drops and rejects; {@code monitor} only logs and counts them
     * and passes every packet (learning mode, docs/learning-mode.md). Read at start; a policy reload keeps it.
     */
    @NotNull
    private Enforcement enforcement = Enforcement.ENFORCE;

    /** Destination binding (docs/destination-binding.md). */
    @Valid
    @NotNull
    private DestinationBindingFactory destinationBinding = new DestinationBindingFactory();

    @JsonProperty
    public DestinationBindingFactory getDestinationBinding() {
        return destinationBinding;
    }

    @JsonProperty
    public void setDestinationBinding(DestinationBindingFactory destinationBinding) {
        this.destinationBinding = destinationBinding;
    }

    @JsonProperty
    public String getPath() {
        return path;
    }

    @JsonProperty
    public void setPath(String path) {
        this.path = path;
    }

    @JsonProperty
    public List<String> getHomeNet() {
        return homeNet;
    }

    @JsonProperty
    public void setHomeNet(List<String> homeNet) {
        this.homeNet = homeNet;
    }

    @JsonProperty
    public boolean isWatch() {
        return watch;
    }

    @JsonProperty
    public void setWatch(boolean watch) {
        this.watch = watch;
    }

    @JsonProperty
    public Enforcement getEnforcement() {
        return enforcement;
    }

    @JsonProperty
    public void setEnforcement(Enforcement enforcement) {
        this.enforcement = enforcement;
    }

    /** The policy file, or null for pass-through. */
    public Path policyPath() {
        return path == null || path.isBlank() ? null : Path.of(path);
    }

    /** Load options; an invalid {@code policy.homeNet} fails here with the key in the message. */
    public PolicyLoadOptions loadOptions() {
        return new PolicyLoadOptions(homeNet, Map.of());
    }
}
