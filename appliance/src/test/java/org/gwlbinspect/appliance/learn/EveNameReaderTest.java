package org.gwlbinspect.appliance.learn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gwlbinspect.appliance.learn.EveLines.defaultAlert;
import static org.gwlbinspect.appliance.learn.EveLines.netflow;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EveNameReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws Exception {
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    @Test
    void collectsTlsAndHttpNamesWithFlowsRecordsAndFirstAndLastSeen() throws Exception {
        Path log = write(
                "alert.json",
                defaultAlert("10:00", 1, "WWW.example.com", null),
                defaultAlert("10:05", 1, "www.example.com", null), // a later packet of the same flow
                defaultAlert("09:59", 2, null, "www.example.com"),
                netflow(1),
                defaultAlert("11:00", 3, null, null));
        EveNameReader reader = new EveNameReader(false);
        reader.read(log);
        assertThat(reader.names()).containsOnlyKeys("www.example.com");
        NameStats www = reader.names().get("www.example.com");
        assertThat(www.flows()).isEqualTo(2);
        assertThat(www.records()).isEqualTo(3);
        assertThat(SuggestionReport.time(www.firstMicros())).isEqualTo("2026-11-26T01:09:59Z");
        assertThat(SuggestionReport.time(www.lastMicros())).isEqualTo("2026-11-26T01:10:05Z");
        assertThat(www.sources()).containsExactly(NameSource.TLS_SNI, NameSource.HTTP_HOST);
        assertThat(www.notAllowed()).isTrue();
        assertThat(reader.alertRecords()).isEqualTo(4);
        assertThat(reader.netflowRecords()).isEqualTo(1);
        assertThat(reader.namelessAlerts()).containsExactly(java.util.Map.entry("dns", 1L));
        assertThat(reader.badLines()).isZero();
    }

    @Test
    void keepsNamesOnlyOtherRulesAlertedOnApartWithTheirSids() throws Exception {
        Path log = write(
                "alert.json",
                EveLines.alert("2026-11-26T01:00:00.000000+0000", 7, 100, "deny evil", "evil.example.com", null),
                EveLines.alert(
                        "2026-11-26T01:00:00.000000+0000",
                        8,
                        3,
                        "not matching any TLS allowlisted FQDNs",
                        "a.b.com",
                        null));
        EveNameReader reader = new EveNameReader(false);
        reader.read(log);
        assertThat(reader.names().get("evil.example.com").notAllowed()).isFalse();
        assertThat(reader.names().get("evil.example.com").otherRuleSids()).containsExactly(100L);
        assertThat(reader.names().get("a.b.com").notAllowed()).isTrue();

        EveNameReader all = new EveNameReader(true);
        all.read(log);
        assertThat(all.names().get("evil.example.com").notAllowed()).isTrue();
    }

    @Test
    void countsACorruptLineWithItsFileAndLineAndReadsOn() throws Exception {
        Path log = write(
                "alert.json",
                defaultAlert("10:00", 1, "www.example.com", null),
                "{\"event\":{\"event_type\":\"alert\",\"tls\":{\"sni\":\"torn.exa",
                "",
                "[1,2]",
                defaultAlert("10:01", 2, "api.example.com", null));
        EveNameReader reader = new EveNameReader(false);
        reader.read(log);
        assertThat(reader.names()).containsOnlyKeys("www.example.com", "api.example.com");
        assertThat(reader.badLines()).isEqualTo(2);
        assertThat(reader.problems()).hasSize(2);
        assertThat(reader.problems().get(0).toString()).startsWith(log + ":2: not JSON (");
        assertThat(reader.problems().get(1).toString()).isEqualTo(log + ":4: not a JSON object");
    }

    @Test
    void refusesAFileThatIsNotAnEveLogNamingItsFirstLine() throws Exception {
        Path notEve = write("policy.json", "{\"FirewallPolicy\": {}}", defaultAlert("10:00", 1, "x.example.com", null));
        assertThatThrownBy(() -> new EveNameReader(false).read(notEve))
                .isInstanceOf(EveInputException.class)
                .hasMessage(notEve + ":1: not an EVE log: not an EVE record (no event_type)");
        Path pretty = write("policy-pretty.json", "{", "  \"FirewallPolicy\": {}", "}");
        assertThatThrownBy(() -> new EveNameReader(false).read(pretty))
                .isInstanceOf(EveInputException.class)
                .hasMessage(pretty + ":1: not an EVE log: not JSON (Unexpected end-of-input: expected close marker"
                        + " for Object)");
        Path binary = dir.resolve("capture.pcap");
        Files.write(binary, new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0, 0, 0});
        assertThatThrownBy(() -> new EveNameReader(false).read(binary))
                .isInstanceOf(EveInputException.class)
                .hasMessageStartingWith(binary + ":1: not an EVE log: not JSON (");
    }

    @Test
    void readsGzipCompressedRotatedLogsAndBareSuricataEvents() throws Exception {
        Path gz = dir.resolve("alert.json.1.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write((defaultAlert("10:00", 1, "www.example.com", null) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Path bare = write(
                "eve.json",
                "{\"timestamp\":\"2026-11-26T01:12:00.123456+0000\",\"flow_id\":9,\"event_type\":\"alert\","
                        + "\"alert\":{\"signature_id\":4,\"signature\":\"aws:alert_established action\"},"
                        + "\"http\":{\"hostname\":\"api.example.com\"}}",
                "{\"timestamp\":\"2026-11-26T01:12:00.123456+0000\",\"event_type\":\"stats\"}");
        EveNameReader reader = new EveNameReader(false);
        reader.read(gz);
        reader.read(bare);
        assertThat(reader.names()).containsOnlyKeys("www.example.com", "api.example.com");
        assertThat(reader.files()).isEqualTo(2);
        assertThat(reader.otherRecords()).isEqualTo(1);
    }

    @Test
    void reportsTruncatedGzipDataWithTheFile() throws Exception {
        Path gz = dir.resolve("alert.json.2.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            for (int i = 0; i < 200; i++) {
                out.write((defaultAlert("10:00", i, "www.example.com", null) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] whole = Files.readAllBytes(gz);
        Files.write(gz, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> new EveNameReader(false).read(gz))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageStartingWith(gz + ": corrupt or truncated gzip data");
    }

    @Test
    void cutsAnEndlessLineInsteadOfHoldingIt() throws Exception {
        Path log = write(
                "alert.json",
                defaultAlert("10:00", 1, "www.example.com", null),
                "x".repeat(EveNameReader.MAX_LINE_CHARS + 10),
                defaultAlert("10:01", 2, "api.example.com", null));
        EveNameReader reader = new EveNameReader(false);
        reader.read(log);
        assertThat(reader.names()).containsOnlyKeys("www.example.com", "api.example.com");
        assertThat(List.copyOf(reader.problems()).get(0).toString())
                .isEqualTo(log + ":2: line longer than 1048576 characters: not an EVE record");
    }
}
