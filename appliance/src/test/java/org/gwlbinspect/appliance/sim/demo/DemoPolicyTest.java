package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code examples/policies/demo.json}: compiles, is the one in the jar, and names what the demo's servers serve. */
class DemoPolicyTest {
    private static final Path EXAMPLE = Path.of("..", "examples", "policies", DemoPolicy.FILE_NAME);

    @Test
    void writesTheExampleFileFromTheClasspath(@TempDir Path dir) throws Exception {
        Path written = DemoPolicy.writeTo(dir);

        assertThat(written).isEqualTo(dir.resolve("demo.json"));
        assertThat(Files.readAllBytes(written)).isEqualTo(Files.readAllBytes(EXAMPLE));
    }

    @Test
    void compilesAsTheApplianceLoadsIt() throws Exception {
        CompiledPolicy policy = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(EXAMPLE);
        try {
            // 3 signatures + REJECTLIST (TLS, HTTP) + ALLOWLIST (2 names x TLS, HTTP; no drop rule in strict order)
            assertThat(policy.summary())
                    .startsWith("policy gwlb-sim-demo OK")
                    .contains("3 stateful group(s) with 9 rule(s), STRICT_ORDER");
        } finally {
            policy.patterns().close();
        }
    }

    @Test
    void namesTheSameHostsMarkerAndPortAsTheServers() throws Exception {
        String policy = Files.readString(EXAMPLE);

        assertThat(policy)
                .contains("\"Targets\": [\"" + DemoSite.ALLOWED + "\", \"" + DemoSite.ALLOWED_API + "\"]")
                .contains("\"Targets\": [\"" + DemoSite.REJECTED + "\"]")
                .contains("content:\\\"" + DemoSite.BLOCKED_MARKER + "\\\"")
                .contains("content:\\\"" + DemoSite.DNS_BLOCKED + "\\\"")
                .contains("$EXTERNAL_NET " + DemoSite.MIRROR_PORT + " -> $HOME_NET any")
                .doesNotContain(DemoSite.NOT_LISTED);
    }
}
