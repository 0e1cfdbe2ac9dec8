package dev.virtgate.migration.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class HttpsConfigTest {
    private static final Duration MINUTE = Duration.ofSeconds(60);

    @Test
    void nothingOrEverythingIsComplete() {
        assertThat(config(null, null, null, null, MINUTE).incompleteness()).isEmpty();
        assertThat(config("server.pem", "server-key.pem", "ca.pem", null, MINUTE).incompleteness()).isEmpty();
        assertThat(config("server.pem", "server-key.pem", "ca.pem", "crl.pem", MINUTE).incompleteness()).isEmpty();
    }

    @Test
    void aListenerWithoutTheClientCaOrAnyOtherHalfIsRefused() {
        assertThat(config("server.pem", "server-key.pem", null, null, MINUTE).incompleteness()).hasValueSatisfying(
                problem -> assertThat(problem).contains("virtgate.https.client-ca"));
        assertThat(config(null, null, "ca.pem", null, MINUTE).incompleteness()).isPresent();
        assertThat(config("server.pem", null, "ca.pem", "crl.pem", MINUTE).incompleteness()).isPresent();
    }

    @Test
    void aCrlWithoutAListenerIsRefused() {
        assertThat(config(null, null, null, "crl.pem", MINUTE).incompleteness()).hasValueSatisfying(
                problem -> assertThat(problem).contains("virtgate.https.client-crl"));
    }

    @Test
    void theReloadPeriodMustBePositive() {
        assertThat(config("server.pem", "server-key.pem", "ca.pem", "crl.pem", Duration.ZERO).incompleteness())
                .hasValueSatisfying(problem -> assertThat(problem).contains("virtgate.https.reload-period"));
    }

    private static HttpsConfig config(String certificate, String key, String clientCa, String clientCrl,
            Duration reloadPeriod) {
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

            @Override
            public Optional<Path> clientCrl() {
                return Optional.ofNullable(clientCrl).map(Path::of);
            }

            @Override
            public Duration reloadPeriod() {
                return reloadPeriod;
            }
        };
    }
}
