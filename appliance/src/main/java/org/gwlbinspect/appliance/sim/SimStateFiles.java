package org.gwlbinspect.appliance.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The {@code /run/gwlb-sim/<prefix>.json} files that say which simulator runs are alive: {@code gwlb-sim exec} finds the
 * client namespace there, and a new run (or {@code --cleanup}) deletes the namespaces of runs whose process is gone.
 */
public final class SimStateFiles {
    public static final Path DEFAULT_DIRECTORY = Path.of("/run/gwlb-sim");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;

    public SimStateFiles(Path directory) {
        this.directory = directory;
    }

    /** What a running simulator publishes. */
    public record State(String prefix, long pid, int endpoints, String appliance, long appliancePid) {}

    void write(State state) throws SimulatorException {
        try {
            Files.createDirectories(directory);
            Path tmp = directory.resolve(state.prefix() + ".json.tmp");
            JSON.writeValue(tmp.toFile(), state);
            Files.move(tmp, directory.resolve(state.prefix() + ".json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new SimulatorException("cannot write the state file in " + directory + ": " + e.getMessage(), e);
        }
    }

    void delete(String prefix) {
        try {
            Files.deleteIfExists(directory.resolve(prefix + ".json"));
        } catch (IOException e) {
            System.err.println("gwlb-sim: cannot delete state file of " + prefix + ": " + e.getMessage());
        }
    }

    Optional<State> read(String prefix) {
        Path file = directory.resolve(prefix + ".json");
        try {
            return Optional.of(JSON.readValue(file.toFile(), State.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The states of runs whose process is alive. */
    public List<State> running() {
        List<State> states = new ArrayList<>();
        if (!Files.isDirectory(directory)) return states;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                read(name.substring(0, name.length() - ".json".length()))
                        .filter(s -> isAlive(s.pid()))
                        .ifPresent(states::add);
            }
        } catch (IOException e) {
            System.err.println("gwlb-sim: cannot list " + directory + ": " + e.getMessage());
        }
        return states;
    }

    /**
     * Deletes what dead runs left: namespaces named {@code gws-XXXXXX-*} whose run has no state file with a live
     * process, their appliance process, and their state files.
     *
     * @return the prefixes cleaned up
     */
    public List<String> cleanupDeadRuns() {
        TreeSet<String> prefixes = new TreeSet<>();
        try (DirectoryStream<Path> mounts = Files.newDirectoryStream(Path.of(NamespaceThreads.NETNS_DIRECTORY))) {
            for (Path mount : mounts) {
                String name = mount.getFileName().toString();
                int end = Topology.PREFIX_START.length() + 6;
                if (name.startsWith(Topology.PREFIX_START) && name.length() > end && name.charAt(end) == '-') {
                    prefixes.add(name.substring(0, end));
                }
            }
        } catch (IOException e) {
            // no /run/netns yet: no namespaces at all
        }
        if (Files.isDirectory(directory)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, Topology.PREFIX_START + "*.json")) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    prefixes.add(name.substring(0, name.length() - ".json".length()));
                }
            } catch (IOException e) {
                System.err.println("gwlb-sim: cannot list " + directory + ": " + e.getMessage());
            }
        }
        List<String> cleaned = new ArrayList<>();
        for (String prefix : prefixes) {
            Optional<State> state = read(prefix);
            if (state.isPresent() && isAlive(state.get().pid())) continue;
            state.ifPresent(s -> stopLeftoverAppliance(prefix, s.appliancePid()));
            List<String> names = namespacesOf(prefix);
            for (String ns : names) {
                try {
                    SimNetwork.ip("netns", "delete", ns);
                } catch (SimulatorException e) {
                    System.err.println("gwlb-sim: " + e.getMessage());
                }
            }
            delete(prefix);
            cleaned.add(prefix);
        }
        return cleaned;
    }

    private static List<String> namespacesOf(String prefix) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> mounts =
                Files.newDirectoryStream(Path.of(NamespaceThreads.NETNS_DIRECTORY), prefix + "-*")) {
            for (Path mount : mounts) names.add(mount.getFileName().toString());
        } catch (IOException e) {
            // none
        }
        return names;
    }

    /** Kills the dead run's appliance if that pid still runs a JVM started for that run (not a reused pid). */
    private static void stopLeftoverAppliance(String prefix, long pid) {
        if (pid <= 0) return;
        ProcessHandle.of(pid)
                .filter(p -> p.info()
                        .commandLine()
                        .map(c -> c.contains("-Dgwlb-sim.prefix=" + prefix))
                        .orElse(false))
                .ifPresent(ProcessHandle::destroyForcibly);
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
