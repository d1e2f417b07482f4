package org.gwlbinspect.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.appliance.learn.EveLines.defaultAlert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gwlbinspect.appliance.learn.EveLines;
import org.gwlbinspect.appliance.learn.TargetForm;
import org.gwlbinspect.detect.CompiledPolicy;
import org.gwlbinspect.detect.PolicyCompiler;
import org.gwlbinspect.policy.PolicyLoadOptions;
import org.gwlbinspect.policy.RuleOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuggestAllowlistCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final SuggestAllowlistCommand command = new SuggestAllowlistCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    private Path log(String... lines) throws Exception {
        return Files.writeString(dir.resolve("alert.json"), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    private SuggestAllowlistCommand.Options options(List<Path> files, TargetForm form, Path base, Path bundle) {
        return new SuggestAllowlistCommand.Options(
                files,
                dir.resolve("learned.json"),
                bundle,
                base,
                dir.resolve("report.json"),
                "learned-allowlist",
                RuleOrder.STRICT_ORDER,
                form,
                false,
                false);
    }

    private static List<String> targets(JsonNode group) {
        List<String> targets = new ArrayList<>();
        group.path("RuleGroup")
                .path("RulesSource")
                .path("RulesSourceList")
                .path("Targets")
                .forEach(t -> targets.add(t.asText()));
        return targets;
    }

    private Path mixedLog() throws Exception {
        return log(
                defaultAlert("10:00", 1, "www.example.co.uk", null),
                defaultAlert("10:01", 2, null, "api.example.co.uk"),
                defaultAlert("10:02", 3, "alice.github.io", null),
                defaultAlert("10:03", 4, "github.io", null),
                defaultAlert("10:04", 5, "203.0.113.7", null),
                defaultAlert("10:05", 6, "www.demo.test", null),
                defaultAlert("10:06", 7, "www.example.org.", null),
                EveLines.alert("2026-11-26T01:10:07.000000+0000", 8, 100, "deny", "evil.example.net", null));
    }

    @Test
    void writesARegistrableDomainAllowListThatCheckPolicyAccepts() throws Exception {
        Path log = mixedLog();
        assertThat(command.suggest(options(List.of(log), TargetForm.REGISTRABLE, null, null)))
                .isZero();
        JsonNode group = json.readTree(dir.resolve("learned.json").toFile());
        assertThat(targets(group)).containsExactly(".alice.github.io", ".example.co.uk", "github.io");
        JsonNode list = group.path("RuleGroup").path("RulesSource").path("RulesSourceList");
        assertThat(list.path("TargetTypes").toString()).isEqualTo("[\"TLS_SNI\",\"HTTP_HOST\"]");
        assertThat(list.path("GeneratedRulesType").asText()).isEqualTo("ALLOWLIST");
        assertThat(group.path("RuleGroup")
                        .path("StatefulRuleOptions")
                        .path("RuleOrder")
                        .asText())
                .isEqualTo("STRICT_ORDER");
        JsonNode response = group.path("RuleGroupResponse");
        assertThat(response.path("RuleGroupName").asText()).isEqualTo("learned-allowlist");
        assertThat(response.path("Capacity").asInt()).isEqualTo(100);
        assertThat(response.path("Description").asText())
                .isEqualTo("Learned by gwlb-inspect suggest-allowlist: 3 entries for 4 names seen"
                        + " 2026-11-26T01:10:00Z to 2026-11-26T01:10:03Z, from 8 alert records");

        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table)
                .contains("203.0.113.7", "an IP address")
                .contains("www.demo.test", "under no public suffix")
                .contains("www.example.org.", "ends with a dot")
                .contains("seen only in alerts of other rules", "evil.example.net", "sid 100")
                .contains("wrote " + dir.resolve("learned.json") + " (3 entries, STRICT_ORDER)");
        JsonNode report = json.readTree(dir.resolve("report.json").toFile());
        JsonNode uk = report.path("entries").get(1);
        assertThat(uk.path("target").asText()).isEqualTo(".example.co.uk");
        assertThat(uk.path("flows").asInt()).isEqualTo(2);
        assertThat(uk.path("first_seen").asText()).isEqualTo("2026-11-26T01:10:00Z");
        assertThat(uk.path("last_seen").asText()).isEqualTo("2026-11-26T01:10:01Z");
        assertThat(uk.path("names").toString()).contains("\"name\":\"api.example.co.uk\"", "\"via\":[\"http\"]");
        assertThat(report.path("not_listed").toString()).contains("\"reason\":\"ip_literal\"");

        CheckPolicyCommand check = new CheckPolicyCommand(
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(check.check(dir.resolve("learned.json"), PolicyLoadOptions.DEFAULT_HOME_NET, false))
                .as(err.toString(StandardCharsets.UTF_8))
                .isZero();
    }

    @Test
    void writesOneExactEntryPerNameOnRequest() throws Exception {
        assertThat(command.suggest(options(List.of(mixedLog()), TargetForm.EXACT, null, null)))
                .isZero();
        assertThat(targets(json.readTree(dir.resolve("learned.json").toFile())))
                .containsExactly("alice.github.io", "api.example.co.uk", "github.io", "www.example.co.uk");
    }

    @Test
    void addsTheGroupToABaseBundleAfterItsOtherGroupsAndTheBundleLoads() throws Exception {
        Path base = dir.resolve("base.json");
        Files.copy(Path.of("../examples/policies/learning-monitor.json"), base);
        Path bundle = dir.resolve("enforce.json");
        assertThat(command.suggest(options(List.of(mixedLog()), TargetForm.REGISTRABLE, base, bundle)))
                .as(err.toString(StandardCharsets.UTF_8))
                .isZero();
        JsonNode written = json.readTree(bundle.toFile());
        JsonNode references = written.path("FirewallPolicy").path("StatefulRuleGroupReferences");
        assertThat(references.size()).isEqualTo(2);
        assertThat(references.get(1).path("ResourceArn").asText())
                .isEqualTo("arn:aws:network-firewall:eu-west-1:123456789012:stateful-rulegroup/learned-allowlist");
        assertThat(references.get(1).path("Priority").asInt()).isEqualTo(110);
        CompiledPolicy compiled = new PolicyCompiler(PolicyLoadOptions.defaults()).compile(bundle);
        assertThat(compiled.policy().statefulGroups()).hasSize(2);
        assertThat(compiled.policy().statefulGroups().get(1).name()).isEqualTo("learned-allowlist");
        compiled.patterns().close();

        // Learning again replaces the group and keeps its reference.
        Path again = dir.resolve("enforce2.json");
        assertThat(command.suggest(options(List.of(mixedLog()), TargetForm.EXACT, bundle, again)))
                .isZero();
        JsonNode second = json.readTree(again.toFile());
        assertThat(second.path("FirewallPolicy")
                        .path("StatefulRuleGroupReferences")
                        .size())
                .isEqualTo(2);
        assertThat(second.path("RuleGroups").size()).isEqualTo(2);
        assertThat(targets(second.path("RuleGroups").get(1))).contains("www.example.co.uk");
    }

    @Test
    void failsWithTheFileAndLineOfAnInputThatIsNotAnEveLogAndWritesNothing() throws Exception {
        Path notEve = Files.writeString(dir.resolve("notes.txt"), "hello\n");
        assertThat(command.suggest(options(List.of(mixedLog(), notEve), TargetForm.REGISTRABLE, null, null)))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("suggest-allowlist: " + notEve + ":1: not an EVE log: not JSON (");
        assertThat(dir.resolve("learned.json")).doesNotExist();
        assertThat(command.suggest(options(List.of(dir.resolve("missing.json")), TargetForm.REGISTRABLE, null, null)))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(dir.resolve("missing.json") + ": no such file");
    }

    @Test
    void failsWhenNoNameCanBeAllowed() throws Exception {
        Path log = log(defaultAlert("10:00", 1, "203.0.113.7", null), EveLines.netflow(1));
        assertThat(command.suggest(options(List.of(log), TargetForm.REGISTRABLE, null, null)))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("suggest-allowlist: no name to allow in 1 alert records of 1 file(s); nothing written");
        assertThat(dir.resolve("learned.json")).doesNotExist();
    }

    @Test
    void reportsCorruptLinesAndStillWritesTheList() throws Exception {
        Path log = log(defaultAlert("10:00", 1, "www.example.com", null), "{not json", "");
        assertThat(command.suggest(options(List.of(log), TargetForm.REGISTRABLE, null, null)))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("1 bad lines", "bad line: " + log + ":2: not JSON (");
        assertThat(targets(json.readTree(dir.resolve("learned.json").toFile()))).containsExactly(".example.com");
    }
}
