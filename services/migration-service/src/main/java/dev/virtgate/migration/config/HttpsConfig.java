package dev.virtgate.migration.config;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The optional HTTPS listener with client-certificate (mTLS) authentication. application.properties hands
 * these paths to {@code quarkus.http.ssl.certificate.*}; the HTTPS port opens only when they are set.
 */
@ConfigMapping(prefix = "virtgate.https")
public interface HttpsConfig {

    /** PEM server certificate (chain) of the API. */
    Optional<Path> certificate();

    /** PEM private key of {@link #certificate()}. */
    Optional<Path> key();

    /** PEM of virtgate's CA: the only issuer whose client certificates are accepted. */
    Optional<Path> clientCa();

    /** Half a configuration is refused: a listener without {@link #clientCa()} would trust the JDK's CAs. */
    default Optional<String> incompleteness() {
        boolean any = certificate().isPresent() || key().isPresent() || clientCa().isPresent();
        boolean all = certificate().isPresent() && key().isPresent() && clientCa().isPresent();
        return any && !all
                ? Optional.of("virtgate.https.certificate, virtgate.https.key and virtgate.https.client-ca "
                        + "must be set together")
                : Optional.empty();
    }
}
