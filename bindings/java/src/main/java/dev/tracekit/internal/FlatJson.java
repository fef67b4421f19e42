package dev.tracekit.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses the library's stats document: one flat JSON object of numbers,
 * booleans and plain strings (no nesting, no escapes). Numbers become Long,
 * or Double when they have a fraction. Anything else yields what was read so far.
 */
public final class FlatJson {
    private FlatJson() {
    }

    public static Map<String, Object> parse(String json) {
        Map<String, Object> result = new LinkedHashMap<>();
        String body = json.trim();
        if (body.length() < 2 || body.charAt(0) != '{') {
            return result;
        }
        for (String member : body.substring(1, body.length() - 1).split(",")) {
            int colon = member.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = member.substring(0, colon).trim().replace("\"", "");
            String value = member.substring(colon + 1).trim();
            result.put(key, scalar(value));
        }
        return result;
    }

    private static Object scalar(String value) {
        if (value.startsWith("\"")) {
            return value.substring(1, Math.max(1, value.length() - 1));
        }
        if (value.equals("true") || value.equals("false")) {
            return Boolean.valueOf(value);
        }
        try {
            return value.contains(".") || value.contains("e") ? (Object) Double.valueOf(value) : (Object) Long.valueOf(value);
        } catch (NumberFormatException error) {
            return value;
        }
    }
}
