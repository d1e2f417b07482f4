package org.gwlbinspect.appliance.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The names and addresses of one simulator run's network namespaces (docs/simulator.md draws them). Every name starts
 * with the run's prefix ({@link #PREFIX_START} and 6 hex digits), so runs never collide and leftovers are found by
 * name. Per endpoint {@code k}: a client namespace {@code <prefix>-c<k>}, the GWLB endpoint {@code <prefix>-e<k>}
 * (where the client's and the server's traffic enters a tun device the simulator reads) and a server ("internet")
 * namespace {@code <prefix>-s<k>}; endpoints use the same addresses, so their client CIDRs overlap as two consumer VPCs'
 * may. One GWLB node namespace {@code <prefix>-gwlb} sends GENEVE to the appliance namespace {@code <prefix>-appl}.
 */
public record Topology(String prefix, int endpoints) {
    public static final String PREFIX_START = "gws-";
    public static final int MAX_ENDPOINTS = 2;

    public static final String CLIENT_IPV4 = "10.10.1.10";
    public static final String CLIENT_IPV6 = "fd00:10:1::10";
    public static final String CLIENT_GATEWAY_IPV4 = "10.10.1.1";
    public static final String CLIENT_GATEWAY_IPV6 = "fd00:10:1::1";
    public static final String SERVER_IPV4 = "198.51.100.10";
    public static final String SERVER_IPV6 = "2001:db8:100::10";
    public static final String SERVER_GATEWAY_IPV4 = "198.51.100.1";
    public static final String SERVER_GATEWAY_IPV6 = "2001:db8:100::1";
    public static final String GWLB_NODE_IPV4 = "10.200.0.1";
    public static final String APPLIANCE_IPV4 = "10.200.0.2";

    /** The tun device in each endpoint namespace. */
    public static final String TUN = "gwlb0";
    /** The routing table that sends everything arriving from the client or server into the tun. */
    static final int TO_TUN_TABLE = 100;

    public Topology {
        if (!prefix.matches(PREFIX_START + "[0-9a-f]{6}")) {
            throw new IllegalArgumentException("prefix must be " + PREFIX_START + "<6 hex digits>, got " + prefix);
        }
        if (endpoints < 1 || endpoints > MAX_ENDPOINTS) {
            throw new IllegalArgumentException("endpoints must be 1.." + MAX_ENDPOINTS + ", got " + endpoints);
        }
    }

    /** A new run's topology with a random prefix. */
    public static Topology random(int endpoints) {
        return new Topology(
                PREFIX_START
                        + String.format(
                                "%06x",
                                java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 24)),
                endpoints);
    }

    public String clientNamespace(int endpoint) {
        return prefix + "-c" + endpoint;
    }

    public String endpointNamespace(int endpoint) {
        return prefix + "-e" + endpoint;
    }

    public String serverNamespace(int endpoint) {
        return prefix + "-s" + endpoint;
    }

    public String gwlbNamespace() {
        return prefix + "-gwlb";
    }

    public String applianceNamespace() {
        return prefix + "-appl";
    }

    /** Every namespace of this run, in creation order. */
    public List<String> namespaces() {
        List<String> names = new ArrayList<>();
        names.add(gwlbNamespace());
        names.add(applianceNamespace());
        for (int k = 1; k <= endpoints; k++) {
            names.add(endpointNamespace(k));
            names.add(clientNamespace(k));
            names.add(serverNamespace(k));
        }
        return names;
    }

    /** The IPv4 address as an int, as the codec and egress classes take it. */
    static int ipv4(String dotted) {
        String[] parts = dotted.split("\\.");
        int value = 0;
        for (String part : parts) value = (value << 8) | Integer.parseInt(part);
        return value;
    }
}
