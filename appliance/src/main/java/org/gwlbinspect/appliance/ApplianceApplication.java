package org.gwlbinspect.appliance;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.gwlbinspect.appliance.cli.CheckPolicyCommand;
import org.gwlbinspect.appliance.config.DataPlaneConfig;
import org.gwlbinspect.appliance.config.HealthConfig;
import org.gwlbinspect.appliance.dataplane.DataPlane;
import org.gwlbinspect.appliance.dataplane.FlowHousekeeping;
import org.gwlbinspect.appliance.health.DataPlaneHealthCheck;
import org.gwlbinspect.appliance.health.DataPlaneHealthMonitor;
import org.gwlbinspect.appliance.health.HealthPortGuard;
import org.gwlbinspect.appliance.health.HealthResource;
import org.gwlbinspect.appliance.health.ShutdownDrain;
import org.gwlbinspect.appliance.metrics.DataPlaneMetrics;
import org.gwlbinspect.appliance.metrics.PrometheusServlet;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.FragmentTracker;
import org.gwlbinspect.verdict.PassThroughInspector;

/** The appliance: {@code java -jar appliance.jar server CONFIG}. */
public class ApplianceApplication extends Application<ApplianceConfiguration> {
    private volatile DataPlane dataPlane;
    private volatile FlowTable flowTable;

    public static void main(String[] args) throws Exception {
        new ApplianceApplication().run(args);
    }

    @Override
    public String getName() {
        return "gwlb-inspect";
    }

    @Override
    public void initialize(Bootstrap<ApplianceConfiguration> bootstrap) {
        bootstrap.addCommand(new CheckPolicyCommand());
    }

    @Override
    public void run(ApplianceConfiguration configuration, Environment environment) {
        DataPlaneConfig dataPlaneConfig = configuration.getDataPlane().build();
        FlowTableConfig flowConfig = configuration.getFlows().build();
        HealthConfig healthConfig = configuration.getHealth().build();

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);

        FlowTable flows = new FlowTable(flowConfig);
        flowTable = flows;
        // Fragmented datagrams in flight are few next to flows; an entry is reusable once flows.fragmentTimeout passed.
        FragmentTracker fragments =
                new FragmentTracker(flows, Math.max(1024, flowConfig.capacity() / 8), flowConfig.fragmentTimeout());
        DataPlane plane = new DataPlane(dataPlaneConfig, flows, fragments, new PassThroughInspector(), registry);
        dataPlane = plane;
        DataPlaneHealthMonitor monitor = new DataPlaneHealthMonitor(plane, healthConfig, System::nanoTime);
        FlowHousekeeping housekeeping = new FlowHousekeeping(flows);

        environment.lifecycle().manage(plane);
        environment.lifecycle().manage(housekeeping);
        environment.lifecycle().manage(monitor);
        environment.lifecycle().addServerLifecycleListener(server -> DataPlaneMetrics.bind(registry, plane, flows));
        if (healthConfig.closeListenerWhenUnhealthy()) {
            HealthPortGuard guard = new HealthPortGuard();
            monitor.addListener(guard);
            environment
                    .lifecycle()
                    .addServerLifecycleListener(server -> guard.serverStarted(server, monitor.current()));
        }

        // Last managed object: stopped first, while the data plane still runs (see ShutdownDrain).
        environment.lifecycle().manage(new ShutdownDrain(monitor, healthConfig.drainTime()));

        environment.jersey().register(new HealthResource(monitor));
        environment.healthChecks().register("data-plane", new DataPlaneHealthCheck(monitor));
        environment
                .admin()
                .addServlet("prometheus", new PrometheusServlet(registry))
                .addMapping("/metrics");
    }

    /** The running data plane (null before {@link #run}); for tests and admin tasks. */
    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** The flow table shared by the workers (null before {@link #run}). */
    public FlowTable flowTable() {
        return flowTable;
    }
}
