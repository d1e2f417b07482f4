package org.gwlbinspect.appliance.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * The guard against a real Jetty server on loopback: a health port closed and reopened many times while health checks
 * keep coming, on a busy machine, must neither stay closed nor make the server's later stop wait its graceful-stop
 * grace (30 s, as Dropwizard's {@code shutdownGracePeriod}).
 */
class HealthPortGuardTest {
    private static final HealthReport HEALTHY = new HealthReport(true, List.of(), List.of());
    private static final HealthReport UNHEALTHY = new HealthReport(false, List.of("test"), List.of());

    @Test
    void serverStopsPromptlyAfterHealthFlaps() throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setName("application");
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                callback.succeeded();
                return true;
            }
        });
        server.setStopTimeout(30_000);
        HealthPortGuard guard = new HealthPortGuard();
        server.start();
        AtomicBoolean busy = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        try {
            int port = connector.getLocalPort();
            connector.setPort(port); // reopen on the same port, as a configured health port does
            guard.serverStarted(server, HEALTHY);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // Health checks arriving all the time (some in flight at each close), and other threads using the CPU,
            // as the data path and the start-up warm-up do: the acceptor threads are slow to notice a close.
            threads.add(Thread.ofPlatform().daemon().start(() -> {
                while (busy.get() && System.nanoTime() < deadline) check(port);
            }));
            for (int i = 0; i < 3; i++) {
                threads.add(Thread.ofPlatform().daemon().start(() -> {
                    long x = 0;
                    while (busy.get() && System.nanoTime() < deadline) x += System.nanoTime() & 7;
                    if (x == 42) System.out.print("");
                }));
            }
            for (int flap = 0; flap < 20; flap++) {
                guard.onHealthChanged(UNHEALTHY);
                assertThat(connector.isRunning()).isFalse();
                guard.onHealthChanged(HEALTHY);
                assertThat(connector.isRunning())
                        .as("reopened after flap " + flap)
                        .isTrue();
                Thread.sleep(5);
            }
        } finally {
            busy.set(false);
            for (Thread thread : threads) thread.join(5_000);
        }
        long start = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        stopped.get(40, TimeUnit.SECONDS);
        long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(stopMillis)
                .as("server stop after 20 health flaps, ms (grace 30 000)")
                .isLessThan(10_000);
    }

    /** One HTTP health check; refused or cut connections are expected while the port is closed. */
    private static void check(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(1_000);
            OutputStream out = socket.getOutputStream();
            out.write(
                    "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            in.readAllBytes();
        } catch (Exception refusedOrCut) {
            // closed while unhealthy
        }
    }
}
