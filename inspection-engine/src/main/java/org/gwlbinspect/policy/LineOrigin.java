package org.gwlbinspect.policy;

/**
 * Where one line of a generated rules text came from, so that an error found in that line points at what the user
 * wrote.
 *
 * @param jsonPath JSON path of the source value (e.g. {@code ...StatefulRules[3]}), or null for a plain file
 * @param line 1-based line in the file the rule came from, or 0 when the JSON path alone locates it
 */
public record LineOrigin(String jsonPath, int line) {}
