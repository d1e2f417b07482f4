package org.gwlbinspect.appliance.sim.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the alerts the appliance appended to its EVE alert log ({@code logs.alertFile}, docs/logs.md) since a
 * position: the runner notes the position before a request and reads what came after it. A file that shrank was
 * rotated; reading then starts at its beginning (alerts written to the rotated file in between are not counted).
 */
public final class AlertLogTail {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public AlertLogTail(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The current end of the log: the position to read from after the next request. 0 while it does not exist. */
    public long position() throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    /** Every alert record in the complete lines after {@code position}, in order; non-alert records are skipped. */
    public List<Alert> alertsSince(long position) throws IOException {
        return readFrom(position).alerts();
    }

    /**
     * The alert records in the complete lines after {@code position}, and the position after the last of those lines:
     * a line still being written is left for the next read.
     */
    public Read readFrom(long position) throws IOException {
        byte[] appended;
        long start;
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            start = size < position ? 0 : position;
            in.skipNBytes(start);
            appended = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, size - start));
        } catch (NoSuchFileException e) {
            return new Read(List.of(), 0);
        }
        int complete = appended.length;
        while (complete > 0 && appended[complete - 1] != '\n') complete--;
        List<Alert> alerts = new ArrayList<>();
        for (String line : new String(appended, 0, complete, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) continue;
            JsonNode event = JSON.readTree(line).path("event");
            if (!"alert".equals(event.path("event_type").asText())) continue;
            JsonNode alert = event.path("alert");
            alerts.add(new Alert(
                    event.path("flow_id").asLong(),
                    alert.path("signature_id").asLong(),
                    alert.path("signature").asText(),
                    alert.path("action").asText()));
        }
        return new Read(alerts, start + complete);
    }

    /** What one {@link #readFrom} found, and where the next read starts. */
    public record Read(List<Alert> alerts, long next) {}

    /** One alert record: its flow, the rule's sid and message, and {@code blocked} or {@code allowed}. */
    public record Alert(long flowId, long signatureId, String signature, String action) {}
}
