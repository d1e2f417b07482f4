package org.gwlbinspect.appliance.sim;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test fixtures around a running simulator: JDK HTTP servers in the server namespaces, curl in the client ones. */
final class SimTestServers implements AutoCloseable {
    static final int HTTP_PORT = 8080;

    private final List<HttpServer> servers = new ArrayList<>();

    /**
     * Starts an HTTP server on port 8080 (IPv4 and IPv6) in each endpoint's server namespace: {@code /} answers {@code
     * server <k>}, {@code /bytes/<n>} answers n bytes.
     */
    static SimTestServers start(Topology topology) throws SimulatorException {
        SimTestServers fixtures = new SimTestServers();
        for (int k = 1; k <= topology.endpoints(); k++) {
            int endpoint = k;
            fixtures.servers.add(NamespaceThreads.call(topology.serverNamespace(k), () -> {
                HttpServer server = HttpServer.create(new InetSocketAddress(HTTP_PORT), 64);
                server.createContext("/", exchange -> {
                    String path = exchange.getRequestURI().getPath();
                    byte[] body = path.startsWith("/bytes/")
                            ? new byte[Integer.parseInt(path.substring("/bytes/".length()))]
                            : ("server " + endpoint).getBytes(StandardCharsets.US_ASCII);
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                });
                server.start();
                return server;
            }));
        }
        return fixtures;
    }

    /** What curl did: its exit code (0 ok, 28 timed out) and what it printed. */
    record Curl(int exitCode, String output) {}

    /** Runs {@code curl -s -m SECONDS ARGS} in endpoint {@code k}'s client namespace. */
    static Curl curl(Topology topology, int k, int maxSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                "ip", "netns", "exec", topology.clientNamespace(k), "curl", "-s", "-m", Integer.toString(maxSeconds)));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run curl: apt-get install curl", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(maxSeconds + 10L, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("curl did not stop after " + maxSeconds + " s: " + command);
        }
        if (output.contains("exec of \"curl\" failed")) throw new IOException("curl is missing: apt-get install curl");
        return new Curl(process.exitValue(), output);
    }

    @Override
    public void close() {
        for (HttpServer server : servers) server.stop(0);
    }
}
