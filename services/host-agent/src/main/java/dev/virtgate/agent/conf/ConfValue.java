package dev.virtgate.agent.conf;

import java.util.List;

/** A value in libvirt's conf syntax: integer, "string" or [ "list", "of", "strings" ]. */
public sealed interface ConfValue {

    /** The value as it is written after {@code key = }. */
    String render(String key);

    record Int(long value) implements ConfValue {
        @Override
        public String render(String key) {
            return Long.toString(value);
        }
    }

    record Str(String value) implements ConfValue {
        @Override
        public String render(String key) {
            return quote(key, value);
        }
    }

    record StrList(List<String> values) implements ConfValue {
        public StrList {
            values = List.copyOf(values);
        }

        @Override
        public String render(String key) {
            if (values.isEmpty()) {
                return "[ ]";
            }
            StringBuilder out = new StringBuilder("[");
            for (int i = 0; i < values.size(); i++) {
                out.append(i == 0 ? " " : ", ").append(quote(key, values.get(i)));
            }
            return out.append(" ]").toString();
        }
    }

    static Int of(long value) {
        return new Int(value);
    }

    static Str of(String value) {
        return new Str(value);
    }

    static StrList of(List<String> values) {
        return new StrList(values);
    }

    /**
     * libvirt's parser has no escape sequences: a double-quoted string ends at the next quote or
     * end of line. So a value that contains either cannot be represented and is refused; so are
     * backslashes and other control characters, which no legitimate managed value contains.
     */
    private static String quote(String key, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
                throw new ConfigRejectedException(key, "value contains a character that cannot be written safely");
            }
        }
        return "\"" + value + "\"";
    }
}
