package org.gwlbinspect.appliance.sim.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The external programs the demo runs, and the Debian package of each, checked before anything starts. */
public final class RequiredTools {
    /** The servers' programs (in the server namespace) with their Debian packages. */
    public static final Map<String, String> SERVERS =
            Map.of("ip", "iproute2", "nginx", "nginx-light", "dnsmasq", "dnsmasq-base", "openssl", "openssl");

    /** The clients' programs (in the client namespace) with their Debian packages. */
    public static final Map<String, String> CLIENTS =
            Map.of("curl", "curl", "openssl", "openssl", "dig", "dnsutils", "timeout", "coreutils");

    private RequiredTools() {}

    /**
     * Throws {@link IllegalStateException} naming every missing program and the {@code apt-get install} line that
     * provides them all.
     */
    public static void require(Map<String, String> toolsToPackages) {
        List<String> missing = new ArrayList<>();
        Set<String> packages = new LinkedHashSet<>();
        toolsToPackages.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            if (!onPath(entry.getKey())) {
                missing.add(entry.getKey());
                packages.add(entry.getValue());
            }
        });
        if (!missing.isEmpty())
            throw new IllegalStateException("the demo needs " + String.join(", ", missing)
                    + ", not found on the PATH: apt-get install " + String.join(" ", packages)
                    + " (.ci/run installs them)");
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }
}
