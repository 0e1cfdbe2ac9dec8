package dev.virtgate.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * psql as the superuser, on the server's Unix socket (the only way the superuser gets in). Not
 * thread-safe: its {@link PostgresServer} calls it under its own lock.
 */
final class Psql {
    private final Path dir;
    private final Path socketDir;
    private final int port;
    private final PostgresBinaries binaries;

    Psql(Path dir, Path socketDir, int port, PostgresBinaries binaries) {
        this.dir = dir;
        this.socketDir = socketDir;
        this.port = port;
        this.binaries = binaries;
    }

    /** Where psql's output goes. */
    Path log() {
        return dir.resolve("psql.log");
    }

    /** One query's rows, tab-separated, one line each (psql -At). */
    String query(String database, String sql) {
        ProcessBuilder builder = new ProcessBuilder(binaries.command("psql", "-X", "-q", "-At", "-h",
                socketDir.toString(), "-p", String.valueOf(port), "-U", "postgres", "-d", database, "-v",
                "ON_ERROR_STOP=1", "-c", sql)).directory(dir.toFile()).redirectErrorStream(true);
        try {
            Process psql = builder.start();
            String out = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!psql.waitFor(60, TimeUnit.SECONDS) || psql.exitValue() != 0) {
                throw new IllegalStateException("psql failed in " + database + ": " + out);
            }
            return out.strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run psql: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("psql interrupted", e);
        }
    }

    /**
     * Runs an SQL script as the superuser in {@code database}, through psql's standard input (so a
     * password in it shows on no command line); psql's output goes to {@code psql.log}, which never
     * holds the script.
     */
    void run(String database, String script) {
        Path log = log();
        ProcessBuilder builder = new ProcessBuilder(binaries.command("psql", "-X", "-q", "-h",
                socketDir.toString(), "-p", String.valueOf(port), "-U", "postgres", "-d", database, "-v",
                "ON_ERROR_STOP=1", "-f", "-")).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Process psql = builder.start();
            try (OutputStream in = psql.getOutputStream()) {
                in.write(script.getBytes(StandardCharsets.UTF_8));
            }
            if (!psql.waitFor(60, TimeUnit.SECONDS)) {
                psql.destroyForcibly();
                throw new IllegalStateException("psql timed out after 60 s; see " + log);
            }
            if (psql.exitValue() != 0) {
                throw new IllegalStateException("psql exited " + psql.exitValue() + " in " + database + "; see " + log);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run psql: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("psql interrupted", e);
        }
    }
}
