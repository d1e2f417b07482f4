package org.gwlbinspect.appliance.sim;

import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.Command;
import io.dropwizard.core.setup.Bootstrap;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

/**
 * {@code java -jar appliance.jar gwlb-sim}: a GWLB in network namespaces on this machine (docs/simulator.md), around
 * its own appliance or one at {@code --appliance}, until Ctrl-C; {@code gwlb-sim exec -- CMD} runs a command in the
 * client namespace of the running simulator; {@code gwlb-sim --cleanup} removes what dead runs left.
 */
public final class GwlbSimCommand extends Command {
    private final PrintStream out;
    private final PrintStream err;

    public GwlbSimCommand() {
        this(System.out, System.err);
    }

    GwlbSimCommand(PrintStream out, PrintStream err) {
        super(
                "gwlb-sim",
                "Simulate AWS Gateway Load Balancer in network namespaces around an appliance (root); "
                        + "'gwlb-sim exec -- CMD' runs CMD in the simulated client VPC");
        this.out = out;
        this.err = err;
    }

    @Override
    public void configure(Subparser subparser) {
        subparser
                .addArgument("action")
                .nargs("*")
                .help("nothing: run the simulator until Ctrl-C; exec -- CMD [ARGS]: run CMD in the client namespace of "
                        + "the running simulator and exit with its code");
        subparser
                .addArgument("--policy")
                .metavar("FILE")
                .help("policy of the appliance the simulator starts (NFW bundle JSON, *.rules or domain list); none = "
                        + "pass-through");
        subparser
                .addArgument("--appliance")
                .metavar("HOST:PORT")
                .help("send GENEVE to this running appliance instead of starting one (it must be reachable from the "
                        + "GWLB node namespace, e.g. started in the appliance namespace: see docs/simulator.md)");
        subparser
                .addArgument("--appliance-jar")
                .metavar("JAR")
                .help("the jar to start the appliance from (default: this jar)");
        subparser
                .addArgument("--endpoints")
                .type(Integer.class)
                .setDefault(1)
                .help("GWLB endpoints, 1 or 2; the second's client VPC uses the same CIDR as the first's");
        subparser
                .addArgument("--cookie-rotation-packets")
                .metavar("N")
                .type(Long.class)
                .setDefault(0L)
                .help("give a flow a new cookie after N packets toward the appliance (0 = never)");
        subparser
                .addArgument("--cookie-rotation-seconds")
                .metavar("S")
                .type(Double.class)
                .setDefault(0.0)
                .help("give a flow a new cookie when its cookie is S seconds old (0 = never)");
        subparser
                .addArgument("--tcp-idle-timeout")
                .metavar("SECONDS")
                .type(Long.class)
                .setDefault(350L)
                .help("forget a TCP flow idle this long (default 350, GWLB's)");
        subparser
                .addArgument("--other-idle-timeout")
                .metavar("SECONDS")
                .type(Long.class)
                .setDefault(120L)
                .help("forget another flow idle this long (default 120, GWLB's)");
        subparser
                .addArgument("--link-mtu")
                .metavar("BYTES")
                .type(Integer.class)
                .setDefault(SimOptions.DEFAULT_LINK_MTU)
                .help("MTU of the client's and server's links (" + SimOptions.MIN_LINK_MTU + ".."
                        + SimOptions.MAX_LINK_MTU + "); 8500 carries GWLB's largest inner packets");
        subparser
                .addArgument("--report")
                .metavar("FILE")
                .setDefault("gwlb-sim-report.json")
                .help("where to write the JSON report on exit (default gwlb-sim-report.json)");
        subparser
                .addArgument("--work-dir")
                .metavar("DIR")
                .setDefault("gwlb-sim")
                .help("where the started appliance's config, output and EVE logs go (default ./gwlb-sim/<prefix>)");
        subparser
                .addArgument("--duration")
                .metavar("SECONDS")
                .type(Double.class)
                .setDefault(0.0)
                .help("stop after this long (default 0: run until Ctrl-C)");
        subparser
                .addArgument("--health-timeout")
                .metavar("SECONDS")
                .type(Double.class)
                .setDefault(90.0)
                .help("how long to wait for the started appliance's /health (default 90)");
        subparser
                .addArgument("--state-dir")
                .metavar("DIR")
                .setDefault(SimStateFiles.DEFAULT_DIRECTORY.toString())
                .help("where running simulators are recorded (default /run/gwlb-sim)");
        subparser
                .addArgument("--endpoint")
                .type(Integer.class)
                .setDefault(1)
                .help("with exec: whose client namespace, 1 or 2 (default 1)");
        subparser
                .addArgument("--prefix")
                .metavar("PREFIX")
                .help("with exec: which running simulator (default: the only one running)");
        subparser
                .addArgument("--cleanup")
                .action(Arguments.storeTrue())
                .help("delete the namespaces and appliance of dead simulator runs, then exit");
        subparser
                .addArgument("--demo")
                .action(Arguments.storeTrue())
                .help("start the appliance with the example policy, real servers and a scripted set of requests; "
                        + "print a table and exit non-zero when a verdict differs");
    }

    @Override
    public void run(Bootstrap<?> bootstrap, Namespace namespace) throws Exception {
        int code = run(namespace);
        if (code != 0) {
            out.flush();
            err.flush();
            System.exit(code); // the exit code of `exec`'s command, or a failed run
        }
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable e) {
        if (e instanceof SimulatorException || e instanceof IllegalArgumentException) {
            // A failed run or an option out of range (SimOptions): the message says it all.
            err.println("gwlb-sim: " + e.getMessage());
        } else {
            super.onError(cli, namespace, e);
        }
    }

    int run(Namespace ns) throws Exception {
        SimStateFiles states = new SimStateFiles(Path.of(ns.getString("state_dir")));
        List<String> action = ns.getList("action");
        if (ns.getBoolean("cleanup")) {
            List<String> cleaned = states.cleanupDeadRuns();
            out.println(cleaned.isEmpty() ? "gwlb-sim: nothing to clean up" : "gwlb-sim: removed " + cleaned);
            return 0;
        }
        if (action != null && !action.isEmpty()) {
            if (!action.getFirst().equals("exec") || action.size() < 2) {
                err.println("gwlb-sim: expected 'exec -- CMD [ARGS]', got " + action);
                return 2;
            }
            return exec(states, ns.getString("prefix"), ns.getInt("endpoint"), action.subList(1, action.size()));
        }
        return simulate(ns);
    }

    /** Runs {@code command} in the client namespace of a running simulator; returns its exit code. */
    int exec(SimStateFiles states, String prefix, int endpoint, List<String> command)
            throws SimulatorException, IOException, InterruptedException {
        List<SimStateFiles.State> running = states.running();
        SimStateFiles.State state = null;
        for (SimStateFiles.State s : running) {
            if (prefix == null || s.prefix().equals(prefix)) {
                if (state != null) {
                    throw new SimulatorException(
                            "several simulators are running (" + prefixes(running) + "): choose one with --prefix");
                }
                state = s;
            }
        }
        if (state == null) {
            throw new SimulatorException(
                    prefix == null
                            ? "no gwlb-sim is running (start one with: java -jar appliance.jar gwlb-sim)"
                            : "no gwlb-sim " + prefix + " is running");
        }
        if (endpoint < 1 || endpoint > state.endpoints()) {
            throw new SimulatorException(
                    "endpoint " + endpoint + " does not exist; the simulator has " + state.endpoints());
        }
        Topology topology = new Topology(state.prefix(), state.endpoints());
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", topology.clientNamespace(endpoint)));
        full.addAll(command);
        Process process = new ProcessBuilder(full).inheritIO().start();
        return process.waitFor();
    }

    private static List<String> prefixes(List<SimStateFiles.State> states) {
        return states.stream().map(SimStateFiles.State::prefix).toList();
    }

    private int simulate(Namespace ns) throws Exception {
        SimScenario scenario = null;
        if (ns.getBoolean("demo")) {
            scenario = scenario("demo");
        }
        String policy = ns.getString("policy");
        if (policy == null && scenario != null) {
            Path scenarioPolicy = scenario.policy();
            if (scenarioPolicy != null) policy = scenarioPolicy.toString();
        }
        SimOptions options = new SimOptions(
                ns.getInt("endpoints"),
                new CookieRotation(ns.getLong("cookie_rotation_packets"), Duration.ofNanos((long)
                        (ns.getDouble("cookie_rotation_seconds") * 1e9))),
                new IdleTimeouts(
                        Duration.ofSeconds(ns.getLong("tcp_idle_timeout")),
                        Duration.ofSeconds(ns.getLong("other_idle_timeout"))),
                ns.getString("appliance") == null ? null : hostPort(ns.getString("appliance")),
                ns.getString("appliance_jar") == null ? thisJar() : Path.of(ns.getString("appliance_jar")),
                policy == null ? null : Path.of(policy),
                Path.of(ns.getString("work_dir")),
                Path.of(ns.getString("state_dir")),
                (long) (ns.getDouble("health_timeout") * 1000),
                ns.getInt("link_mtu"));
        if (scenario != null) scenario.prepare(options);
        Path reportFile = Path.of(ns.getString("report"));
        GwlbSimulator sim = GwlbSimulator.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread onCtrlC = new Thread(
                () -> {
                    finish(sim, reportFile);
                    stopped.countDown();
                },
                "gwlb-sim-report");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        printStarted(sim);
        int code = 0;
        if (scenario != null) {
            try {
                code = scenario.run(sim, out);
            } catch (Exception e) {
                // Reported, then the simulator is stopped and its report written as after any run.
                err.println("gwlb-sim: --" + scenario.name() + " failed: " + e.getMessage());
                code = 1;
            }
        } else {
            double seconds = ns.getDouble("duration");
            if (seconds > 0) {
                stopped.await((long) (seconds * 1000), TimeUnit.MILLISECONDS);
            } else {
                stopped.await();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(onCtrlC);
        } catch (IllegalStateException e) {
            return code; // shutting down: the hook reports
        }
        finish(sim, reportFile);
        return sim.failure() != null ? 1 : code;
    }

    private void finish(GwlbSimulator sim, Path reportFile) {
        sim.close();
        SimReport report = sim.report();
        out.print(report.summary());
        try {
            report.writeJson(reportFile);
            out.println("gwlb-sim: report written to " + reportFile.toAbsolutePath());
        } catch (IOException e) {
            err.println("gwlb-sim: cannot write the report " + reportFile + ": " + e.getMessage());
        }
        out.flush();
    }

    private void printStarted(GwlbSimulator sim) {
        Topology t = sim.topology();
        out.println("gwlb-sim " + t.prefix() + " running; appliance at " + sim.applianceAddress()
                + (sim.applianceDirectory() == null
                        ? ""
                        : " (output and EVE logs in " + sim.applianceDirectory() + ")"));
        for (int k = 1; k <= t.endpoints(); k++) {
            out.println("  endpoint " + k + ": client " + Topology.CLIENT_IPV4 + " / " + Topology.CLIENT_IPV6 + " in "
                    + t.clientNamespace(k) + ", server " + Topology.SERVER_IPV4 + " / " + Topology.SERVER_IPV6 + " in "
                    + t.serverNamespace(k));
        }
        out.println("  try: java -jar appliance.jar gwlb-sim exec -- curl -sv http://" + Topology.SERVER_IPV4 + "/");
        out.println("  Ctrl-C stops it, prints the summary and writes the report");
        out.flush();
    }

    private static SimScenario scenario(String name) throws SimulatorException {
        for (SimScenario s : ServiceLoader.load(SimScenario.class)) {
            if (s.name().equals(name)) return s;
        }
        throw new SimulatorException("the --" + name + " scenario is not part of this build");
    }

    static InetSocketAddress hostPort(String value) throws SimulatorException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) throw new SimulatorException("--appliance must be HOST:PORT, got " + value);
        try {
            InetSocketAddress address =
                    new InetSocketAddress(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
            if (address.isUnresolved()) throw new SimulatorException("--appliance host does not resolve: " + value);
            return address;
        } catch (IllegalArgumentException e) {
            throw new SimulatorException("--appliance must be HOST:PORT, got " + value);
        }
    }

    private static Path thisJar() throws SimulatorException {
        try {
            return Path.of(GwlbSimCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new SimulatorException("cannot tell which jar this is: pass --appliance-jar");
        }
    }
}
