package dev.virtgate.cli.config;

import dev.virtgate.cli.CliException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EndpointsTest {
    @TempDir
    Path home;

    @Test
    void portsEnvOfTheRunningStackElseTheLaunchersDefaults() throws Exception {
        Files.writeString(home.resolve("ports.env"), "# Written by ./virtgate up\nVIRTGATE_MIGRATION_SERVICE_PORT=9083\n");
        Environment env = new Environment(Map.of("VIRTGATE_HOME", home.toString()), home);
        Endpoints endpoints = Endpoints.resolve(new EnumMap<>(Service.class), env, ConfigFile.load(env));
        assertEquals("http://127.0.0.1:9083", endpoints.url(Service.MIGRATION).toString());
        assertEquals("http://127.0.0.1:8081", endpoints.url(Service.PKI).toString());
    }

    @Test
    void theFlagWinsOverTheEnvironment() {
        Environment env = new Environment(Map.of("VIRTGATE_PKI_URL", "http://127.0.0.1:1/",
                "VIRTGATE_MIGRATION_URL", "https://mig.example:8443/"), home);
        Map<Service, String> flags = new EnumMap<>(Service.class);
        flags.put(Service.PKI, "http://127.0.0.1:2");
        Endpoints endpoints = Endpoints.resolve(flags, env, ConfigFile.load(env));
        assertEquals("http://127.0.0.1:2", endpoints.url(Service.PKI).toString());
        assertEquals("https://mig.example:8443", endpoints.url(Service.MIGRATION).toString());
    }

    @Test
    void aUrlThatIsNotHttpIsRefused() {
        Environment env = new Environment(Map.of("VIRTGATE_CREDENTIAL_URL", "ftp://x"), home);
        assertThrows(CliException.class,
                () -> Endpoints.resolve(new EnumMap<>(Service.class), env, ConfigFile.load(env)));
    }
}
