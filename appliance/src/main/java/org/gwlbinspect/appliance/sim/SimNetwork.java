package org.gwlbinspect.appliance.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creates and deletes a {@link Topology}'s namespaces, veth pairs, addresses and routes with iproute2's {@code ip}
 * (control plane only), and writes per-namespace sysctls from a thread inside the namespace (so no procps is needed).
 */
final class SimNetwork implements AutoCloseable {
    /** What to install when {@code ip} is missing. */
    static final String IP_INSTALL_HINT = "install iproute2 (apt-get install iproute2)";

    private static final long COMMAND_TIMEOUT_SECONDS = 20;

    private final Topology topology;
    private final int linkMtu;
    private final List<String> created = new ArrayList<>();

    private SimNetwork(Topology topology, int linkMtu) {
        this.topology = topology;
        this.linkMtu = linkMtu;
    }

    /**
     * Builds the whole topology except the endpoints' tun routing ({@link #routeIntoTun}), with client and server links
     * of MTU {@code linkMtu}; deletes it on failure.
     */
    static SimNetwork create(Topology topology, int linkMtu) throws SimulatorException {
        SimNetwork network = new SimNetwork(topology, linkMtu);
        try {
            network.build();
            return network;
        } catch (SimulatorException | RuntimeException e) {
            network.close();
            throw e;
        }
    }

    Topology topology() {
        return topology;
    }

    private void build() throws SimulatorException {
        for (String ns : topology.namespaces()) {
            ip("netns", "add", ns);
            created.add(ns);
            ip("-n", ns, "link", "set", "lo", "up");
        }
        String gwlb = topology.gwlbNamespace();
        String appl = topology.applianceNamespace();
        // Jumbo MTU on the GENEVE link: 8500-byte inner packets + 68 bytes of headers (gwlb.md §0 item 9).
        ip(
                "-n", gwlb, "link", "add", "appl0", "mtu", "9001", "type", "veth", "peer", "name", "gwlb0", "mtu",
                "9001", "netns", appl);
        ip("-n", gwlb, "addr", "add", Topology.GWLB_NODE_IPV4 + "/24", "dev", "appl0");
        ip("-n", gwlb, "link", "set", "appl0", "up");
        ip("-n", appl, "addr", "add", Topology.APPLIANCE_IPV4 + "/24", "dev", "gwlb0");
        ip("-n", appl, "link", "set", "gwlb0", "up");
        for (int k = 1; k <= topology.endpoints(); k++) {
            String e = topology.endpointNamespace(k);
            String c = topology.clientNamespace(k);
            String s = topology.serverNamespace(k);
            String mtu = Integer.toString(linkMtu);
            ip(
                    "-n", e, "link", "add", "client0", "mtu", mtu, "type", "veth", "peer", "name", "gwlbe0", "mtu", mtu,
                    "netns", c);
            ip(
                    "-n", e, "link", "add", "server0", "mtu", mtu, "type", "veth", "peer", "name", "gwlbe0", "mtu", mtu,
                    "netns", s);
            address(e, "client0", Topology.CLIENT_GATEWAY_IPV4 + "/24", Topology.CLIENT_GATEWAY_IPV6 + "/64");
            address(e, "server0", Topology.SERVER_GATEWAY_IPV4 + "/24", Topology.SERVER_GATEWAY_IPV6 + "/64");
            address(c, "gwlbe0", Topology.CLIENT_IPV4 + "/24", Topology.CLIENT_IPV6 + "/64");
            address(s, "gwlbe0", Topology.SERVER_IPV4 + "/24", Topology.SERVER_IPV6 + "/64");
            ip("-n", c, "route", "add", "default", "via", Topology.CLIENT_GATEWAY_IPV4);
            ip("-n", c, "-6", "route", "add", "default", "via", Topology.CLIENT_GATEWAY_IPV6);
            ip("-n", s, "route", "add", "default", "via", Topology.SERVER_GATEWAY_IPV4);
            ip("-n", s, "-6", "route", "add", "default", "via", Topology.SERVER_GATEWAY_IPV6);
            // The endpoint forwards (it is a router between client, server and tun). Reverse-path filtering is off:
            // packets the simulator writes into the tun come from addresses routed via client0/server0.
            NamespaceThreads.call(e, () -> {
                sysctl("net/ipv4/ip_forward", "1");
                sysctl("net/ipv6/conf/all/forwarding", "1");
                sysctl("net/ipv4/conf/all/rp_filter", "0");
                sysctl("net/ipv4/conf/default/rp_filter", "0");
                return null;
            });
        }
    }

    /**
     * Routes everything arriving in endpoint {@code k}'s namespace from the client or the server into its tun device
     * (which must exist: the simulator opened it), while packets written into the tun are routed by the main table.
     */
    void routeIntoTun(int k) throws SimulatorException {
        String e = topology.endpointNamespace(k);
        String table = Integer.toString(Topology.TO_TUN_TABLE);
        // No IPv6 link-local address and no multicast on the tun: the kernel would send its own router solicitations
        // and MLD reports into it, which the simulator would take for client traffic.
        ip("-n", e, "link", "set", Topology.TUN, "addrgenmode", "none", "multicast", "off");
        ip("-n", e, "link", "set", Topology.TUN, "mtu", Integer.toString(GwlbNode.MAX_INNER_LENGTH), "up");
        ip("-n", e, "route", "add", "default", "dev", Topology.TUN, "table", table);
        ip("-n", e, "-6", "route", "add", "default", "dev", Topology.TUN, "table", table);
        for (String from : List.of("client0", "server0")) {
            ip("-n", e, "rule", "add", "iif", from, "lookup", table);
            ip("-n", e, "-6", "rule", "add", "iif", from, "lookup", table);
        }
        NamespaceThreads.call(e, () -> {
            sysctl("net/ipv4/conf/" + Topology.TUN + "/rp_filter", "0");
            return null;
        });
    }

    private void address(String ns, String dev, String ipv4, String ipv6) throws SimulatorException {
        ip("-n", ns, "addr", "add", ipv4, "dev", dev);
        // nodad: usable at once instead of after duplicate address detection's ~1 s.
        ip("-n", ns, "addr", "add", ipv6, "dev", dev, "nodad");
        ip("-n", ns, "link", "set", dev, "up");
    }

    private static void sysctl(String key, String value) throws IOException {
        Files.writeString(Path.of("/proc/sys", key), value);
    }

    /** Deletes every namespace this run created (their veths, tuns and routes go with them). */
    @Override
    public void close() {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                ip("netns", "delete", created.get(i));
            } catch (SimulatorException e) {
                System.err.println("gwlb-sim: " + e.getMessage());
            }
        }
        created.clear();
    }

    /** Runs {@code ip ARGS}, failing with its output. */
    static void ip(String... args) throws SimulatorException {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add("ip");
        command.addAll(List.of(args));
        run(command);
    }

    /** Runs a command to completion (bounded), failing with its output; returns the output. */
    static String run(List<String> command) throws SimulatorException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new SimulatorException(
                    "cannot run " + command.getFirst() + " (" + e.getMessage() + "): " + IP_INSTALL_HINT, e);
        }
        try {
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new SimulatorException(
                        String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new SimulatorException(String.join(" ", command) + " failed: " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new SimulatorException(String.join(" ", command) + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new SimulatorException(String.join(" ", command) + " interrupted", e);
        }
    }
}
