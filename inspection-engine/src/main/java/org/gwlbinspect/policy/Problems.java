package org.gwlbinspect.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Collects the problems of one file; for JSON, knows where in the file each JSON path starts, so a problem carries
 * the line and column of the value (or of its nearest existing parent, for a missing field).
 */
final class Problems {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final String file;
    private final Map<String, int[]> positions;
    private final List<PolicyProblem> problems = new ArrayList<>();

    private Problems(String file, Map<String, int[]> positions) {
        this.file = file;
        this.positions = positions;
    }

    /** Problems of one file; JSON positions are known after {@link #parseJson}. */
    Problems(String file) {
        this(file, new HashMap<>());
    }

    /**
     * Parses a JSON document; a syntax error becomes the only problem and the tree is null.
     *
     * @return the tree, or null if the text is not JSON (see {@link #list()})
     */
    JsonNode parseJson(String json) {
        try (JsonParser parser = MAPPER.createParser(json)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME || token.isStructEnd()) continue;
                JsonStreamContext context = parser.getParsingContext();
                if (token.isStructStart()) context = context.getParent();
                JsonLocation location = parser.currentTokenLocation();
                positions.putIfAbsent(pathOf(context), new int[] {location.getLineNr(), location.getColumnNr()});
            }
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            int line = location == null ? 0 : location.getLineNr();
            int column = location == null ? 0 : location.getColumnNr();
            problems.add(new PolicyProblem(file, null, line, column, 0, "not valid JSON: " + e.getOriginalMessage()));
            return null;
        } catch (IOException e) {
            problems.add(new PolicyProblem(file, null, 0, 0, 0, "cannot read JSON: " + e.getMessage()));
            return null;
        }
    }

    private static String pathOf(JsonStreamContext context) {
        if (context == null || context.inRoot()) return "$";
        String parent = pathOf(context.getParent());
        if (context.inArray()) return parent + "[" + context.getCurrentIndex() + "]";
        return child(parent, context.getCurrentName());
    }

    /** The JSON path of a member: {@code $.a.b}, or {@code $.a['odd key']} when the key is not a plain name. */
    static String child(String parent, String key) {
        if (key != null && PLAIN_KEY.matcher(key).matches()) return parent + "." + key;
        return parent + "['" + String.valueOf(key).replace("'", "\\'") + "']";
    }

    String file() {
        return file;
    }

    /** A problem at a JSON path. */
    void at(String jsonPath, String message) {
        int[] position = positionOf(jsonPath);
        problems.add(new PolicyProblem(file, jsonPath, position[0], position[1], 0, message));
    }

    /** A problem at a line of a text file. */
    void atLine(int line, String message) {
        problems.add(new PolicyProblem(file, null, line, 0, 0, message));
    }

    void add(PolicyProblem problem) {
        problems.add(problem);
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    List<PolicyProblem> list() {
        return List.copyOf(problems);
    }

    private int[] positionOf(String jsonPath) {
        String path = jsonPath;
        while (path != null) {
            int[] position = positions.get(path);
            if (position != null) return position;
            path = parent(path);
        }
        return new int[] {0, 0};
    }

    private static String parent(String path) {
        if (path.equals("$")) return null;
        int cut = path.endsWith("]") ? path.lastIndexOf('[') : path.lastIndexOf('.');
        return cut <= 0 ? "$" : path.substring(0, cut);
    }
}
