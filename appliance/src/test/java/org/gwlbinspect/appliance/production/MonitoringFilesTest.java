package org.gwlbinspect.appliance.production;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.appliance.production.CloudFormationTemplatesTest.list;
import static org.gwlbinspect.appliance.production.CloudFormationTemplatesTest.map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The files that monitor the appliance agree with its shipped configuration (packer/files/appliance.yml): the
 * CloudWatch agent follows the alert and flow logs where the appliance writes them, Prometheus scrapes the admin
 * port, and every alert rule is complete. AlertRulesIT checks the rules' metric names against a running appliance.
 */
class MonitoringFilesTest {
    private static final Path FILES = Tools.REPOSITORY.resolve("packer/files");
    private static final Path PROMETHEUS = Tools.REPOSITORY.resolve("deploy/prometheus");

    @Test
    void cloudWatchAgentShipsTheAlertAndFlowLogsTheApplianceWrites() throws Exception {
        Map<String, Object> logs = map(yaml(FILES.resolve("appliance.yml")).get("logs"));
        JsonNode agent = new ObjectMapper()
                .readTree(FILES.resolve("cloudwatch-agent.json").toFile());
        List<String> paths = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (JsonNode file : agent.at("/logs/logs_collected/files/collect_list")) {
            paths.add(file.get("file_path").asText());
            groups.add(file.get("log_group_name").asText());
            assertThat(file.get("log_stream_name").asText()).isEqualTo("{instance_id}");
        }
        assertThat(paths).containsExactly((String) logs.get("alertFile"), (String) logs.get("flowFile"));
        assertThat(groups).containsExactly("/gwlb-inspect/alert", "/gwlb-inspect/flow");
    }

    @Test
    void prometheusScrapesTheAdminPortOfTheTaggedAppliances() throws Exception {
        Map<String, Object> server = map(yaml(FILES.resolve("appliance.yml")).get("server"));
        int adminPort =
                (Integer) map(list(server.get("adminConnectors")).get(0)).get("port");
        Map<String, Object> config = yaml(PROMETHEUS.resolve("prometheus.yml"));
        assertThat(list(config.get("rule_files"))).containsExactly("alerts.yml");
        Map<String, Object> job = map(list(config.get("scrape_configs")).get(0));
        assertThat(job).containsEntry("job_name", "gwlb-inspect").containsEntry("metrics_path", "/metrics");
        Map<String, Object> discovery = map(list(job.get("ec2_sd_configs")).get(0));
        assertThat(discovery).containsEntry("port", adminPort);
        // The tag the launch templates put on the appliances.
        assertThat(discovery.get("filters").toString())
                .contains("tag:gwlb-inspect:role")
                .contains("appliance");
        String template = Files.readString(Tools.REPOSITORY.resolve("deploy/cloudformation/distributed.yaml"));
        assertThat(template).contains("{Key: \"gwlb-inspect:role\", Value: appliance");
    }

    @Test
    void everyAlertRuleHasAnExpressionASeverityAndAnExplanation() throws Exception {
        List<Object> groups = list(yaml(PROMETHEUS.resolve("alerts.yml")).get("groups"));
        List<String> names = new ArrayList<>();
        for (Object group : groups) {
            for (Object r : list(map(group).get("rules"))) {
                Map<String, Object> rule = map(r);
                String name = (String) rule.get("alert");
                names.add(name);
                assertThat((String) rule.get("expr")).as(name).isNotBlank().contains("job=\"gwlb-inspect\"");
                assertThat(map(rule.get("labels")).get("severity")).as(name).isIn("critical", "warning");
                assertThat(map(rule.get("annotations"))).as(name).containsKeys("summary", "description");
            }
        }
        assertThat(names)
                .doesNotHaveDuplicates()
                .contains("GwlbInspectUnhealthy", "GwlbInspectDataPathDrops", "GwlbInspectFlowTableNearFull");
        // docs/operations.md explains every alert.
        String operations = Files.readString(Tools.REPOSITORY.resolve("docs/operations.md"));
        for (String name : names)
            assertThat(operations).as("docs/operations.md explains " + name).contains(name);
    }

    private static Map<String, Object> yaml(Path file) throws Exception {
        return map(new Yaml().load(Files.readString(file)));
    }
}
