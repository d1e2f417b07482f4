package org.gwlbinspect.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON value (possibly absent) with its JSON path, and readers that report wrong types and missing required
 * values to {@link Problems} instead of failing on the first one.
 */
record Json(JsonNode node, String path) {

    boolean present() {
        return node != null && !node.isNull() && !node.isMissingNode();
    }

    Json get(String key) {
        return new Json(node != null && node.isObject() ? node.get(key) : null, Problems.child(path, key));
    }

    /** Whether this is an object (reported when it is something else, or when required and absent). */
    boolean isObject(Problems problems, boolean required) {
        if (!present()) {
            if (required) problems.at(path, "required object is missing");
            return false;
        }
        if (!node.isObject()) {
            problems.at(path, "expected a JSON object");
            return false;
        }
        return true;
    }

    /** The elements of this array; empty when absent (reported if required) or not an array (reported). */
    List<Json> elements(Problems problems, boolean required) {
        List<Json> out = new ArrayList<>();
        if (!present()) {
            if (required) problems.at(path, "required array is missing");
            return out;
        }
        if (!node.isArray()) {
            problems.at(path, "expected a JSON array");
            return out;
        }
        for (int i = 0; i < node.size(); i++) out.add(new Json(node.get(i), path + "[" + i + "]"));
        return out;
    }

    /** The members of this object in file order, as (key, value) pairs; empty when absent or not an object. */
    List<Member> members(Problems problems) {
        List<Member> out = new ArrayList<>();
        if (!isObject(problems, false)) return out;
        node.fieldNames().forEachRemaining(key -> out.add(new Member(key, get(key))));
        return out;
    }

    /** The string value, or null when absent (reported if required) or not a string (reported). */
    String text(Problems problems, boolean required) {
        if (!present()) {
            if (required) problems.at(path, "required string is missing");
            return null;
        }
        if (!node.isTextual()) {
            problems.at(path, "expected a string");
            return null;
        }
        return node.textValue();
    }

    /** The integer value in {@code [min, max]}, or null when absent (reported if required) or invalid (reported). */
    Integer integer(Problems problems, boolean required, int min, int max) {
        if (!present()) {
            if (required) problems.at(path, "required number is missing");
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            problems.at(path, "expected an integer from " + min + " to " + max + ", got " + node);
            return null;
        }
        int value = node.intValue();
        if (value < min || value > max) {
            problems.at(path, "must be from " + min + " to " + max + ", got " + value);
            return null;
        }
        return value;
    }

    /** One member of a JSON object. */
    record Member(String key, Json value) {}
}
