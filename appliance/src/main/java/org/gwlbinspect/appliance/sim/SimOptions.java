package org.gwlbinspect.appliance.sim;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * How to run the simulator.
 *
 * @param endpoints 1 or 2 GWLB endpoints (the second overlaps the first's client CIDR)
 * @param rotation when flows get a new cookie
 * @param appliance where to send GENEVE; null = start an appliance in the appliance namespace
 * @param applianceJar the jar to start the appliance from (when {@code appliance} is null)
 * @param policy the policy file of the started appliance; null = pass-through
 * @param workDirectory where the started appliance's configuration, output and EVE logs go
 * @param stateDirectory where running simulators publish their state ({@link SimStateFiles})
 * @param healthTimeoutMillis how long to wait for the started appliance's /health to answer 200
 */
public record SimOptions(
        int endpoints,
        CookieRotation rotation,
        InetSocketAddress appliance,
        Path applianceJar,
        Path policy,
        Path workDirectory,
        Path stateDirectory,
        long healthTimeoutMillis) {

    public SimOptions {
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

    /** Whether the simulator starts its own appliance. */
    public boolean startsAppliance() {
        return appliance == null;
    }
}
