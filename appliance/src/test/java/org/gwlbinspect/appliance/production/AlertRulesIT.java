package org.gwlbinspect.appliance.production;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.appliance.production.CloudFormationTemplatesTest.list;
import static org.gwlbinspect.appliance.production.CloudFormationTemplatesTest.map;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gwlbinspect.appliance.TestAppliance;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/prometheus/alerts.yml names only metrics and drop reasons that a running appliance (with a policy) exports,
 * and, when promtool is installed (Debian's prometheus package; .ci/run extracts it), passes {@code promtool check}
 * and its unit tests (alerts.test.yml).
 */
class AlertRulesIT {
    private static final Path PROMETHEUS = Tools.REPOSITORY.resolve("deploy/prometheus");
    private static final Pattern METRIC = Pattern.compile("\\b(appliance_[a-z_]+)\\b");
    private static final Pattern REASONS = Pattern.compile("reason(=~|=)\"([^\"]+)\"");

    @Test
    void rulesNameMetricsAndReasonsTheApplianceExports() throws Exception {
        String policy = Tools.REPOSITORY.resolve("packer/files/policy.json").toString();
        String metrics;
        try (TestAppliance appliance = TestAppliance.start("policy.path=" + policy)) {
            metrics = appliance.metrics();
        }
        Set<String> exported = new LinkedHashSet<>();
        for (String line : metrics.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) exported.add(line.split("[{ ]", 2)[0]);
        }
        Set<String> named = new LinkedHashSet<>();
        Set<String> reasons = new LinkedHashSet<>();
        for (Object group : list(map(new Yaml().load(Files.readString(PROMETHEUS.resolve("alerts.yml"))))
                .get("groups"))) {
            for (Object rule : list(map(group).get("rules"))) {
                String expr = (String) map(rule).get("expr");
                Matcher m = METRIC.matcher(expr);
                while (m.find()) named.add(m.group(1));
                Matcher r = REASONS.matcher(expr);
                while (r.find()) {
                    for (String reason : r.group(2).split("\\|")) if (!reason.contains(".*")) reasons.add(reason);
                }
            }
        }
        assertThat(named).isNotEmpty();
        assertThat(exported).as("metrics on /metrics").containsAll(named);
        for (String reason : reasons)
            assertThat(metrics).as("drop reason " + reason).contains("reason=\"" + reason + "\"");
        // The wildcard families match real reasons.
        assertThat(metrics).contains("reason=\"geneve_truncated\"").contains("reason=\"inner_ipv4_truncated\"");
    }

    @Test
    void promtoolAcceptsTheConfigurationAndTheRulesPassTheirUnitTests() throws Exception {
        Tools.require("promtool", "prometheus (.ci/run extracts only its promtool)");
        // No network: checking an ec2_sd_configs block must not reach AWS.
        Tools.run(
                        60,
                        "unshare",
                        "--net",
                        "promtool",
                        "check",
                        "config",
                        PROMETHEUS.resolve("prometheus.yml").toString())
                .assertSucceeded("promtool check config");
        Tools.Result tests = Tools.run(60, "sh", "-c", "cd " + PROMETHEUS + " && promtool test rules alerts.test.yml");
        tests.assertSucceeded("promtool test rules");
        assertThat(tests.output()).contains("SUCCESS");
    }
}
