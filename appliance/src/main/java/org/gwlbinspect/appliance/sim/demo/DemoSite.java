package org.gwlbinspect.appliance.sim.demo;

import java.util.List;

/**
 * The demo's simulated internet: the names the servers answer for, the files they serve, and the marker string that
 * {@code examples/policies/demo.json}'s content rule blocks. The policy's rules name the same strings; {@code
 * DemoPolicyTest} checks that the two agree.
 */
public final class DemoSite {
    /** On the policy's allow-list (TLS SNI and HTTP Host): passes over HTTP and HTTPS. */
    public static final String ALLOWED = "www.demo.test";
    /** On the allow-list too, with its own certificate: a second SNI that passes. */
    public static final String ALLOWED_API = "api.demo.test";
    /** Not on the allow-list: the default action ({@code aws:drop_established}) drops it. */
    public static final String NOT_LISTED = "blocked.demo.test";
    /** On the policy's reject list: the connection is reset as soon as the ClientHello or request is seen. */
    public static final String REJECTED = "rejected.demo.test";
    /** The download mirror on {@link #MIRROR_PORT}: passed packet by packet, its responses inspected for the marker. */
    public static final String MIRROR = "files.demo.test";
    /** Resolves like the others, but the policy drops DNS queries for it. */
    public static final String DNS_BLOCKED = "tracker.demo.test";

    /** Every name the servers have a certificate and a DNS answer for. */
    public static final List<String> NAMES = List.of(ALLOWED, ALLOWED_API, NOT_LISTED, REJECTED, MIRROR, DNS_BLOCKED);

    public static final int HTTP_PORT = 80;
    public static final int HTTPS_PORT = 443;
    public static final int MIRROR_PORT = 8080;
    public static final int DNS_PORT = 53;

    /** The string the policy's content rule (sid 1000101) drops in a response. */
    public static final String BLOCKED_MARKER = "GWLB-INSPECT-DEMO-BLOCKED-CONTENT";

    /** A small page whose body holds the marker. */
    public static final String MARKER_PAGE = "/marker.html";
    /** A large file without the marker: passes although every packet of it is inspected. */
    public static final String CLEAN_DOWNLOAD = "/clean.bin";
    /** A large file whose second half starts with the marker: blocked mid-stream. */
    public static final String BLOCKED_DOWNLOAD = "/blocked.bin";
    /** Size of each download: hundreds of packets, yet done well within the clients' 3 s through the simulator. */
    public static final int DOWNLOAD_BYTES = 1 << 20;

    private DemoSite() {}

    /** The body of every name's {@code /}: tells the client which virtual server answered. */
    public static String indexPage(String name) {
        return "hello from " + name + "\n";
    }
}
