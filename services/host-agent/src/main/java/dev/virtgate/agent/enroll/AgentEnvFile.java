package dev.virtgate.agent.enroll;

import dev.virtgate.agent.files.SecureFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code /etc/virtgate/agent.env}: the agent unit's {@code EnvironmentFile}. Every value was
 * validated by its option before it gets here; it is written double-quoted with {@code \} and
 * {@code "} escaped (systemd's EnvironmentFile syntax; it expands no {@code $}), and a value with
 * a control character is refused, so no value can start a line of its own. The whole file is
 * replaced atomically with mode 0600 (it holds the enrollment token and the bus password).
 */
public final class AgentEnvFile {
    private static final Pattern NAME = Pattern.compile("^[A-Z][A-Z0-9_]*$");

    private final Map<String, String> values = new LinkedHashMap<>();
    private final String header;

    public AgentEnvFile(String header) {
        this.header = header;
    }

    public AgentEnvFile put(String name, String value) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not an environment variable name: " + name);
        }
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new EnrollRefused(name + ": control characters are refused");
        }
        values.put(name, value);
        return this;
    }

    public String render() {
        StringBuilder out = new StringBuilder();
        header.lines().forEach(l -> out.append("# ").append(l).append('\n'));
        values.forEach((name, value) -> out.append(name).append("=\"")
                .append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n"));
        return out.toString();
    }

    public void writeTo(Path file) {
        SecureFiles.writeAtomically(file, render().getBytes(StandardCharsets.UTF_8), "rw-------", null);
    }
}
