package dev.virtgate.agent.conf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * libvirtd.conf / qemu.conf: a small parser that keeps every line it does not manage verbatim, and
 * a renderer that replaces the managed settings with one block at the end of the file.
 * Syntax: {@code key = value}, values are integers, "strings" ('single' too), or lists
 * {@code [ "a", "b" ]} that may span lines; {@code #} starts a comment outside strings.
 */
public final class LibvirtConf {
    public static final String BEGIN = "# BEGIN virtgate host-agent managed settings (edits here are reported as drift)";
    public static final String END = "# END virtgate host-agent managed settings";
    private static final Pattern SETTING = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=(.*)$", Pattern.DOTALL);

    /** One top-level element: a setting (possibly several lines) or any other line. */
    private record Element(String key, String rawText) {
    }

    private final List<Element> elements;

    private LibvirtConf(List<Element> elements) {
        this.elements = elements;
    }

    public static LibvirtConf parse(String text) {
        List<Element> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int n = lines.length;
        if (n > 0 && lines[n - 1].isEmpty()) {
            n--; // trailing newline
        }
        for (int i = 0; i < n; i++) {
            Matcher m = SETTING.matcher(lines[i]);
            if (!m.matches()) {
                out.add(new Element(null, lines[i]));
                continue;
            }
            StringBuilder raw = new StringBuilder(lines[i]);
            Scan scan = Scan.of(m.group(2));
            while (scan.open() && i + 1 < n) {
                i++;
                raw.append('\n').append(lines[i]);
                scan = scan.then(lines[i]);
            }
            out.add(new Element(m.group(1), raw.toString()));
        }
        return new LibvirtConf(out);
    }

    /** The last value set for a key (libvirt keeps the last one), parsed. */
    public Optional<ConfValue> get(String key) {
        for (int i = elements.size() - 1; i >= 0; i--) {
            Element e = elements.get(i);
            if (key.equals(e.key())) {
                Matcher m = SETTING.matcher(e.rawText());
                m.matches();
                return Optional.of(parseValue(key, m.group(2)));
            }
        }
        return Optional.empty();
    }

    public Set<String> keys() {
        Set<String> keys = new java.util.LinkedHashSet<>();
        elements.stream().filter(e -> e.key() != null).forEach(e -> keys.add(e.key()));
        return keys;
    }

    /**
     * Removes every occurrence of a managed key and every old managed block marker, keeps all other
     * lines verbatim, and appends the managed settings in the given order. Idempotent.
     */
    public String render(Map<String, ConfValue> managed) {
        return render(managed.keySet(), managed);
    }

    /** As {@link #render(Map)}; keys in {@code managedKeys} without a value are removed and not re-added. */
    public String render(Set<String> managedKeys, Map<String, ConfValue> values) {
        Set<String> managed = new java.util.HashSet<>(managedKeys);
        managed.addAll(values.keySet());
        Map<String, String> rendered = new LinkedHashMap<>();
        values.forEach((k, v) -> rendered.put(k, k + " = " + v.render(k))); // may throw before any output
        List<String> kept = new ArrayList<>();
        for (Element e : elements) {
            if (e.key() != null && managed.contains(e.key())) {
                continue;
            }
            if (e.key() == null && (e.rawText().equals(BEGIN) || e.rawText().equals(END))) {
                continue;
            }
            kept.add(e.rawText());
        }
        while (!kept.isEmpty() && kept.get(kept.size() - 1).isBlank()) {
            kept.remove(kept.size() - 1);
        }
        StringBuilder out = new StringBuilder();
        kept.forEach(line -> out.append(line).append('\n'));
        if (!kept.isEmpty()) {
            out.append('\n');
        }
        out.append(BEGIN).append('\n');
        rendered.values().forEach(line -> out.append(line).append('\n'));
        out.append(END).append('\n');
        return out.toString();
    }

    static ConfValue parseValue(String key, String text) {
        String v = stripComment(text).trim();
        if (v.startsWith("[")) {
            if (!v.endsWith("]")) {
                throw new ConfigRejectedException(key, "unterminated list");
            }
            List<String> items = new ArrayList<>();
            String inner = v.substring(1, v.length() - 1).trim();
            int i = 0;
            while (i < inner.length()) {
                char c = inner.charAt(i);
                if (c == '"' || c == '\'') {
                    int close = inner.indexOf(c, i + 1);
                    if (close < 0) {
                        throw new ConfigRejectedException(key, "unterminated string");
                    }
                    items.add(inner.substring(i + 1, close));
                    i = close + 1;
                } else if (c == ',' || Character.isWhitespace(c)) {
                    i++;
                } else {
                    throw new ConfigRejectedException(key, "unexpected character in list");
                }
            }
            return new ConfValue.StrList(items);
        }
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'')) {
            int close = v.indexOf(v.charAt(0), 1);
            if (close < 0) {
                throw new ConfigRejectedException(key, "unterminated string");
            }
            return new ConfValue.Str(v.substring(1, close));
        }
        try {
            return new ConfValue.Int(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new ConfigRejectedException(key, "unparseable value");
        }
    }

    private static String stripComment(String text) {
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#') {
                return text.substring(0, i);
            }
        }
        return text;
    }

    /** Lexical state across the lines of one value: open list brackets. */
    private record Scan(int depth) {
        static Scan of(String text) {
            return new Scan(0).then(text);
        }

        Scan then(String line) {
            int d = depth;
            String s = stripComment(line);
            char quote = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '[') {
                    d++;
                } else if (c == ']') {
                    d--;
                }
            }
            return new Scan(d);
        }

        boolean open() {
            return depth > 0;
        }
    }
}
