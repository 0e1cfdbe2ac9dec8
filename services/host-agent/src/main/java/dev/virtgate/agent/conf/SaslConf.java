package dev.virtgate.agent.conf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Cyrus SASL application config ({@code key: value} lines), e.g. /etc/sasl2/libvirt.conf. */
public final class SaslConf {
    private final List<String> lines;

    private SaslConf(List<String> lines) {
        this.lines = lines;
    }

    public static SaslConf parse(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return new SaslConf(lines);
    }

    public Optional<String> get(String key) {
        String found = null;
        for (String line : lines) {
            String k = keyOf(line);
            if (key.equals(k)) {
                found = line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Values are validated by the caller (mechanism names, paths); newlines are refused here too. */
    public String render(Map<String, String> managed) {
        Map<String, String> safe = new LinkedHashMap<>();
        managed.forEach((k, v) -> {
            if (v.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '\\')) {
                throw new ConfigRejectedException(k, "value contains a control character");
            }
            safe.put(k, v);
        });
        List<String> kept = new ArrayList<>();
        for (String line : lines) {
            String key = keyOf(line);
            if ((key != null && managed.containsKey(key)) || line.equals(LibvirtConf.BEGIN) || line.equals(LibvirtConf.END)) {
                continue;
            }
            kept.add(line);
        }
        while (!kept.isEmpty() && kept.get(kept.size() - 1).isBlank()) {
            kept.remove(kept.size() - 1);
        }
        StringBuilder out = new StringBuilder();
        kept.forEach(l -> out.append(l).append('\n'));
        if (!kept.isEmpty()) {
            out.append('\n');
        }
        out.append(LibvirtConf.BEGIN).append('\n');
        safe.forEach((k, v) -> out.append(k).append(": ").append(v).append('\n'));
        out.append(LibvirtConf.END).append('\n');
        return out.toString();
    }

    private static String keyOf(String line) {
        String t = line.trim();
        if (t.startsWith("#") || !t.contains(":")) {
            return null;
        }
        return t.substring(0, t.indexOf(':')).trim();
    }
}
