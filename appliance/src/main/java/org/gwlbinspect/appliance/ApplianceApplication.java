package org.gwlbinspect.appliance;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.DispatcherType;
import java.nio.file.Path;
import java.util.EnumSet;
import org.gwlbinspect.appliance.admin.TaskAccess;
import org.gwlbinspect.appliance.admin.TaskAccessFilter;
import org.gwlbinspect.appliance.cli.CheckPolicyCommand;
import org.gwlbinspect.appliance.cli.ReplayCommand;
import org.gwlbinspect.appliance.cli.SuggestAllowlistCommand;
import org.gwlbinspect.appliance.config.AdminAccessConfig;
import org.gwlbinspect.appliance.config.DataPlaneConfig;
import org.gwlbinspect.appliance.config.HealthConfig;
import org.gwlbinspect.appliance.config.PolicyFactory;
import org.gwlbinspect.appliance.dataplane.DataPathWarmup;
import org.gwlbinspect.appliance.dataplane.DataPlane;
import org.gwlbinspect.appliance.dataplane.FlowHousekeeping;
import org.gwlbinspect.appliance.health.DataPlaneHealthCheck;
import org.gwlbinspect.appliance.health.DataPlaneHealthMonitor;
import org.gwlbinspect.appliance.health.EnforcementHealthCheck;
import org.gwlbinspect.appliance.health.HealthPortGuard;
import org.gwlbinspect.appliance.health.HealthResource;
import org.gwlbinspect.appliance.health.ShutdownDrain;
import org.gwlbinspect.appliance.health.SystemdNotifier;
import org.gwlbinspect.appliance.health.SystemdReadiness;
import org.gwlbinspect.appliance.logs.EveLogs;
import org.gwlbinspect.appliance.metrics.AdminMetrics;
import org.gwlbinspect.appliance.metrics.DataPlaneMetrics;
import org.gwlbinspect.appliance.metrics.EveLogMetrics;
import org.gwlbinspect.appliance.metrics.PolicyMetrics;
import org.gwlbinspect.appliance.metrics.PrometheusServlet;
import org.gwlbinspect.appliance.metrics.StatefulMetrics;
import org.gwlbinspect.appliance.policy.PolicyReloader;
import org.gwlbinspect.appliance.policy.ReloadPolicyTask;
import org.gwlbinspect.appliance.sim.GwlbSimCommand;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.detect.InspectionCounters;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.detect.PolicyInspector;
import org.gwlbinspect.eve.EveLog;
import org.gwlbinspect.flow.FlowEndListener;
import org.gwlbinspect.flow.FlowTable;
import org.gwlbinspect.flow.FlowTableConfig;
import org.gwlbinspect.flow.FragmentTracker;
import org.gwlbinspect.stateful.EveAlerts;
import org.gwlbinspect.stateful.StatefulConfig;
import org.gwlbinspect.stateful.StatefulCounters;
import org.gwlbinspect.stateful.StatefulFlows;
import org.gwlbinspect.stateful.StatefulInspector;
import org.gwlbinspect.verdict.Enforcement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The appliance: {@code java -jar appliance.jar server CONFIG}. */
public class ApplianceApplication extends Application<ApplianceConfiguration> {
    private static final Logger LOG = LoggerFactory.getLogger(ApplianceApplication.class);
    private volatile DataPlane dataPlane;
    private volatile FlowTable flowTable;
    private volatile ActivePolicy activePolicy;
    // Held here because Micrometer keeps only weak references to what its meters read.
    private volatile StatefulFlows statefulFlows;
    private volatile StatefulCounters statefulCounters;
    private volatile EveLogs eveLogs;

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
        bootstrap.addCommand(new ReplayCommand());
        bootstrap.addCommand(new SuggestAllowlistCommand());
        bootstrap.addCommand(new GwlbSimCommand());
    }

    @Override
    public void run(ApplianceConfiguration configuration, Environment environment) {
        DataPlaneConfig dataPlaneConfig = configuration.getDataPlane().build();
        FlowTableConfig flowConfig = configuration.getFlows().build();
        HealthConfig healthConfig = configuration.getHealth().build();
        AdminAccessConfig adminAccess = configuration.getAdminAccess().build();
        EveLogs logs = configuration.getLogs().isEnabled()
                ? EveLogs.enabled(configuration.getLogs().build(), flowConfig.capacity())
                : EveLogs.disabled();
        eveLogs = logs;

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);

        StatefulFlows stateful = new StatefulFlows(
                flowConfig.capacity(),
                StatefulConfig.defaults()
                        .withEncryptionHandling(configuration.getStateful().build()),
                configuration.getPolicy().getDestinationBinding().build());
        StatefulCounters statefulCounters = new StatefulCounters();
        statefulFlows = stateful;
        this.statefulCounters = statefulCounters;
        FlowEndListener netflow = logs.flowEndListener();
        // Netflow records first (they read the flow's state), then the stateful engine frees what the flow held.
        FlowTable flows = new FlowTable(flowConfig, (table, slot, reason, nowNanos) -> {
            netflow.onFlowEnd(table, slot, reason, nowNanos);
            stateful.onFlowEnd(table, slot, reason, nowNanos);
        });
        logs.writeLiveFlowsAtStop(flows);
        flowTable = flows;
        // Fragmented datagrams in flight are few next to flows; an entry is reusable once flows.fragmentTimeout passed.
        FragmentTracker fragments =
                new FragmentTracker(flows, Math.max(1024, flowConfig.capacity() / 8), flowConfig.fragmentTimeout());
        PolicyFactory policyConfig = configuration.getPolicy();
        Path policyPath = policyConfig.policyPath();
        PolicyCompiler compiler = new PolicyCompiler(policyConfig.loadOptions());
        ActivePolicy active =
                new ActivePolicy(policyPath == null ? null : PolicyReloader.loadAtStart(policyPath, compiler));
        activePolicy = active;
        InspectionCounters inspection = new InspectionCounters();
        DataPlane plane = new DataPlane(
                dataPlaneConfig,
                flows,
                fragments,
                () -> newInspector(inspection, active, stateful, statefulCounters, logs, policyConfig.getEnforcement()),
                registry,
                logs);
        dataPlane = plane;
        DataPlaneHealthMonitor monitor = new DataPlaneHealthMonitor(plane, healthConfig, System::nanoTime);
        DataPathWarmup warmup = new DataPathWarmup(
                active::current,
                policyConfig.getEnforcement(),
                healthConfig.warmUpPackets(),
                healthConfig.warmUpTimeout(),
                dataPlaneConfig.maxDatagramBytes(),
                System::nanoTime);
        Gauge.builder("appliance.warmup.packets", warmup, DataPathWarmup::packetsDone)
                .description("synthetic packets the start-up warm-up has run through the inspection pipeline")
                .register(registry);
        // 1 while /health answers 200 (the admin connector, and so this gauge, stays up while the health port is
        // closed).
        Gauge.builder("appliance.healthy", monitor, m -> m.current().healthy() ? 1 : 0)
                .description("1 while the data plane is healthy (GET /health answers 200), else 0")
                .register(registry);
        FlowHousekeeping housekeeping = new FlowHousekeeping(flows, logs::waitForSpaceOnThisThread);

        // Started before the data plane and stopped after it and the housekeeping (Dropwizard stops in reverse), so
        // the workers can register their producers at start and the flows still live get their records at the end.
        environment.lifecycle().manage(logs);
        EveLogMetrics.bind(registry, logs);
        environment.lifecycle().manage(plane);
        if (policyPath != null) {
            PolicyReloader reloader =
                    new PolicyReloader(policyPath, compiler, active, policyConfig.isWatch(), registry);
            environment.lifecycle().manage(reloader);
            environment.admin().addTask(new ReloadPolicyTask(reloader));
        }
        Enforcement enforcement = policyConfig.getEnforcement();
        if (enforcement == Enforcement.MONITOR) {
            LOG.warn("policy.enforcement is monitor: the policy's drops and rejects are logged and counted, not carried"
                    + " out; every packet passes");
        }
        environment.lifecycle().manage(PolicyMetrics.bind(registry, inspection, enforcement));
        environment.healthChecks().register("policy-enforcement", new EnforcementHealthCheck(enforcement, active));
        environment.lifecycle().manage(StatefulMetrics.bind(registry, statefulCounters, stateful, active));
        environment.lifecycle().manage(housekeeping);
        // After the data plane, before the health monitor: Jetty opens the health port only once every managed object
        // has started, so the port does not have to be closed while the warm-up runs.
        environment.lifecycle().manage(warmup);
        environment.lifecycle().manage(monitor);
        environment.lifecycle().addServerLifecycleListener(server -> DataPlaneMetrics.bind(registry, plane, flows));
        if (healthConfig.closeListenerWhenUnhealthy()) {
            HealthPortGuard guard = new HealthPortGuard();
            monitor.addListener(guard);
            environment
                    .lifecycle()
                    .addServerLifecycleListener(server -> guard.serverStarted(server, monitor.current()));
        }

        // Type=notify under systemd (NOTIFY_SOCKET set): READY=1 once healthy with the health port open.
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
        SystemdReadiness readiness = new SystemdReadiness(systemd, monitor.startupTime());
        monitor.addListener(readiness);
        environment.lifecycle().addServerLifecycleListener(server -> readiness.serverStarted(monitor.current()));

        // Last managed object: stopped first, while the data plane still runs (see ShutdownDrain).
        environment.lifecycle().manage(new ShutdownDrain(monitor, healthConfig.drainTime(), systemd));

        environment.jersey().register(new HealthResource(monitor));
        environment.healthChecks().register("data-plane", new DataPlaneHealthCheck(monitor));
        environment
                .admin()
                .addServlet("prometheus", new PrometheusServlet(registry))
                .addMapping("/metrics");
        // Tasks change the running appliance (reload-policy, log-level, gc): token or loopback (docs/security.md).
        TaskAccess taskAccess = new TaskAccess(adminAccess);
        environment
                .admin()
                .addFilter("task-access", new TaskAccessFilter(taskAccess))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/tasks/*");
        AdminMetrics.bind(registry, taskAccess);
    }

    /**
     * One worker's inspector: the stateless engine, then its own stateful stage, whose alerts go to its own EVE ring
     * (called by the data plane as it starts each worker, after the logs started).
     */
    private static PolicyInspector newInspector(
            InspectionCounters inspection,
            ActivePolicy active,
            StatefulFlows stateful,
            StatefulCounters counters,
            EveLogs logs,
            Enforcement enforcement) {
        StatefulInspector worker = new StatefulInspector(stateful, counters);
        worker.flowRecords(logs.flowRecords());
        EveLog log = logs.log();
        new EveAlerts(
                worker,
                log == null ? null : log.registerProducer("alerts-" + WORKER_IDS.getAndIncrement()),
                logs.clock(),
                logs.flowRecords());
        return inspection.newInspector(active, worker, enforcement);
    }

    private static final java.util.concurrent.atomic.AtomicInteger WORKER_IDS =
            new java.util.concurrent.atomic.AtomicInteger();

    /** The running data plane (null before {@link #run}); for tests and admin tasks. */
    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** The policy the workers enforce (its current() is null without {@code policy.path}). */
    public ActivePolicy activePolicy() {
        return activePolicy;
    }

    /** The stateful engine's counters (null before {@link #run}); for tests. */
    public StatefulCounters statefulCounters() {
        return statefulCounters;
    }

    /** The EVE alert and flow logs (null before {@link #run}). */
    public EveLogs eveLogs() {
        return eveLogs;
    }

    /** The flow table shared by the workers (null before {@link #run}). */
    public FlowTable flowTable() {
        return flowTable;
    }
}
