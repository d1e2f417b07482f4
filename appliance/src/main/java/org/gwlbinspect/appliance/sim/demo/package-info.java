/**
 * {@code gwlb-sim --demo}'s content: the servers of the simulated internet ({@link DemoServers}: nginx with HTTP,
 * HTTPS for several SNI names and a download mirror, dnsmasq), the scripted client requests with the verdict that
 * {@code examples/policies/demo.json} should give each ({@link DemoScript}), and the runner that executes them in the
 * client's namespace, counts the appliance's alerts per request and prints the table ({@link DemoRunner}).
 *
 * <p>Nothing here knows the simulator: it takes namespace names, addresses and a {@link ClientExecutor}, so the same
 * classes run the script directly between two namespaces (every request passes) or through the GWLB simulator and
 * the appliance (each request gets its policy verdict). {@link Demo#run} is the one call the simulator makes.
 */
package org.gwlbinspect.appliance.sim.demo;
