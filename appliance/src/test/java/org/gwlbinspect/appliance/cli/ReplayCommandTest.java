package org.gwlbinspect.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.sourceforge.argparse4j.ArgumentParsers;
import net.sourceforge.argparse4j.inf.ArgumentParser;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
    private static final Path PCAPS = Path.of("src", "test", "resources", "pcap");
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final ReplayCommand command = new ReplayCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    private Namespace parse(String... args) throws Exception {
        ArgumentParser parser = ArgumentParsers.newFor("appliance.jar").build();
        Subparser sub = parser.addSubparsers().addParser("replay");
        command.configure(sub);
        String[] all = new String[args.length + 1];
        all[0] = "replay";
        System.arraycopy(args, 0, all, 1, args.length);
        return parser.parseArgs(all);
    }

    @Test
    void printsASummaryWithPacketsPerSecondAlertsAndLogs(@TempDir Path logs) throws Exception {
        int status = command.run(parse(
                "--policy",
                "../examples/policies/egress-strict-allowlist.json",
                "--logs",
                logs.toString(),
                PCAPS.resolve("http.pcap").toString()));

        assertThat(status).isZero();
        String summary = out.toString(StandardCharsets.UTF_8);
        assertThat(summary)
                .containsPattern("replayed .*http.pcap \\(Ethernet, 24 packets over 0.199 s of capture\\) with "
                        + ".*egress-strict-allowlist.json in [0-9.]+ s: [0-9]+ packets/s")
                // the loop's own CPU time, which the load of other processes hardly inflates
                .containsPattern("\n  cpu       [0-9]+\\.[0-9]{3} s of the replay thread, [0-9]+ ns per packet\n")
                .contains("  passed    19\n")
                .contains("  dropped   5 (policy_drop: 5)\n")
                .contains("  alerts    5 (sid 4: 5)\n")
                .contains("  flows     2\n")
                .contains("  logs      5 alert and 4 netflow records\n");
        assertThat(Files.readAllLines(logs.resolve("verdicts.json"))).hasSize(24);
    }

    @Test
    void exitsWithTheBrokenPacketsIndexWhenTheCaptureIsTruncated(@TempDir Path dir) throws Exception {
        byte[] pcap = Files.readAllBytes(PCAPS.resolve("http.pcap"));
        Path cut = Files.write(dir.resolve("cut.pcap"), Arrays.copyOf(pcap, 700));

        assertThat(command.run(parse(cut.toString()))).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("replay: " + cut + ": packet 6: truncated dump file; tried to read 251 captured bytes, "
                        + "only got 160 (the 5 packets before it were read)\n");
    }

    @Test
    void readsEndpointIdsAsVpcEndpointIdsHexOrDecimal() {
        assertThat(ReplayCommand.endpointId("vpce-01234567890abcdef")).isEqualTo(0x01234567890abcdefL);
        assertThat(ReplayCommand.endpointId("0xABCDEF")).isEqualTo(0xABCDEFL);
        assertThat(ReplayCommand.endpointId("42")).isEqualTo(42);
        assertThatThrownBy(() -> ReplayCommand.endpointId("vpce-1234567890abcdef12"))
                .hasMessageContaining("expected vpce-<17 hex digits>");
    }

    @Test
    void needsACaptureExceptForALoadTestOfSyntheticFlows() throws Exception {
        assertThat(command.run(parse())).isEqualTo(1);
        assertThat(command.run(parse("--target", "127.0.0.1:6081"))).isEqualTo(1);
        assertThat(command.run(
                        parse("--target", "127.0.0.1:6081", "--synthetic-flows", "10", "--synthetic-payload", "20")))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("replay: give a capture file (only --target can do without one, with --synthetic-flows)\n"
                        + "replay: give a capture file, --synthetic-flows N, or both\n"
                        + "replay: --synthetic-payload must be in [66, 1460]\n");
    }

    @Test
    void keepsAStreamStatePerFlowOfTheTableUnlessStreamsIsGiven() throws Exception {
        assertThat(ReplayCommand.options(parse("--flows", "100000", "x.pcap")).streamCapacity())
                .isEqualTo(100_000);
        assertThat(ReplayCommand.options(parse("--flows", "1048576", "x.pcap")).streamCapacity())
                .isEqualTo(131_072);
        assertThat(ReplayCommand.options(parse("--flows", "100000", "--streams", "16384", "x.pcap"))
                        .streamCapacity())
                .isEqualTo(16_384);
        assertThat(command.run(
                        parse("--streams", "-1", PCAPS.resolve("http.pcap").toString())))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("replay: --streams must be in 0..4194304, got -1\n");
    }
}
