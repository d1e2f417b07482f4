package org.gwlbinspect.appliance.sim;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * How to run the simulator.
 *
 * @param endpoints 1 or 2 GWLB endpoints (the second overlaps the first's client CIDR)
 * @param rotation when flows get a new cookie
 * @param idleTimeouts when idle flows are forgotten
 * @param appliance where to send GENEVE; null = start an appliance in the appliance namespace
 * @param applianceJar the jar to start the appliance from (when {@code appliance} is null)
 * @param policy the policy file of the started appliance; null = pass-through
 * @param workDirectory where the started appliance's configuration, output and EVE logs go
 * @param stateDirectory where running simulators publish their state ({@link SimStateFiles})
 * @param healthTimeoutMillis how long to wait for the started appliance's /health to answer 200
 * @param linkMtu the MTU of the client's and the server's links to the GWLB endpoint, {@value #MIN_LINK_MTU} to
 *     {@value #MAX_LINK_MTU}: 8500 lets them send GWLB's largest inner packets (jumbo frames)
 */
public record SimOptions(
        int endpoints,
        CookieRotation rotation,
        IdleTimeouts idleTimeouts,
        InetSocketAddress appliance,
        Path applianceJar,
        Path policy,
        Path workDirectory,
        Path stateDirectory,
        long healthTimeoutMillis,
        int linkMtu) {

    /** An Ethernet MTU: the client and server links' by default. */
    public static final int DEFAULT_LINK_MTU = 1500;

    /** IPv6's minimum MTU (RFC 8200 §5). */
    public static final int MIN_LINK_MTU = 1280;

    /** GWLB's MTU (gwlb.md §0 item 9), which is also the endpoint tun's. */
    public static final int MAX_LINK_MTU = GwlbNode.MAX_INNER_LENGTH;

    /** Options with Ethernet-MTU client and server links ({@link #DEFAULT_LINK_MTU}). */
    public SimOptions(
            int endpoints,
            CookieRotation rotation,
            IdleTimeouts idleTimeouts,
            InetSocketAddress appliance,
            Path applianceJar,
            Path policy,
            Path workDirectory,
            Path stateDirectory,
            long healthTimeoutMillis) {
        this(
                endpoints,
                rotation,
                idleTimeouts,
                appliance,
                applianceJar,
                policy,
                workDirectory,
                stateDirectory,
                healthTimeoutMillis,
                DEFAULT_LINK_MTU);
    }

    public SimOptions {
        if (linkMtu < MIN_LINK_MTU || linkMtu > MAX_LINK_MTU) {
            throw new IllegalArgumentException(
                    "the link MTU must be " + MIN_LINK_MTU + ".." + MAX_LINK_MTU + ", got " + linkMtu);
        }
        if (endpoints < 1 || endpoints > Topology.MAX_ENDPOINTS) {
            throw new IllegalArgumentException("endpoints must be 1.." + Topology.MAX_ENDPOINTS + ", got " + endpoints);
        }
        if (appliance != null && appliance.isUnresolved()) {
            throw new IllegalArgumentException("appliance address does not resolve: " + appliance);
        }
        if (appliance != null && !(appliance.getAddress() instanceof java.net.Inet4Address)) {
            throw new IllegalArgumentException(
                    "the appliance must have an IPv4 address (GWLB's outer IP is always" + " IPv4), got " + appliance);
        }
    }

    /** The same options with client and server links of MTU {@code mtu}. */
    public SimOptions withLinkMtu(int mtu) {
        return new SimOptions(
                endpoints,
                rotation,
                idleTimeouts,
                appliance,
                applianceJar,
                policy,
                workDirectory,
                stateDirectory,
                healthTimeoutMillis,
                mtu);
    }

    /** Whether the simulator starts its own appliance. */
    public boolean startsAppliance() {
        return appliance == null;
    }
}
