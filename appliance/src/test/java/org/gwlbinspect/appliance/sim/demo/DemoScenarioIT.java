package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar appliance.jar gwlb-sim --demo} end to end: the simulator, the appliance with the demo policy, the
 * demo's servers and real clients. Every request must get its verdict, the alerts must be the rules' own, and the run
 * must leave no namespace and no server files behind.
 */
class DemoScenarioIT {
    private static final Path APPLIANCE_JAR = Path.of("target/appliance.jar").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    @Timeout(400)
    void demoGivesEveryRequestItsVerdictThroughTheSimulatorAndTheAppliance() throws Exception {
        // The jar is built by the package phase, before failsafe runs the ITs.
        assertThat(APPLIANCE_JAR)
                .as("run ./mvnw -B verify: package builds the jar")
                .isRegularFile();
        Path work = dir.resolve("work");
        CommandResult run = Commands.run(
                List.of(
                        ProcessHandle.current().info().command().orElseThrow(),
                        "-jar",
                        APPLIANCE_JAR.toString(),
                        "gwlb-sim",
                        "--demo",
                        "--work-dir",
                        work.toString(),
                        "--state-dir",
                        dir.resolve("state").toString(),
                        "--report",
                        dir.resolve("report.json").toString()),
                Duration.ofSeconds(360));
        String output = run.output();
        System.out.println(output); // the table, in the failsafe report

        assertThat(run.killed()).as(output).isFalse();
        assertThat(run.exitCode()).as(output).isZero();
        int requests = DemoScript.requests(ServerAddresses.of("198.51.100.10", "2001:db8:100::10"), Path.of("ca"))
                .size();
        assertThat(output).contains(requests + " requests, " + requests + " as expected, 0 differ");
        assertThat(row(output, "curl https://" + DemoSite.REJECTED + "/")).contains("REJECT    REJECT    1 (sid 1)");
        assertThat(row(output, "curl http://" + DemoSite.REJECTED + "/")).contains("REJECT    REJECT    1 (sid 2)");
        assertThat(row(output, "curl http://" + DemoSite.MIRROR + ":8080" + DemoSite.BLOCKED_DOWNLOAD))
                .containsPattern("DROP      DROP      1 \\(sid 1000101\\) +timed out after HTTP 200, \\d+ bytes");
        assertThat(row(output, "dig " + DemoSite.DNS_BLOCKED + " A")).contains("DROP      DROP      1 (sid 1000103)");
        assertThat(row(output, "curl https://" + DemoSite.NOT_LISTED + "/ ")).containsPattern("\\(sid 4 x\\d+\\)");
        assertThat(row(output, "curl https://" + DemoSite.ALLOWED + "/ ")).contains("PASS      PASS      0 ");
        assertThat(dir.resolve("report.json")).isRegularFile();

        Matcher started = Pattern.compile("gwlb-sim (gws-[0-9a-f]{6}) running").matcher(output);
        assertThat(started.find()).as(output).isTrue();
        String namespaces = Commands.runOrThrow(List.of("ip", "netns", "list"), Duration.ofSeconds(10));
        assertThat(namespaces).doesNotContain(started.group(1));
        try (Stream<Path> files = Files.walk(work)) {
            assertThat(files.map(Path::toString)).noneMatch(f -> f.contains("demo-servers-"));
        }
    }

    private static String row(String output, String label) {
        return output.lines()
                .filter(line -> line.startsWith(label))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row " + label + " in\n" + output));
    }
}
