package org.gwlbinspect.appliance.config;

/**
 * Validated admin task access (see {@link AdminAccessFactory}).
 *
 * @param token the bearer token admin tasks accept, or null when none is configured
 * @param allowLoopback whether loopback peers may run tasks without it
 */
public record AdminAccessConfig(String token, boolean allowLoopback) {
    @Override
    public String toString() { // never print the token
        return "AdminAccessConfig[token=" + (token == null ? "none" : "set") + ", allowLoopback=" + allowLoopback + "]";
    }
}
