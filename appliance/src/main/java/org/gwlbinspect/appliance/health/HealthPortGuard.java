package org.gwlbinspect.appliance.health;

import java.util.Arrays;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the application connector's listening socket while the data plane is unhealthy and reopens it on recovery,
 * so that a plain TCP target-group check (GWLB's default) fails too: a listening socket completes TCP handshakes in
 * the kernel even when nobody accepts, so only closing it makes the check fail.
 */
public final class HealthPortGuard implements DataPlaneHealthMonitor.TransitionListener {
    private static final Logger LOG = LoggerFactory.getLogger(HealthPortGuard.class);

    private volatile List<ServerConnector> connectors = List.of();

    /** Called once Jetty has started: remembers the application connectors (not the admin one), applies the state. */
    public void serverStarted(Server server, HealthReport current) {
        connectors = Arrays.stream(server.getConnectors())
                .filter(c -> c instanceof ServerConnector)
                .filter(HealthPortGuard::isApplicationConnector)
                .map(c -> (ServerConnector) c)
                .toList();
        onHealthChanged(current);
    }

    private static boolean isApplicationConnector(Connector connector) {
        String name = connector.getName();
        return name == null || !name.startsWith("admin");
    }

    @Override
    public synchronized void onHealthChanged(HealthReport report) {
        for (ServerConnector connector : connectors) {
            try {
                // Stopping a Jetty network connector closes its listening socket; starting it binds and accepts again.
                if (report.healthy() && !connector.isRunning()) {
                    connector.start();
                    LOG.info("health port {} accepting again", connector.getPort());
                } else if (!report.healthy() && connector.isRunning()) {
                    connector.stop();
                    LOG.warn("health port {} closed while the data plane is unhealthy", connector.getPort());
                }
            } catch (Exception e) {
                LOG.error("cannot {} the health port", report.healthy() ? "reopen" : "close", e);
            }
        }
    }
}
