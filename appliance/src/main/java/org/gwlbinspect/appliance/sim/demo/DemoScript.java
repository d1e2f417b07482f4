package org.gwlbinspect.appliance.sim.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's scripted requests and the verdict {@code examples/policies/demo.json} gives each: curl over HTTP and
 * HTTPS ({@code --resolve} pins every name to the servers' address, so no resolver is involved), {@code openssl
 * s_client} for the certificates chosen by SNI, and dig against the demo's DNS server. A dropped request costs its
 * client timeout: {@value #TIMEOUT_SECONDS} s for pages, downloads and handshakes, {@value #DNS_TIMEOUT_SECONDS} s
 * for DNS. The 1 MiB downloads took 0.9 s through the simulator on a loaded 2-core machine (curl's {@code
 * --speed-time} would not end a stalled transfer sooner: it averages the speed over the last 5 s).
 */
public final class DemoScript {
    static final int TIMEOUT_SECONDS = 3;
    static final int DNS_TIMEOUT_SECONDS = 2;
    /** The executor's kill limit beyond the command's own timeout. */
    private static final Duration GRACE = Duration.ofSeconds(5);

    private DemoScript() {}

    /** The requests, in the order they run, for servers at {@code addresses} whose certificates {@code ca} signed. */
    public static List<DemoRequest> requests(ServerAddresses addresses, Path ca) {
        String v4 = addresses.ipv4Text();
        List<DemoRequest> requests = new ArrayList<>();
        requests.add(page("http", DemoSite.ALLOWED, v4, ca, Outcome.PASS, "HTTP Host on the allow-list"));
        requests.add(page("https", DemoSite.ALLOWED, v4, ca, Outcome.PASS, "TLS SNI on the allow-list"));
        requests.add(page("https", DemoSite.ALLOWED_API, v4, ca, Outcome.PASS, "second allowed SNI, own certificate"));
        requests.add(handshake(DemoSite.ALLOWED_API, v4, ca, Outcome.PASS, "certificate chosen by SNI verifies"));
        requests.add(page("http", DemoSite.NOT_LISTED, v4, ca, Outcome.DROP, "Host not listed: aws:drop_established"));
        requests.add(page("https", DemoSite.NOT_LISTED, v4, ca, Outcome.DROP, "SNI not listed: aws:drop_established"));
        requests.add(handshake(DemoSite.NOT_LISTED, v4, ca, Outcome.DROP, "ClientHello dropped: no handshake"));
        requests.add(page("https", DemoSite.REJECTED, v4, ca, Outcome.REJECT, "SNI on the reject list: RST"));
        requests.add(page("http", DemoSite.REJECTED, v4, ca, Outcome.REJECT, "Host on the reject list: RST"));
        requests.add(download(DemoSite.CLEAN_DOWNLOAD, v4, Outcome.PASS, "mirror: every packet inspected, no marker"));
        requests.add(mirrorPage(v4, Outcome.DROP, "content rule sid 1000101: marker in the page"));
        requests.add(download(DemoSite.BLOCKED_DOWNLOAD, v4, Outcome.DROP, "content rule sid 1000101: mid-stream"));
        requests.add(dns(DemoSite.ALLOWED, "A", v4, v4, Outcome.PASS, "DNS is not filtered by name"));
        requests.add(dns(DemoSite.DNS_BLOCKED, "A", v4, v4, Outcome.DROP, "DNS rule sid 1000103 drops the query"));
        addresses.ipv6Text().ifPresent(v6 -> {
            requests.add(dns(DemoSite.ALLOWED, "AAAA", v4, v6, Outcome.PASS, "AAAA answer for IPv6"));
            requests.add(page("https", DemoSite.ALLOWED, "[" + v6 + "]", ca, Outcome.PASS, "allowed SNI over IPv6"));
            requests.add(page("https", DemoSite.NOT_LISTED, "[" + v6 + "]", ca, Outcome.DROP, "not listed, IPv6"));
        });
        return List.copyOf(requests);
    }

    /**
     * {@code requests} all expecting PASS, as a run straight between the namespaces (no appliance) must; each row
     * still tells what the policy would do.
     */
    public static List<DemoRequest> withoutAppliance(List<DemoRequest> requests) {
        return requests.stream()
                .map(r -> r.expecting(Outcome.PASS, "no appliance; the policy: " + r.expected() + ", " + r.why()))
                .toList();
    }

    private static DemoRequest page(String scheme, String name, String address, Path ca, Outcome expected, String why) {
        int port = scheme.equals("https") ? DemoSite.HTTPS_PORT : DemoSite.HTTP_PORT;
        String url = scheme + "://" + name + "/";
        List<String> argv = List.of(
                "curl",
                "-sS",
                "--max-time",
                String.valueOf(TIMEOUT_SECONDS),
                "--cacert",
                ca.toString(),
                "--resolve",
                name + ":" + port + ":" + address,
                "-w",
                ClientOutputs.CURL_WRITE_OUT,
                url);
        String label = "curl " + url + (address.startsWith("[") ? " (IPv6)" : "");
        return new DemoRequest(
                label,
                why,
                argv,
                expected,
                Duration.ofSeconds(TIMEOUT_SECONDS).plus(GRACE),
                ClientOutputs.curl(DemoSite.indexPage(name).strip()));
    }

    private static DemoRequest mirrorPage(String address, Outcome expected, String why) {
        String url = "http://" + DemoSite.MIRROR + ":" + DemoSite.MIRROR_PORT + DemoSite.MARKER_PAGE;
        List<String> argv = List.of(
                "curl",
                "-sS",
                "--max-time",
                String.valueOf(TIMEOUT_SECONDS),
                "--resolve",
                DemoSite.MIRROR + ":" + DemoSite.MIRROR_PORT + ":" + address,
                "-w",
                ClientOutputs.CURL_WRITE_OUT,
                url);
        return new DemoRequest(
                "curl " + url,
                why,
                argv,
                expected,
                Duration.ofSeconds(TIMEOUT_SECONDS).plus(GRACE),
                ClientOutputs.curl(DemoSite.BLOCKED_MARKER));
    }

    private static DemoRequest download(String path, String address, Outcome expected, String why) {
        String url = "http://" + DemoSite.MIRROR + ":" + DemoSite.MIRROR_PORT + path;
        List<String> argv = List.of(
                "curl",
                "-sS",
                "--max-time",
                String.valueOf(TIMEOUT_SECONDS),
                "--resolve",
                DemoSite.MIRROR + ":" + DemoSite.MIRROR_PORT + ":" + address,
                "-o",
                "/dev/null",
                "-w",
                ClientOutputs.CURL_WRITE_OUT,
                url);
        return new DemoRequest(
                "curl " + url,
                why,
                argv,
                expected,
                Duration.ofSeconds(TIMEOUT_SECONDS).plus(GRACE),
                ClientOutputs.curl("bytes=" + DemoSite.DOWNLOAD_BYTES));
    }

    private static DemoRequest handshake(String name, String address, Path ca, Outcome expected, String why) {
        // Through sh for the `< /dev/null`: s_client waits on its standard input, whatever the executor gives it.
        String command = "exec timeout " + TIMEOUT_SECONDS + " openssl s_client -brief -verify_return_error -connect "
                + address + ":" + DemoSite.HTTPS_PORT + " -servername " + name + " -CAfile " + shellQuoted(ca)
                + " </dev/null";
        return new DemoRequest(
                "openssl s_client -servername " + name,
                why,
                List.of("sh", "-c", command),
                expected,
                Duration.ofSeconds(TIMEOUT_SECONDS).plus(GRACE),
                ClientOutputs.opensslClient(name));
    }

    private static DemoRequest dns(
            String name, String type, String server, String answer, Outcome expected, String why) {
        List<String> argv = List.of("dig", "+time=" + DNS_TIMEOUT_SECONDS, "+tries=1", "@" + server, name, type);
        return new DemoRequest(
                "dig " + name + " " + type,
                why,
                argv,
                expected,
                Duration.ofSeconds(DNS_TIMEOUT_SECONDS).plus(GRACE),
                ClientOutputs.dig(answer));
    }

    static String shellQuoted(Path path) {
        return "'" + path.toString().replace("'", "'\\''") + "'";
    }
}
