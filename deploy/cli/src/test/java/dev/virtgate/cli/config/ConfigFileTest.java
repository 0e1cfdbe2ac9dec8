package dev.virtgate.cli.config;

import dev.virtgate.cli.CliException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigFileTest {
    @TempDir
    Path home;

    @Test
    void aPrivateFileIsRead() throws Exception {
        write("rw-------", "# mine\ntoken = abc.def.ghi\nmigration-url=https://mig.example:8443\n");
        ConfigFile config = ConfigFile.load(env());
        assertEquals("abc.def.ghi", config.get("token"));
        assertEquals("https://mig.example:8443", config.get("migration-url"));
        assertNull(config.get("pki-url"));
    }

    @Test
    void aFileOthersCanReadIsRefusedLikeSshDoesWithAKey() throws Exception {
        Path file = write("rw-r--r--", "token=abc\n");
        CliException e = assertThrows(CliException.class, () -> ConfigFile.load(env()));
        assertEquals(file + " is accessible by group or others (mode 0644); it may hold a token, so it is ignored: "
                + "chmod 600 " + file, e.getMessage());
        assertTrue(!e.getMessage().contains("abc"));
    }

    @Test
    void groupAccessAloneIsRefusedToo() throws Exception {
        write("rw-rw----", "token=abc\n");
        assertThrows(CliException.class, () -> ConfigFile.load(env()));
    }

    @Test
    void noFileMeansNoSettings() {
        assertNull(ConfigFile.load(env()).get("token"));
    }

    private Path write(String perms, String text) throws Exception {
        Path file = home.resolve(".config/virtgate/cli.conf");
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(perms));
        return file;
    }

    private Environment env() {
        return new Environment(Map.of(), home);
    }
}
