package dev.virtgate.contracts.events;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Canonical form of a signed command: each field rendered unambiguously (length-prefixed), maps
 * sorted by key, so that signer and verifier agree byte for byte without a JSON canonicaliser.
 */
final class Signing {

    static byte[] canonical(Object... fields) {
        StringBuilder out = new StringBuilder("virtgate-signed-v1\n");
        for (Object field : fields) {
            append(out, field);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void append(StringBuilder out, Object field) {
        if (field == null) {
            out.append("N;");
        } else if (field instanceof Map<?, ?> map) {
            out.append("M").append(map.size()).append('{');
            new TreeMap<>(map).forEach((k, v) -> {
                append(out, k);
                append(out, v);
            });
            out.append('}');
        } else if (field instanceof Collection<?> list) {
            out.append("L").append(list.size()).append('[');
            list.forEach(item -> append(out, item));
            out.append(']');
        } else {
            String s = field.toString();
            out.append("S").append(s.length()).append(':').append(s).append(';');
        }
    }

    private Signing() {
    }
}
