package dev.virtgate.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * PostgreSQL's programs from Debian's packages, and how to run them: PostgreSQL refuses to run as
 * root, so as root they run as the {@code postgres} user through {@code setpriv} (which execs, so the
 * PID we hold is the program's own), and the files they use must belong to that user.
 */
final class PostgresBinaries {
    private final Path bin;
    private final boolean asRoot;

    PostgresBinaries(Path bin, boolean asRoot) {
        this.bin = bin;
        this.asRoot = asRoot;
    }

    /** The {@code bin} directory of the newest PostgreSQL installed under {@code /usr/lib/postgresql}. */
    static Path locate() {
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparing(p -> Integer.parseInt(p.getParent().getFileName().toString()
                                .replaceAll("\\D", "0"))))
                        .orElseThrow(() -> new IllegalStateException(Workspace.missingPrerequisite("PostgreSQL")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException(Workspace.missingPrerequisite("PostgreSQL (/usr/lib/postgresql/*/bin)"));
    }

    Path bin() {
        return bin;
    }

    /** The command line that runs {@code program} (one of {@code bin}'s) with {@code args}. */
    List<String> command(String program, String... args) {
        List<String> command = new ArrayList<>();
        if (asRoot) {
            command.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        }
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(args));
        return command;
    }

    /** Hands {@code path} to the {@code postgres} user when running as root; does nothing otherwise. */
    void giveToPostgres(Path path) throws IOException {
        if (asRoot) {
            Files.setOwner(path, path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
        }
    }
}
