package dev.virtgate.e2e.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What systemd would start for a simple service unit: {@code ExecStart}'s command line, and the
 * environment made of the manager's {@code PATH}, the unit's {@code Environment=} lines (drop-ins
 * after the unit, a later assignment winning) and then its {@code EnvironmentFile} (which overrides
 * {@code Environment=}, as systemd.exec says). Only the syntax virtgate's unit and {@code enroll}'s
 * agent.env use is accepted: no ExecStart prefixes, no specifiers, no {@code $} expansion; anything
 * else is refused rather than guessed.
 */
final class UnitLaunch {
    /** systemd's default PATH for system services. */
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    final List<String> command;
    final Map<String, String> environment;
    final String environmentFile;

    private UnitLaunch(List<String> command, Map<String, String> environment, String environmentFile) {
        this.command = command;
        this.environment = environment;
        this.environmentFile = environmentFile;
    }

    /** {@code unit} and its drop-ins as text; {@code environmentFile} is the text of the file the unit names. */
    static UnitLaunch of(List<String> unitAndDropIns, String environmentFileText) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", PATH);
        List<String> exec = null;
        String file = null;
        for (String unit : unitAndDropIns) {
            boolean service = false;
            for (String raw : unit.lines().toList()) {
                String line = raw.strip();
                if (line.startsWith("[")) {
                    service = line.equals("[Service]");
                } else if (service && line.startsWith("Environment=")) {
                    for (String assignment : words(line.substring("Environment=".length()))) {
                        put(env, assignment);
                    }
                } else if (service && line.startsWith("EnvironmentFile=")) {
                    file = line.substring("EnvironmentFile=".length());
                } else if (service && line.startsWith("ExecStart=")) {
                    exec = words(line.substring("ExecStart=".length()));
                }
            }
        }
        if (exec == null || exec.isEmpty() || !exec.get(0).startsWith("/") || String.join(" ", exec).matches(".*[%$].*")) {
            throw new IllegalArgumentException("no plain ExecStart= with an absolute path: " + exec);
        }
        if (file != null) {
            for (String raw : environmentFileText.lines().toList()) {
                String line = raw.strip();
                if (!line.isEmpty() && !line.startsWith("#") && !line.startsWith(";")) {
                    put(env, unquote(line));
                }
            }
        }
        return new UnitLaunch(List.copyOf(exec), env, file);
    }

    private static void put(Map<String, String> env, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0 || !assignment.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not NAME=VALUE: " + assignment.replaceAll("=.*", "=..."));
        }
        env.put(assignment.substring(0, eq), assignment.substring(eq + 1));
    }

    /** {@code NAME="va\"lue"} as systemd reads an EnvironmentFile line: the quotes go, {@code \\} and {@code \"} unescape. */
    private static String unquote(String line) {
        int eq = line.indexOf('=');
        String value = line.substring(eq + 1);
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1).replaceAll("\\\\([\\\\\"])", "$1");
        } else if (value.contains("\"") || value.contains("\\") || value.contains("'")) {
            throw new IllegalArgumentException("unsupported quoting for " + line.substring(0, eq));
        }
        return line.substring(0, eq + 1) + value;
    }

    /** Whitespace-separated words, a double-quoted word kept whole (systemd's Environment=/ExecStart= splitting). */
    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(text);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }
}
