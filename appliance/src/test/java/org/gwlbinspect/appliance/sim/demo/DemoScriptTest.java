package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoScriptTest {
    private static final Path CA = Path.of("/tmp/demo dir/demo-ca.pem");

    @Test
    void expectsThePolicysVerdictForEveryRequest() {
        List<String> script = DemoScript.requests(ServerAddresses.of("198.51.100.80", null), CA).stream()
                .map(r -> r.label() + " " + r.expected())
                .toList();

        assertThat(script)
                .containsExactly(
                        "curl http://www.demo.test/ PASS",
                        "curl https://www.demo.test/ PASS",
                        "curl https://api.demo.test/ PASS",
                        "openssl s_client -servername api.demo.test PASS",
                        "curl http://blocked.demo.test/ DROP",
                        "curl https://blocked.demo.test/ DROP",
                        "openssl s_client -servername blocked.demo.test DROP",
                        "curl https://rejected.demo.test/ REJECT",
                        "curl http://rejected.demo.test/ REJECT",
                        "curl http://files.demo.test:8080/clean.bin PASS",
                        "curl http://files.demo.test:8080/marker.html DROP",
                        "curl http://files.demo.test:8080/blocked.bin DROP",
                        "dig www.demo.test A PASS",
                        "dig tracker.demo.test A DROP");
    }

    @Test
    void addsIpv6RequestsWhenTheServersHaveAnIpv6Address() {
        List<DemoRequest> requests = DemoScript.requests(ServerAddresses.of("198.51.100.80", "2001:db8:80::80"), CA);

        assertThat(requests.subList(14, requests.size()))
                .extracting(DemoRequest::label)
                .containsExactly(
                        "dig www.demo.test AAAA",
                        "curl https://www.demo.test/ (IPv6)",
                        "curl https://blocked.demo.test/ (IPv6)");
        assertThat(requests.get(15).argv()).contains("www.demo.test:443:[2001:db8:80::80]");
    }

    @Test
    void pinsNamesToTheServersAndTrustsOnlyTheDemoCa() {
        DemoRequest https = DemoScript.requests(ServerAddresses.of("198.51.100.80", null), CA)
                .get(1);

        assertThat(https.argv())
                .containsSubsequence("--cacert", CA.toString())
                .containsSubsequence("--resolve", "www.demo.test:443:198.51.100.80")
                .endsWith("https://www.demo.test/");
        DemoRequest handshake = DemoScript.requests(ServerAddresses.of("198.51.100.80", null), CA)
                .get(3);
        assertThat(handshake.argv())
                .containsExactly(
                        "sh",
                        "-c",
                        "exec timeout 3 openssl s_client -brief -verify_return_error -connect 198.51.100.80:443"
                                + " -servername api.demo.test -CAfile '/tmp/demo dir/demo-ca.pem' </dev/null");
    }

    @Test
    void aDroppedRequestCostsAtMostThreeSeconds() {
        for (DemoRequest request : DemoScript.requests(ServerAddresses.of("198.51.100.80", null), CA)) {
            List<String> argv = request.argv();
            if (argv.getFirst().equals("curl")) {
                assertThat(argv).containsSubsequence("--max-time", "3");
            } else if (argv.getFirst().equals("dig")) {
                assertThat(argv).contains("+time=2", "+tries=1");
            } else {
                assertThat(argv.getLast()).startsWith("exec timeout 3 ");
            }
            // The executor's own limit only catches a client that ignores its timeout.
            assertThat(request.limit()).isGreaterThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void withoutTheApplianceEveryRequestExpectsPassAndKeepsThePolicysVerdictAsItsReason() {
        List<DemoRequest> requests = DemoScript.requests(ServerAddresses.of("198.51.100.80", null), CA);

        List<DemoRequest> direct = DemoScript.withoutAppliance(requests);

        assertThat(direct).extracting(DemoRequest::expected).containsOnly(Outcome.PASS);
        assertThat(direct.get(7).why()).isEqualTo("no appliance; the policy: REJECT, SNI on the reject list: RST");
        assertThat(direct.get(7).argv()).isEqualTo(requests.get(7).argv());
    }
}
