package org.gwlbinspect.appliance.health;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the application connector's listening socket while the data plane is unhealthy and reopens it on recovery,
 * so that a plain TCP target-group check (GWLB's default) fails too: a listening socket completes TCP handshakes in
 * the kernel even when nobody accepts, so only closing it makes the check fail.
 *
 * <p>Jetty's {@code ServerConnector.stop()} returns before its acceptor thread has left {@code accept()}, and the
 * kernel keeps the port listening until it has. Restarted at once, the connector then fails to bind ("Address already
 * in use", the port stays closed), or the old socket and acceptor outlive the restart and hold connections that the
 * server's graceful stop later waits for, up to its whole grace (Dropwizard's {@code shutdownGracePeriod}, 30 s). So the
 * guard closes in two steps, the graceful {@code shutdown()} first (acceptors interrupted and gone, open health-check
 * connections given a short idle timeout; waited for at most {@link #CLOSE_WAIT_MILLIS}) then {@code stop()}; it retries
 * a failed reopen briefly; and it closes the port itself as soon as the server begins to stop, so Jetty's graceful
 * phase never waits on a connector that was restarted.
 */
public final class HealthPortGuard implements DataPlaneHealthMonitor.TransitionListener {
    private static final Logger LOG = LoggerFactory.getLogger(HealthPortGuard.class);

    /** The longest a close waits for the acceptors to leave and the open health-check connections to end. */
    static final long CLOSE_WAIT_MILLIS = 500;

    /** Reopen attempts and the pause between them (the old socket may take a moment to leave the kernel). */
    private static final int REOPEN_ATTEMPTS = 40;

    private static final long REOPEN_PAUSE_MILLIS = 50;

    private volatile List<ServerConnector> connectors = List.of();
    private boolean serverStopping;

    /** Called once Jetty has started: remembers the application connectors (not the admin one), applies the state. */
    public void serverStarted(Server server, HealthReport current) {
        connectors = Arrays.stream(server.getConnectors())
                .filter(c -> c instanceof ServerConnector)
                .filter(HealthPortGuard::isApplicationConnector)
                .map(c -> (ServerConnector) c)
                .toList();
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(LifeCycle event) {
                serverStopping();
            }
        });
        onHealthChanged(current);
    }

    private static boolean isApplicationConnector(Connector connector) {
        String name = connector.getName();
        return name == null || !name.startsWith("admin");
    }

    @Override
    public synchronized void onHealthChanged(HealthReport report) {
        if (serverStopping) return;
        for (ServerConnector connector : connectors) {
            if (report.healthy() && !connector.isRunning()) {
                reopen(connector);
            } else if (!report.healthy() && connector.isRunning()) {
                close(connector);
                LOG.warn("health port {} closed while the data plane is unhealthy", connector.getPort());
            }
        }
    }

    /** The server is stopping: the health port closes now (the drain wants it closed) and stays closed. */
    synchronized void serverStopping() {
        serverStopping = true;
        for (ServerConnector connector : connectors) {
            if (connector.isRunning()) close(connector);
        }
    }

    private static void close(ServerConnector connector) {
        try {
            connector.shutdown().get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.debug(
                    "health port {}: connections still open after {} ms, closing them",
                    connector.getPort(),
                    CLOSE_WAIT_MILLIS);
        } catch (ExecutionException e) {
            LOG.debug("health port {}: graceful close failed", connector.getPort(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            connector.stop();
        } catch (Exception e) {
            LOG.error("cannot close the health port {}", connector.getPort(), e);
        }
    }

    private static void reopen(ServerConnector connector) {
        for (int attempt = 1; attempt <= REOPEN_ATTEMPTS; attempt++) {
            try {
                connector.start();
                LOG.info("health port {} accepting again", connector.getPort());
                return;
            } catch (Exception e) {
                if (attempt == REOPEN_ATTEMPTS) {
                    LOG.error("cannot reopen the health port {} after {} attempts", connector.getPort(), attempt, e);
                    return;
                }
                try {
                    Thread.sleep(REOPEN_PAUSE_MILLIS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
