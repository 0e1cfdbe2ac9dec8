package dev.virtgate.migration.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class HttpsConfigTest {

    @Test
    void nothingOrEverythingIsComplete() {
        assertThat(config(null, null, null).incompleteness()).isEmpty();
        assertThat(config("server.pem", "server-key.pem", "ca.pem").incompleteness()).isEmpty();
    }

    @Test
    void aListenerWithoutTheClientCaOrAnyOtherHalfIsRefused() {
        assertThat(config("server.pem", "server-key.pem", null).incompleteness()).hasValueSatisfying(
                problem -> assertThat(problem).contains("virtgate.https.client-ca"));
        assertThat(config(null, null, "ca.pem").incompleteness()).isPresent();
        assertThat(config("server.pem", null, "ca.pem").incompleteness()).isPresent();
    }

    private static HttpsConfig config(String certificate, String key, String clientCa) {
        return new HttpsConfig() {
            @Override
            public Optional<Path> certificate() {
                return Optional.ofNullable(certificate).map(Path::of);
            }

            @Override
            public Optional<Path> key() {
                return Optional.ofNullable(key).map(Path::of);
            }

            @Override
            public Optional<Path> clientCa() {
                return Optional.ofNullable(clientCa).map(Path::of);
            }
        };
    }
}
