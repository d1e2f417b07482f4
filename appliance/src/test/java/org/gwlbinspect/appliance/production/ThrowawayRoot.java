package org.gwlbinspect.appliance.production;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A copy-on-write overlay of this machine's root in which a test installs and runs things as root without changing
 * the machine (src/test/resources/production/throwaway-root.sh): everything written lands in {@link #upper()}.
 * Needs root, overlayfs and {@code unshare} (util-linux), like the other {@code *IT} tests that create namespaces.
 */
final class ThrowawayRoot implements AutoCloseable {
    private static final Path SCRIPT =
            Path.of("src/test/resources/production/throwaway-root.sh").toAbsolutePath();

    private final Path state;
    private final Path lower;

    private ThrowawayRoot(Path state, Path lower) {
        this.state = state;
        this.lower = lower;
    }

    /** A fresh root over {@code /}. */
    static ThrowawayRoot create() throws IOException {
        return over(null);
    }

    /** A fresh root over another one's writes (null: over {@code /} alone), which it leaves unchanged. */
    static ThrowawayRoot over(ThrowawayRoot base) throws IOException {
        // On a tmpfs: overlayfs refuses an upper directory inside the file system it overlays.
        Path state = Files.createTempDirectory(Path.of("/dev/shm"), "gwlb-inspect-root-");
        return new ThrowawayRoot(state, base == null ? null : base.upper());
    }

    /** What the commands run in this root wrote, at the paths they wrote it (upper/etc/passwd is its /etc/passwd). */
    Path upper() {
        return state.resolve("upper");
    }

    /** A path inside the root's writes, e.g. {@code file("/etc/gwlb-inspect/appliance.yml")}. */
    Path file(String absolutePath) {
        return upper().resolve(absolutePath.substring(1));
    }

    /** Runs {@code command} as root in a chroot of this root, with {@code KEY=VALUE} environment entries. */
    Tools.Result chroot(long timeoutSeconds, List<String> environment, String... command)
            throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(
                List.of("env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        argv.addAll(environment);
        argv.addAll(List.of(command));
        return launch(timeoutSeconds, false, "chroot", argv);
    }

    /** As {@link #chroot}, in a new network namespace of its own (only {@code lo}, down). */
    Tools.Result chrootInNetworkNamespace(long timeoutSeconds, List<String> environment, String... command)
            throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(
                List.of("env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
        argv.addAll(environment);
        argv.addAll(List.of(command));
        return launch(timeoutSeconds, true, "chroot", argv);
    }

    /** Boots this root with systemd-nspawn (a private network with only lo) until the guest powers itself off. */
    Tools.Result boot(long timeoutSeconds) throws IOException, InterruptedException {
        return launch(timeoutSeconds, false, "boot", List.of());
    }

    private Tools.Result launch(long timeoutSeconds, boolean newNetwork, String mode, List<String> argv)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--fork"));
        if (newNetwork) command.add("--net");
        command.addAll(List.of("sh", SCRIPT.toString(), state.toString(), mode));
        command.addAll(argv);
        List<String> environment = lower == null ? List.of() : List.of("LOWER=" + lower);
        return Tools.run(timeoutSeconds, environment, command.toArray(String[]::new));
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> paths = Files.walk(state)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                path.toFile().setWritable(true);
                Files.deleteIfExists(path);
            }
        }
    }
}
