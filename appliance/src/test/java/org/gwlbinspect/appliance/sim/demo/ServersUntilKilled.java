package org.gwlbinspect.appliance.sim.demo;

import java.nio.file.Path;

/**
 * A JVM for {@link DemoServersIT}: starts the demo's servers in the namespace {@code args[0]} under {@code args[1]},
 * prints their directory, and waits to be killed, so the test can check what the shutdown hook cleans up.
 */
final class ServersUntilKilled {
    private ServersUntilKilled() {}

    public static void main(String[] args) throws Exception {
        DemoServers servers = DemoServers.start(args[0], Path.of(args[1]), ClientServerNamespaces.SERVER);
        System.out.println("ready " + servers.directory());
        System.out.flush();
        Thread.sleep(60_000); // bounded: the test kills this JVM long before
    }
}
