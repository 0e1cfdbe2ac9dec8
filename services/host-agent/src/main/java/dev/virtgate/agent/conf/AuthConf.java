package dev.virtgate.agent.conf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * libvirt's client auth.conf (key-file syntax). The agent owns two sections: the credential set
 * {@code [credentials-virtgate]} and {@code [auth-libvirt-default]} pointing at it, used by this
 * host's libvirtd when it opens peer-to-peer migration connections. Other sections are kept.
 */
public final class AuthConf {
    public static final String CREDENTIALS = "credentials-virtgate";
    public static final String DEFAULT = "auth-libvirt-default";

    public static String render(String existing, String username, String password) {
        ConfigValues.username("authname", username);
        ConfigValues.secret("password", password);
        Map<String, List<String>> sections = new LinkedHashMap<>();
        String current = "";
        sections.put(current, new ArrayList<>());
        for (String line : existing.split("\n", -1)) {
            String t = line.trim();
            if (t.startsWith("[") && t.endsWith("]")) {
                current = t.substring(1, t.length() - 1).trim();
                sections.computeIfAbsent(current, k -> new ArrayList<>());
                continue;
            }
            sections.get(current).add(line);
        }
        sections.remove(CREDENTIALS);
        sections.remove(DEFAULT);
        StringBuilder out = new StringBuilder();
        sections.forEach((name, body) -> {
            List<String> lines = new ArrayList<>(body);
            while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
                lines.remove(lines.size() - 1);
            }
            if (name.isEmpty() && lines.isEmpty()) {
                return;
            }
            if (!name.isEmpty()) {
                out.append('[').append(name).append("]\n");
            }
            lines.forEach(l -> out.append(l).append('\n'));
            out.append('\n');
        });
        out.append('[').append(CREDENTIALS).append("]\n")
                .append("authname=").append(username).append('\n')
                .append("password=").append(password).append('\n')
                .append('\n')
                .append('[').append(DEFAULT).append("]\n")
                .append("credentials=virtgate\n");
        return out.toString();
    }

    private AuthConf() {
    }
}
