package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's servers and scripted requests with real nginx, dnsmasq, curl, openssl and dig, straight from a client
 * namespace to a server namespace: without an appliance in the path every request must pass, which proves the
 * fixtures and the commands work before the simulator puts the appliance between them.
 */
class DemoIT {
    @TempDir
    Path workDir;

    @Test
    @Timeout(180)
    void everyScriptedRequestPassesWithoutAnAppliance() throws Exception {
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int exitCode;
        try (ClientServerNamespaces namespaces = ClientServerNamespaces.create("pass")) {
            exitCode = Demo.run(
                    namespaces.server(),
                    ClientServerNamespaces.SERVER,
                    new NamespaceExecutor(namespaces.client()),
                    Optional.empty(),
                    workDir,
                    true,
                    new PrintStream(table, true, StandardCharsets.UTF_8),
                    new PrintStream(progress, true, StandardCharsets.UTF_8));
            // The servers stopped with the demo, before the namespaces go.
            assertThat(namespaces.serverPids()).isEmpty();
        }
        String text = table.toString(StandardCharsets.UTF_8);
        System.out.print(progress.toString(StandardCharsets.UTF_8) + text); // the table, in the failsafe report
        assertThat(exitCode).as("table:%n%s%nprogress:%n%s", text, progress).isZero();
        List<String> rows = text.lines().toList();
        int requests = DemoScript.requests(ClientServerNamespaces.SERVER, Path.of("ca.pem"))
                .size();
        assertThat(rows).hasSize(requests + 2); // header, one row per request, summary
        assertThat(rows.getFirst()).startsWith("request").contains("expected", "observed", "alerts", "detail");
        assertThat(rows.subList(1, requests + 1))
                .allSatisfy(row -> assertThat(row).containsPattern("  PASS  +PASS  +-  "));
        assertThat(text)
                .contains("verified certificate CN = " + DemoSite.ALLOWED_API)
                .contains("HTTP 200, " + DemoSite.DOWNLOAD_BYTES + " bytes")
                .contains("answer " + ClientServerNamespaces.SERVER.ipv6Text().orElseThrow())
                .contains("curl https://" + DemoSite.ALLOWED + "/ (IPv6)");
        assertThat(rows.getLast()).isEqualTo(requests + " requests, " + requests + " as expected, 0 differ");
        try (Stream<Path> left = Files.list(workDir)) {
            assertThat(left).as("the servers' directory is deleted").isEmpty();
        }
    }
}
