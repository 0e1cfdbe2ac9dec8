package dev.virtgate.cli.output;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;

/** Human figures: 1.5 GiB, 120.0 MiB/s, 1m05s. */
public final class Formats {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Formats() {
    }

    public static String bytes(long bytes) {
        double value = bytes;
        int unit = 0;
        while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }

    public static String rate(long bytesPerSecond) {
        return bytes(bytesPerSecond) + "/s";
    }

    public static String duration(long millis) {
        long seconds = Math.max(0, Math.round(millis / 1000.0));
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    /** A field's text, or null when it is absent or null; dotted paths walk into objects. */
    /** {@code paths} of {@code node} (see {@link #text}) by name, in order: the lines of a "key: value" view. */
    public static Map<String, String> fields(JsonNode node, String... paths) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String path : paths) {
            fields.put(path, text(node, path));
        }
        return fields;
    }

    public static String text(JsonNode node, String path) {
        JsonNode current = node;
        for (String part : path.split("\\.")) {
            if (current == null) {
                return null;
            }
            current = current.get(part);
        }
        return current == null || current.isNull() ? null
                : current.isArray() ? join(current) : current.asText();
    }

    private static String join(JsonNode array) {
        StringBuilder out = new StringBuilder();
        for (JsonNode item : array) {
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append(item.asText());
        }
        return out.toString();
    }
}
