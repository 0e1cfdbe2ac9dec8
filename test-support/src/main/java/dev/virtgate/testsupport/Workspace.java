package dev.virtgate.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the repository, the installed prerequisites and the test servers' scratch space are. */
public final class Workspace {

    private Workspace() {
    }

    /** The repository root: the nearest directory upwards holding the {@code virtgate} launcher. */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("virtgate")) && Files.isDirectory(d.resolve("contracts"))) {
                return d;
            }
        }
        throw new IllegalStateException("not inside the virtgate repository: " + dir);
    }

    /** The launcher's state directory ({@code VIRTGATE_HOME}, default {@code <repo>/.virtgate}). */
    public static Path home() {
        return env("VIRTGATE_HOME").map(Path::of).orElseGet(() -> repositoryRoot().resolve(".virtgate"));
    }

    /** A fresh scratch directory for one server, under {@code target/test-servers} of the module. */
    public static Path scratch(String name) {
        try {
            Path base = Path.of("target", "test-servers").toAbsolutePath();
            Files.createDirectories(base);
            return Files.createTempDirectory(base, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A fresh directory for Unix-domain sockets under {@code /tmp}. A socket's path must fit in
     * {@code sun_path} (107 bytes), which a scratch directory deep inside a checkout does not
     * always do: a clone at a longer path made PostgreSQL refuse to start. The caller deletes it.
     */
    public static Path socketDir(String name) {
        try {
            return Files.createTempDirectory(Path.of("/tmp"), "vg-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory tree, ignoring what is already gone. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The service whose tests run in this JVM ({@code virtgate.test.service}, set per module by the
     * build), so that a test resource hands it that service's own bus principal, OpenBao role and
     * database role rather than an all-powerful one. Empty in modules that are no service (e2e).
     */
    public static Optional<String> testService() {
        return env("virtgate.test.service");
    }

    public static Optional<String> env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            value = System.getProperty(name);
        }
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    public static String missingPrerequisite(String what) {
        return what + " is not installed: run `./virtgate install` from the repository root";
    }
}
