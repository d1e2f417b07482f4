package org.gwlbinspect.appliance.sim.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertLogTailTest {
    /** An alert record as docs/logs.md shows it (StatefulInspectorTest's bytes), with a given sid. */
    static String alertLine(long flowId, long sid, String signature) {
        return "{\"firewall_name\":\"networkfirewall\",\"availability_zone\":\"eu-west-1a\","
                + "\"event_timestamp\":\"1755003965\",\"event\":{\"timestamp\":\"2025-08-12T13:06:05.004000+0000\","
                + "\"flow_id\":" + flowId + ",\"event_type\":\"alert\",\"src_ip\":\"10.77.0.2\",\"src_port\":40001,"
                + "\"dest_ip\":\"198.51.100.80\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\","
                + "\"direction\":\"to_server\",\"alert\":{\"action\":\"blocked\",\"signature_id\":" + sid
                + ",\"rev\":0,\"signature\":\"" + signature + "\",\"category\":\"\",\"severity\":3},"
                + "\"verdict\":{\"action\":\"drop\"},\"tls\":{\"sni\":\"blocked.demo.test\",\"version\":\"UNDETERMINED\"}}}\n";
    }

    private static final String NETFLOW_LINE = "{\"firewall_name\":\"networkfirewall\",\"event\":{\"event_type\":"
            + "\"netflow\",\"src_ip\":\"10.77.0.2\",\"netflow\":{\"pkts\":6}}}\n";

    @TempDir
    Path dir;

    private void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void readsTheAlertsAppendedSinceAPosition() throws Exception {
        Path file = dir.resolve("alert.json");
        AlertLogTail tail = new AlertLogTail(file);
        append(file, alertLine(7, 4, "aws:alert_established action"));
        long position = tail.position();

        append(file, alertLine(8, 1000101, "demo: response carries the blocked marker") + NETFLOW_LINE);
        append(file, alertLine(7, 4, "aws:alert_established action"));

        assertThat(tail.alertsSince(position))
                .containsExactly(
                        new AlertLogTail.Alert(8, 1000101, "demo: response carries the blocked marker", "blocked"),
                        new AlertLogTail.Alert(7, 4, "aws:alert_established action", "blocked"));
    }

    @Test
    void leavesALineStillBeingWrittenForTheNextRead() throws Exception {
        Path file = dir.resolve("alert.json");
        AlertLogTail tail = new AlertLogTail(file);
        String line = alertLine(7, 4, "aws:alert_established action");
        append(file, line.substring(0, 50));

        assertThat(tail.readFrom(0)).isEqualTo(new AlertLogTail.Read(java.util.List.of(), 0));
        append(file, line.substring(50) + line.substring(0, 50));
        AlertLogTail.Read read = tail.readFrom(0);
        assertThat(read.alerts()).hasSize(1);
        assertThat(read.next()).isEqualTo(line.length()); // the next read starts at the unfinished line
    }

    @Test
    void readsFromTheStartOfARotatedFileAndNothingFromAMissingOne() throws Exception {
        Path file = dir.resolve("alert.json");
        AlertLogTail tail = new AlertLogTail(file);
        assertThat(tail.position()).isZero();
        assertThat(tail.alertsSince(0)).isEmpty();

        append(file, alertLine(1, 4, "a").repeat(3));
        long position = tail.position();
        Files.move(file, dir.resolve("alert.json.1")); // the appliance rotated it
        append(file, alertLine(2, 1000103, "b"));

        assertThat(tail.alertsSince(position))
                .extracting(AlertLogTail.Alert::signatureId)
                .containsExactly(1000103L);
    }
}
