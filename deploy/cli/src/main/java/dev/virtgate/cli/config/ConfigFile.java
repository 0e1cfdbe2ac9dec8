package dev.virtgate.cli.config;

import dev.virtgate.cli.CliException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code ~/.config/virtgate/cli.conf} (or {@code VIRTGATE_CLI_CONFIG}): {@code key=value} lines
 * ({@code token}, {@code migration-url}, {@code pki-url}, {@code credential-url}, {@code cert},
 * {@code key}, {@code cacert}); {@code #} starts a comment. It may hold a token, so, like ssh with
 * a private key, it is refused when its group or others have any access.
 */
public final class ConfigFile {
    static final Set<PosixFilePermission> TOO_OPEN = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path path;
    private final Map<String, String> values;

    private ConfigFile(Path path, Map<String, String> values) {
        this.path = path;
        this.values = values;
    }

    public static Path location(Environment env) {
        String override = env.get("VIRTGATE_CLI_CONFIG");
        return override != null ? Path.of(override) : env.userHome().resolve(".config/virtgate/cli.conf");
    }

    /** The file's settings; none when it does not exist. */
    public static ConfigFile load(Environment env) {
        Path path = location(env);
        if (!Files.isRegularFile(path)) {
            return new ConfigFile(path, Map.of());
        }
        requirePrivate(path);
        try {
            return new ConfigFile(path, parse(Files.readString(path)));
        } catch (IOException e) {
            throw new CliException("cannot read " + path + ": " + e.getMessage());
        }
    }

    static void requirePrivate(Path path) {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(path);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new CliException("cannot read " + path + ": " + e.getMessage());
        }
        if (perms.stream().anyMatch(TOO_OPEN::contains)) {
            throw new CliException(path + " is accessible by group or others (mode " + mode(perms)
                    + "); it may hold a token, so it is ignored: chmod 600 " + path);
        }
    }

    static Map<String, String> parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            int eq = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || eq < 1) {
                continue;
            }
            values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        return values;
    }

    static String mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }

    public String get(String key) {
        String value = values.get(key);
        return value == null || value.isEmpty() ? null : value;
    }

    public Path path() {
        return path;
    }
}
