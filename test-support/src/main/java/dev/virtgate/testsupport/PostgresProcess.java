package dev.virtgate.testsupport;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

/**
 * The postmaster of an initialised data directory: started on a loopback port and a private socket
 * directory, awaited until it answers on both, and stopped by its PID. Not thread-safe: its
 * {@link PostgresServer} calls it under its own lock.
 */
final class PostgresProcess {
    private final Path dir;
    private final Path socketDir;
    private final int port;
    private final PostgresBinaries binaries;
    private ManagedProcess process;

    PostgresProcess(Path dir, Path socketDir, int port, PostgresBinaries binaries) {
        this.dir = dir;
        this.socketDir = socketDir;
        this.port = port;
        this.binaries = binaries;
    }

    /** The server's own log. */
    Path log() {
        return dir.resolve("postgres.log");
    }

    /** Starts the server unless it runs, and waits until it accepts connections. */
    void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        recreateSocketDir(); // stop() removed it: a restart needs it back, owned by postgres
        process = ManagedProcess.start("postgres", binaries.command("postgres",
                "-D", dir.resolve("data").toString(), "-p", String.valueOf(port), "-k", socketDir.toString(),
                "-c", "listen_addresses=" + Net.LOOPBACK, "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=200"), dir, log(), Map.of());
        Awaitility.await("PostgreSQL on port " + port + " (log: " + process.log() + ")")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("PostgreSQL exited; see " + process.log());
                    }
                    return Net.accepts(Net.LOOPBACK, port) && Files.exists(socketDir.resolve(".s.PGSQL." + port));
                });
    }

    /** Stops the server, if it was started, and removes the socket directory. */
    void stop() {
        if (process != null) {
            process.stop();
        }
        Workspace.deleteTree(socketDir);
    }

    private void recreateSocketDir() {
        try {
            if (!Files.isDirectory(socketDir)) {
                Files.createDirectories(socketDir);
                Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwx------"));
                binaries.giveToPostgres(socketDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
