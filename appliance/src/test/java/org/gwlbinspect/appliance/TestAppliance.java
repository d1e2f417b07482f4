package org.gwlbinspect.appliance;

import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.gwlbinspect.appliance.dataplane.Worker;

/** Starts the real appliance in-process on loopback, with fixed free ports, for integration tests. */
public final class TestAppliance implements AutoCloseable {
    private final DropwizardTestSupport<ApplianceConfiguration> support;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    public final int dataPort;
    public final int healthPort;
    public final int adminPort;
    /** Where the health and admin connectors listen: 127.0.0.1 unless the overrides set their bindHost. */
    public final String healthHost;

    public final String adminHost;

    private TestAppliance(List<ConfigOverride> extra, String healthHost, String adminHost) throws Exception {
        this.healthHost = healthHost;
        this.adminHost = adminHost;
        dataPort = freeUdpPort();
        healthPort = freeTcpPort();
        adminPort = freeTcpPort();
        List<ConfigOverride> overrides = new ArrayList<>(extra);
        overrides.add(ConfigOverride.config("dataPlane.port", Integer.toString(dataPort)));
        overrides.add(ConfigOverride.config("server.applicationConnectors[0].port", Integer.toString(healthPort)));
        overrides.add(ConfigOverride.config("server.adminConnectors[0].port", Integer.toString(adminPort)));
        support = new DropwizardTestSupport<>(
                ApplianceApplication.class,
                ResourceHelpers.resourceFilePath("test-appliance.yml"),
                overrides.toArray(ConfigOverride[]::new));
        support.before();
    }

    /** Starts the appliance; each override is {@code key=value} on top of test-appliance.yml. */
    public static TestAppliance start(String... overrides) throws Exception {
        List<ConfigOverride> list = new ArrayList<>();
        String healthHost = "127.0.0.1";
        String adminHost = "127.0.0.1";
        for (String o : overrides) {
            int eq = o.indexOf('=');
            String key = o.substring(0, eq);
            String value = o.substring(eq + 1);
            if (key.equals("server.applicationConnectors[0].bindHost")) healthHost = value;
            if (key.equals("server.adminConnectors[0].bindHost")) adminHost = value;
            list.add(ConfigOverride.config(key, value));
        }
        TestAppliance appliance = new TestAppliance(list, healthHost, adminHost);
        appliance.awaitHealthy(Duration.ofSeconds(10));
        return appliance;
    }

    public ApplianceApplication application() {
        return support.getApplication();
    }

    public HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + hostOf(port) + ":" + port + path))
                .timeout(Duration.ofSeconds(3))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs to the admin port (tasks), with {@code Authorization: authorization} unless null. */
    public HttpResponse<String> postAdmin(String path, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + adminHost + ":" + adminPort + path))
                .timeout(Duration.ofSeconds(3))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (authorization != null) request.header("Authorization", authorization);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String hostOf(int port) {
        return port == healthPort ? healthHost : port == adminPort ? adminHost : "127.0.0.1";
    }

    public String metrics() throws IOException, InterruptedException {
        return get(adminPort, "/metrics").body();
    }

    /** The value of one Prometheus sample line, e.g. {@code appliance_dropped_packets_total{reason="inner_empty"}}. */
    public double metric(String sample) throws IOException, InterruptedException {
        for (String line : metrics().split("\n")) {
            if (line.startsWith(sample + " "))
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
        }
        throw new AssertionError("no metric sample " + sample);
    }

    /** Sum over all label sets of a metric whose sample lines start with {@code prefix}. */
    public double metricSum(String prefix) throws IOException, InterruptedException {
        double sum = 0;
        for (String line : metrics().split("\n")) {
            if (line.startsWith(prefix) && !line.startsWith("#"))
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return sum;
    }

    public void awaitHealthy(Duration timeout) throws InterruptedException {
        await(timeout, () -> application().dataPlane() != null && isHealthy(), "appliance to become healthy");
    }

    private boolean isHealthy() {
        try {
            return get(healthPort, "/health").statusCode() == 200;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Polls the condition every 20 ms until it holds or the timeout passes (then fails with the description). */
    public static void await(Duration timeout, BooleanSupplier condition, String description)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) return;
            Thread.sleep(20);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + description);
    }

    /** Whether a TCP connection to {@code port} on 127.0.0.1 is accepted within {@code timeoutMillis}. */
    public static boolean tcpConnects(int port, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Blocks the worker's event loop (as a handler stuck in a syscall would) until released; bounded at 20 s. */
    public static void stall(Worker worker, CountDownLatch release) {
        worker.eventLoop().execute(() -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public void close() {
        support.after();
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
