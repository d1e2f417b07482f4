package org.gwlbinspect.appliance.learn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * Reads EVE logs (docs/logs.md: NFW's envelope around a Suricata event, or a bare Suricata event) and collects the
 * names of alert records: {@code tls.sni} and {@code http.hostname}. Plain or gzip-compressed (told by the file's first
 * bytes), one record per line; the appliance's rotated copies ({@code alert.json.1} ...) are files like any other.
 *
 * <p>A file whose first record is not an EVE record is refused ({@link EveInputException}, with the line); a later
 * line that is not (a line torn by a crash, a stray message) is counted and its file and line kept for the report.
 * Netflow records carry no names: they are counted and skipped.
 */
public final class EveNameReader {
    /** Longer lines are not records (NFW's longest alert is a few KiB): cut, counted as corrupt. */
    static final int MAX_LINE_CHARS = 1 << 20;
    /** Problems kept with their file and line for the report; the rest are only counted. */
    static final int KEPT_PROBLEMS = 20;

    private static final DateTimeFormatter EVE_TIME = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .appendOffset("+HHMM", "+0000")
            .toFormatter(Locale.ROOT);

    /** A line that was not a usable record. */
    public record LineProblem(Path file, long line, String problem) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + problem;
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final boolean allAlerts;
    private final Map<String, NameStats> names = new LinkedHashMap<>();
    private final Map<String, Long> namelessAlerts = new TreeMap<>();
    private final List<LineProblem> problems = new ArrayList<>();
    private long badLines;
    private long alertRecords;
    private long netflowRecords;
    private long otherRecords;
    private int files;

    /**
     * @param allAlerts learn the names of every alert record; by default only those no rule allowed: a default
     *     action's record ({@code aws:..._action}, sids 2, 4, 6, 8) or an allow-list's generated drop rule ({@code not
     *     matching any ... allowlisted FQDNs}), so that a name a deny list or a signature flagged is not learned
     */
    public EveNameReader(boolean allAlerts) {
        this.allAlerts = allAlerts;
    }

    /** Reads one file; its names are added to those of the files read before. */
    public void read(Path file) throws IOException, EveInputException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
                Reader reader = new InputStreamReader(decompressed(raw), StandardCharsets.UTF_8)) {
            files++;
            BoundedLineReader lines = new BoundedLineReader(reader, MAX_LINE_CHARS);
            boolean first = true;
            String line;
            while ((line = lines.next()) != null) {
                if (line.isBlank()) continue;
                String problem = lines.lastWasCut()
                        ? "line longer than " + MAX_LINE_CHARS + " characters: not an EVE record"
                        : readRecord(line);
                if (problem != null) {
                    if (first) throw new EveInputException(file, lines.lineNumber(), "not an EVE log: " + problem);
                    badLines++;
                    if (problems.size() < KEPT_PROBLEMS)
                        problems.add(new LineProblem(file, lines.lineNumber(), problem));
                }
                first = false;
            }
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new IOException(file + ": corrupt or truncated gzip data: " + e.getMessage(), e);
        }
    }

    private static InputStream decompressed(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 65536) : in;
    }

    /** Null when the line was an EVE record (used or not), else what is wrong with it. */
    private String readRecord(String line) {
        JsonNode root;
        try {
            root = json.readTree(line);
        } catch (JsonProcessingException e) {
            return "not JSON (" + briefly(e.getOriginalMessage()) + ")";
        }
        if (root == null || !root.isObject()) return "not a JSON object";
        // NFW's envelope, or a bare Suricata EVE event (eve.json)
        JsonNode event = root.has("event") ? root.get("event") : root;
        JsonNode type = event.get("event_type");
        if (!event.isObject() || type == null || !type.isTextual()) return "not an EVE record (no event_type)";
        switch (type.asText()) {
            case "alert" -> {
                return readAlert(root, event);
            }
            case "netflow", "flow" -> netflowRecords++;
            default -> otherRecords++;
        }
        return null;
    }

    private String readAlert(JsonNode root, JsonNode event) {
        long micros;
        try {
            micros = timestampMicros(root, event);
        } catch (DateTimeParseException | NumberFormatException e) {
            return "alert record without a readable timestamp";
        }
        alertRecords++;
        JsonNode alert = event.path("alert");
        String signature = alert.path("signature").asText("");
        long sid = alert.path("signature_id").asLong(-1);
        boolean notAllowed = allAlerts || notAllowedBy(signature);
        long flowId = event.path("flow_id").asLong(0);
        boolean named = false;
        JsonNode sni = event.path("tls").path("sni");
        if (sni.isTextual()) {
            add(sni.asText(), NameSource.TLS_SNI, flowId, micros, notAllowed, sid);
            named = true;
        }
        JsonNode host = event.path("http").path("hostname");
        if (host.isTextual()) {
            add(host.asText(), NameSource.HTTP_HOST, flowId, micros, notAllowed, sid);
            named = true;
        }
        if (!named) namelessAlerts.merge(event.path("app_proto").asText("unknown"), 1L, Long::sum);
        return null;
    }

    /** Jackson's message without the location it appends (the caller names file and line). */
    static String briefly(String message) {
        String m = message == null ? "" : message;
        int newline = m.indexOf('\n');
        if (newline >= 0) m = m.substring(0, newline);
        int location = m.indexOf(" (start marker at [Source");
        if (location < 0) location = m.indexOf(" at [Source");
        return (location >= 0 ? m.substring(0, location) : m).strip();
    }

    /** The records of traffic no rule allowed: default actions (policy.md §4) and generated allow-list drops (§2.6). */
    static boolean notAllowedBy(String signature) {
        return (signature.startsWith("aws:") && signature.endsWith(" action"))
                || (signature.startsWith("not matching any ") && signature.endsWith(" allowlisted FQDNs"));
    }

    private void add(String name, NameSource source, long flowId, long micros, boolean notAllowed, long sid) {
        String key = name.toLowerCase(Locale.ROOT);
        names.computeIfAbsent(key, NameStats::new).add(source, flowId, micros, notAllowed, sid);
    }

    private static long timestampMicros(JsonNode root, JsonNode event) {
        JsonNode timestamp = event.get("timestamp");
        if (timestamp != null && timestamp.isTextual()) {
            OffsetDateTime t = OffsetDateTime.parse(timestamp.asText(), EVE_TIME);
            return t.toEpochSecond() * 1_000_000L + t.getNano() / 1000;
        }
        JsonNode seconds = root.get("event_timestamp");
        if (seconds == null) throw new NumberFormatException("no timestamp");
        return Long.parseLong(seconds.asText()) * 1_000_000L;
    }

    /** Every name seen, by lowercased name, in the order first seen. */
    public Map<String, NameStats> names() {
        return names;
    }

    /** Alert records without a TLS SNI or HTTP host, by {@code app_proto}: traffic a domain list cannot allow. */
    public Map<String, Long> namelessAlerts() {
        return namelessAlerts;
    }

    /** The first {@link #KEPT_PROBLEMS} lines that were not usable records. */
    public List<LineProblem> problems() {
        return problems;
    }

    public long badLines() {
        return badLines;
    }

    public long alertRecords() {
        return alertRecords;
    }

    public long netflowRecords() {
        return netflowRecords;
    }

    /** Records of other types (Suricata's own eve.json has many). */
    public long otherRecords() {
        return otherRecords;
    }

    public int files() {
        return files;
    }

    /** Reads lines of at most {@code max} characters; the rest of a longer line is skipped, and it says so. */
    static final class BoundedLineReader {
        private final Reader in;
        private final int max;
        private final StringBuilder line = new StringBuilder();
        private final char[] buffer = new char[8192];
        private int position;
        private int limit;
        private long lineNumber;
        private boolean cut;

        BoundedLineReader(Reader in, int max) {
            this.in = in;
            this.max = max;
        }

        /** The next line without its terminator, or null at the end. */
        String next() throws IOException {
            line.setLength(0);
            cut = false;
            boolean any = false;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        if (!any) return null;
                        break;
                    }
                }
                any = true;
                char c = buffer[position++];
                if (c == '\n') break;
                if (line.length() < max) line.append(c);
                else cut = true;
            }
            lineNumber++;
            int end = line.length();
            if (end > 0 && line.charAt(end - 1) == '\r') line.setLength(end - 1);
            return line.toString();
        }

        long lineNumber() {
            return lineNumber;
        }

        boolean lastWasCut() {
            return cut;
        }
    }
}
