package dev.virtgate.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Creates a server's data directory with {@code initdb} and writes its {@code pg_hba.conf}: the
 * superuser on the Unix socket only, every other role with a password over TCP.
 */
final class PostgresInitdb {
    private static final SecureRandom RANDOM = new SecureRandom();

    private PostgresInitdb() {
    }

    /** Initialises {@code dir/data}; {@code dir} and {@code socketDir} go to the {@code postgres} user as root. */
    static void init(Path dir, Path socketDir, PostgresBinaries binaries) {
        Path pwfile = dir.resolve("pwfile");
        try {
            binaries.giveToPostgres(dir);
            binaries.giveToPostgres(socketDir);
            // the superuser's password, which initdb wants for password authentication over TCP; no one
            // uses it (pg_hba below lets the superuser in on the socket only) and the file goes after initdb
            byte[] secret = new byte[24];
            RANDOM.nextBytes(secret);
            Files.writeString(pwfile, HexFormat.of().formatHex(secret) + "\n");
            binaries.giveToPostgres(pwfile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            ManagedProcess.run("initdb", binaries.command("initdb", "-D", dir.resolve("data").toString(),
                    "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--pwfile=" + pwfile, "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"), dir,
                    dir.resolve("initdb.log"), Duration.ofSeconds(120));
            // the superuser on the socket (only PostgresServer reaches it), every role with a password over TCP
            Files.writeString(dir.resolve("data/pg_hba.conf"), """
                    # Written by PostgresServer (test-support)
                    local   all   postgres                 trust
                    host    all   all        127.0.0.1/32  scram-sha-256
                    """);
            binaries.giveToPostgres(dir.resolve("data/pg_hba.conf"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException e) {
                // a test-only password in a scratch directory
            }
        }
    }
}
