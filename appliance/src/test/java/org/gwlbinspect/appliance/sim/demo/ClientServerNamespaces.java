package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Two network namespaces a test creates and deletes, a client and a server joined by a veth pair, with the client in
 * HOME_NET (10.77.0.2, fd00:77::2) and the server outside it (198.51.100.80, 2001:db8:80::80) as the demo expects.
 * Traffic goes straight from one to the other: no simulator, no appliance.
 */
final class ClientServerNamespaces implements AutoCloseable {
    static final ServerAddresses SERVER = ServerAddresses.of("198.51.100.80", "2001:db8:80::80");
    static final String CLIENT_V4 = "10.77.0.2";
    static final String CLIENT_V6 = "fd00:77::2";
    private static final Duration IP_LIMIT = Duration.ofSeconds(10);

    private final String client;
    private final String server;
    private final List<String> created = new ArrayList<>();

    private ClientServerNamespaces(String purpose) {
        long pid = ProcessHandle.current().pid();
        this.client = "gwlbdemo-" + purpose + "-c-" + pid;
        this.server = "gwlbdemo-" + purpose + "-s-" + pid;
    }

    static ClientServerNamespaces create(String purpose) throws IOException, InterruptedException {
        ClientServerNamespaces namespaces = new ClientServerNamespaces(purpose);
        try {
            namespaces.build();
        } catch (IOException | InterruptedException | RuntimeException e) {
            namespaces.close();
            throw e;
        }
        return namespaces;
    }

    String client() {
        return client;
    }

    String server() {
        return server;
    }

    private void build() throws IOException, InterruptedException {
        for (String ns : List.of(client, server)) {
            ip("netns", "add", ns);
            created.add(ns);
            ip("-n", ns, "link", "set", "lo", "up");
        }
        ip("link", "add", "veth-c", "netns", client, "type", "veth", "peer", "name", "veth-s", "netns", server);
        ip("-n", client, "addr", "add", CLIENT_V4 + "/32", "dev", "veth-c");
        ip("-n", client, "-6", "addr", "add", CLIENT_V6 + "/128", "dev", "veth-c", "nodad");
        ip("-n", server, "addr", "add", SERVER.ipv4Text() + "/32", "dev", "veth-s");
        ip("-n", server, "-6", "addr", "add", SERVER.ipv6Text().orElseThrow() + "/128", "dev", "veth-s", "nodad");
        ip("-n", client, "link", "set", "veth-c", "up");
        ip("-n", server, "link", "set", "veth-s", "up");
        ip("-n", client, "route", "add", SERVER.ipv4Text() + "/32", "dev", "veth-c");
        ip("-n", server, "route", "add", CLIENT_V4 + "/32", "dev", "veth-s");
        ip("-n", client, "-6", "route", "add", SERVER.ipv6Text().orElseThrow() + "/128", "dev", "veth-c");
        ip("-n", server, "-6", "route", "add", CLIENT_V6 + "/128", "dev", "veth-s");
    }

    /**
     * Turns off checksum and segmentation offloads on both veth ends (ethtool), so a capture holds packets as they
     * would cross a real network: at most one MTU each, with real checksums, not 64 KiB GSO super-packets.
     */
    void disableOffloads() throws IOException, InterruptedException {
        RequiredTools.require(java.util.Map.of("ethtool", "ethtool"));
        for (String[] end : new String[][] {{client, "veth-c"}, {server, "veth-s"}}) {
            Commands.runOrThrow(
                    List.of(
                            "ip", "netns", "exec", end[0], "ethtool", "-K", end[1], "tx", "off", "rx", "off", "tso",
                            "off", "gso", "off", "gro", "off"),
                    IP_LIMIT);
        }
    }

    /** The pids of the processes still running in the server namespace ({@code ip netns pids}). */
    String serverPids() throws IOException, InterruptedException {
        return Commands.runOrThrow(List.of("ip", "netns", "pids", server), IP_LIMIT)
                .strip();
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Commands.runOrThrow(argv, IP_LIMIT);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (String ns : created) {
            try {
                ip("netns", "delete", ns);
            } catch (IOException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // keep deleting: a namespace must not outlive the test
                if (failure == null) failure = new IOException("interrupted while deleting " + ns, e);
            }
        }
        created.clear();
        if (failure != null) throw failure;
    }
}
