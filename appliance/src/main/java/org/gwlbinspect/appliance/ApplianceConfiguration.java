package org.gwlbinspect.appliance;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import org.gwlbinspect.appliance.config.AdminAccessFactory;
import org.gwlbinspect.appliance.config.DataPlaneFactory;
import org.gwlbinspect.appliance.config.FlowsFactory;
import org.gwlbinspect.appliance.config.HealthFactory;
import org.gwlbinspect.appliance.config.LogsFactory;
import org.gwlbinspect.appliance.config.PolicyFactory;
import org.gwlbinspect.appliance.config.StatefulFactory;

/** The appliance's YAML configuration; every key can be overridden with {@code -Ddw.<path>=value}. */
public class ApplianceConfiguration extends Configuration {
    @Valid
    @NotNull
    private DataPlaneFactory dataPlane = new DataPlaneFactory();

    @Valid
    @NotNull
    private FlowsFactory flows = new FlowsFactory();

    @Valid
    @NotNull
    private HealthFactory health = new HealthFactory();

    @Valid
    @NotNull
    private PolicyFactory policy = new PolicyFactory();

    @Valid
    @NotNull
    private LogsFactory logs = new LogsFactory();

    @Valid
    @NotNull
    private StatefulFactory stateful = new StatefulFactory();

    @Valid
    @NotNull
    private AdminAccessFactory adminAccess = new AdminAccessFactory();

    @JsonProperty
    public AdminAccessFactory getAdminAccess() {
        return adminAccess;
    }

    @JsonProperty
    public void setAdminAccess(AdminAccessFactory adminAccess) {
        this.adminAccess = adminAccess;
    }

    @JsonProperty
    public StatefulFactory getStateful() {
        return stateful;
    }

    @JsonProperty
    public void setStateful(StatefulFactory stateful) {
        this.stateful = stateful;
    }

    @JsonProperty
    public LogsFactory getLogs() {
        return logs;
    }

    @JsonProperty
    public void setLogs(LogsFactory logs) {
        this.logs = logs;
    }

    @JsonProperty
    public PolicyFactory getPolicy() {
        return policy;
    }

    @JsonProperty
    public void setPolicy(PolicyFactory policy) {
        this.policy = policy;
    }

    @JsonProperty
    public DataPlaneFactory getDataPlane() {
        return dataPlane;
    }

    @JsonProperty
    public void setDataPlane(DataPlaneFactory dataPlane) {
        this.dataPlane = dataPlane;
    }

    @JsonProperty
    public FlowsFactory getFlows() {
        return flows;
    }

    @JsonProperty
    public void setFlows(FlowsFactory flows) {
        this.flows = flows;
    }

    @JsonProperty
    public HealthFactory getHealth() {
        return health;
    }

    @JsonProperty
    public void setHealth(HealthFactory health) {
        this.health = health;
    }
}
