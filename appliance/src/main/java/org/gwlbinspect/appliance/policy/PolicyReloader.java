package org.gwlbinspect.appliance.policy;

import io.dropwizard.lifecycle.Managed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gwlbinspect.detect.ActivePolicy;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyException;
import org.gwlbinspect.policy.PolicyProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Loads the configured policy at start (a policy that does not compile stops the start) and reloads it on SIGHUP,
 * on {@code POST /tasks/reload-policy} and, optionally, when the file changes. A reload compiles off the data path and
 * installs the result with one reference write; a policy that fails to load is reported and the old one keeps
 * running (style.md §6).
 */
public final class PolicyReloader implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyReloader.class);
    /** Editors write a file in several steps: wait for it to settle before reloading. */
    private static final long WATCH_SETTLE_MILLIS = 300;

    /** What one reload did. */
    public record Result(boolean installed, long version, String message) {}

    private final Path path;
    private final PolicyCompiler compiler;
    private final ActivePolicy active;
    private final boolean watch;
    private final Counter successes;
    private final Counter failures;
    private volatile String lastError = "";
    private Thread watcher;
    private WatchService watchService;

    public PolicyReloader(
            Path path, PolicyCompiler compiler, ActivePolicy active, boolean watch, MeterRegistry registry) {
        this.path = path;
        this.compiler = compiler;
        this.active = active;
        this.watch = watch;
        this.successes = Counter.builder("appliance.policy.reloads")
                .description("Policy reloads, by result; a failed reload keeps the old policy")
                .tag("result", "success")
                .register(registry);
        this.failures = Counter.builder("appliance.policy.reloads")
                .description("Policy reloads, by result; a failed reload keeps the old policy")
                .tag("result", "failure")
                .register(registry);
        registry.gauge("appliance.policy.version", active, a -> a.version());
        // The policy's load logged a WARN when this is 1; the gauge keeps it visible after the log has rolled.
        Gauge.builder("appliance.policy.stateless.index.over.budget", active, a -> indexOverBudget(a.current()) ? 1 : 0)
                .description("1 when the policy in force has too many distinct stateless rule sets for the index's"
                        + " budget, so every packet tries the stateless rules one by one")
                .strongReference(true)
                .register(registry);
        Gauge.builder("appliance.policy.stateless.index.bytes", active, a -> indexBytes(a.current()))
                .description("Bytes the stateless index of the policy in force takes, or would take when over its"
                        + " budget; 0 when there are too few stateless rules for an index")
                .strongReference(true)
                .register(registry);
    }

    private static boolean indexOverBudget(CompiledPolicy policy) {
        return policy != null && policy.stateless().indexOverBudget();
    }

    private static long indexBytes(CompiledPolicy policy) {
        return policy == null ? 0 : policy.stateless().indexBytes();
    }

    /** Logs what an operator must know of a policy just loaded beyond its summary: once per load. */
    private static void warnOfCosts(CompiledPolicy policy) {
        String indexWarning = policy.statelessIndexWarning();
        if (indexWarning != null) LOG.warn(indexWarning);
    }

    /** Compiles the policy for the first time; throws with every problem if it does not load. */
    public static CompiledPolicy loadAtStart(Path path, PolicyCompiler compiler) {
        try {
            CompiledPolicy policy = compiler.compile(path);
            LOG.info("{}", policy.summary());
            warnOfCosts(policy);
            return policy;
        } catch (PolicyException e) {
            throw new IllegalStateException("policy.path " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("policy.path: cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Compiles the file again and installs it, or keeps the running policy and says why. Control plane only. */
    public synchronized Result reload(String trigger) {
        CompiledPolicy previous = active.current();
        try {
            CompiledPolicy next = compiler.compile(path);
            long version = active.install(next);
            successes.increment();
            lastError = "";
            String message = "policy v" + version + " installed (" + trigger + "): " + next.summary();
            LOG.info(message);
            warnOfCosts(next);
            // Workers may still hold the old snapshot for the packet in hand; its Hyperscan memory is freed by its
            // cleaner once unreachable rather than closed here under them.
            return new Result(true, version, message);
        } catch (PolicyException e) {
            return failed(trigger, e.problems(), previous);
        } catch (IOException e) {
            return failed(
                    trigger,
                    List.of(new PolicyProblem(path.toString(), null, 0, 0, 0, "cannot read: " + e.getMessage())),
                    previous);
        }
    }

    private Result failed(String trigger, List<PolicyProblem> problems, CompiledPolicy previous) {
        failures.increment();
        List<String> lines = new ArrayList<>();
        for (PolicyProblem problem : problems) lines.add(problem.toString());
        String message = "policy reload (" + trigger + ") failed, v" + active.version() + " keeps running: "
                + problems.size() + " problem(s)\n  " + String.join("\n  ", lines);
        lastError = message;
        LOG.error(message);
        return new Result(false, active.version(), message);
    }

    public String lastError() {
        return lastError;
    }

    @Override
    public void start() throws IOException {
        try {
            Signal.handle(new Signal("HUP"), signal -> Thread.ofPlatform()
                    .name("policy-reload-sighup")
                    .daemon(true)
                    .start(() -> reload("SIGHUP")));
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP cannot be handled in this JVM ({}); use POST /tasks/reload-policy", e.getMessage());
        }
        if (watch) startWatching();
    }

    private void startWatching() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        watchService = FileSystems.getDefault().newWatchService();
        dir.register(
                watchService,
                StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        watcher = Thread.ofPlatform().name("policy-watch").daemon(true).start(this::watchLoop);
        LOG.info("watching {} for changes", path);
    }

    private void watchLoop() {
        Path name = path.getFileName();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = watchService.take();
                boolean ours = key.pollEvents().stream().anyMatch(e -> name.equals(e.context()));
                key.reset();
                if (!ours) continue;
                // Let the writer finish, and fold the burst of events one save makes into one reload.
                Thread.sleep(WATCH_SETTLE_MILLIS);
                WatchKey more;
                while ((more = watchService.poll(WATCH_SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    more.pollEvents();
                    more.reset();
                }
                reload("file change");
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() throws IOException {
        if (watcher != null) watcher.interrupt();
        if (watchService != null) watchService.close();
    }
}
