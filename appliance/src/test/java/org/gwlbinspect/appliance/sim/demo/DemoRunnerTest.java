package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner with a scripted executor: which exit code each table gets, and the alerts counted per request. */
class DemoRunnerTest {
    private static final OutcomeClassifier PAGE = ClientOutputs.curl("hello");
    private static final String PASSED = "hello\ncurl: http=200 bytes=6\n";
    private static final String TIMED_OUT = "curl: (28) Operation timed out\ncurl: http=000 bytes=0\n";
    private static final String RESET = "curl: (56) Recv failure: Connection reset by peer\n";

    @TempDir
    Path dir;

    private final List<List<String>> ran = new ArrayList<>();
    private final ByteArrayOutputStream table = new ByteArrayOutputStream();

    private static DemoRequest request(String name, Outcome expected) {
        return new DemoRequest(
                "curl http://" + name + "/",
                "why " + name,
                List.of("curl", name),
                expected,
                Duration.ofSeconds(1),
                PAGE);
    }

    /** An executor that answers each command by its last argument and appends alert records to {@code log}. */
    private ClientExecutor scripted(Map<String, CommandResult> byName, Map<String, String> alertsByName, Path log) {
        return (argv, limit) -> {
            ran.add(argv);
            String name = argv.getLast();
            if (alertsByName.containsKey(name))
                Files.writeString(log, alertsByName.get(name), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return byName.get(name);
        };
    }

    private int run(ClientExecutor executor, Optional<AlertLogTail> alerts, List<DemoRequest> requests)
            throws Exception {
        return new DemoRunner(executor, alerts, Duration.ZERO)
                .run(
                        requests,
                        new PrintStream(table, true, StandardCharsets.UTF_8),
                        new PrintStream(PrintStream.nullOutputStream()));
    }

    @Test
    void exitsZeroAndCountsAlertsPerRequestFlowWhenEveryVerdictIsAsExpected() throws Exception {
        Path log = dir.resolve("alert.json");
        Files.writeString(log, AlertLogTailTest.alertLine(1, 4, "before the demo")); // not counted
        ClientExecutor executor = scripted(
                Map.of(
                        "a", CommandResult.exited(0, PASSED, Duration.ofMillis(5)),
                        "b", CommandResult.exited(28, TIMED_OUT, Duration.ofMillis(3000)),
                        "c", CommandResult.exited(56, RESET, Duration.ofMillis(7))),
                Map.of(
                        "b",
                        AlertLogTailTest.alertLine(20, 4, "x").repeat(2),
                        // flow 20 is b's: its late alert counts for b, not for c
                        "c",
                        AlertLogTailTest.alertLine(30, 1000104, "y") + AlertLogTailTest.alertLine(20, 4, "x")),
                log);

        int exitCode = run(
                executor,
                Optional.of(new AlertLogTail(log)),
                List.of(request("a", Outcome.PASS), request("b", Outcome.DROP), request("c", Outcome.REJECT)));

        assertThat(exitCode).isZero();
        assertThat(ran).containsExactly(List.of("curl", "a"), List.of("curl", "b"), List.of("curl", "c"));
        assertThat(table.toString(StandardCharsets.UTF_8)).isEqualTo("""
                request         expected  observed  alerts           detail
                curl http://a/  PASS      PASS      0                HTTP 200, 6 bytes (why a)
                curl http://b/  DROP      DROP      3 (sid 4 x3)     timed out after HTTP 000, 0 bytes (why b)
                curl http://c/  REJECT    REJECT    1 (sid 1000104)  reset after 7 ms (curl exit 56) (why c)
                3 requests, 3 as expected, 0 differ
                """);
    }

    @Test
    void exitsNonZeroAndMarksTheRowWhenAnObservedVerdictDiffers() throws Exception {
        ClientExecutor executor = scripted(
                Map.of(
                        "a", CommandResult.exited(0, PASSED, Duration.ofMillis(5)),
                        "b", CommandResult.exited(0, PASSED, Duration.ofMillis(5))),
                Map.of(),
                dir.resolve("unused"));

        int exitCode = run(executor, Optional.empty(), List.of(request("a", Outcome.PASS), request("b", Outcome.DROP)));

        assertThat(exitCode).isEqualTo(1);
        assertThat(table.toString(StandardCharsets.UTF_8)).isEqualTo("""
                request         expected  observed           alerts  detail
                curl http://a/  PASS      PASS               -       HTTP 200, 6 bytes (why a)
                curl http://b/  DROP      PASS  <-- differs  -       HTTP 200, 6 bytes (why b)
                2 requests, 1 as expected, 1 differ
                """);
    }

    @Test
    void aFailedCommandIsNeverTheExpectedVerdict() throws Exception {
        ClientExecutor executor = scripted(
                Map.of("a", CommandResult.exited(6, "curl: (6) Could not resolve host: a\n", Duration.ofMillis(1))),
                Map.of(),
                dir.resolve("unused"));

        assertThat(run(executor, Optional.empty(), List.of(request("a", Outcome.DROP))))
                .isEqualTo(1);
        assertThat(table.toString(StandardCharsets.UTF_8))
                .contains("DROP      FAILED  <-- differs", "curl exit 6: curl: (6) Could not resolve host: a");
    }
}
