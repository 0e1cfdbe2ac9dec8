package dev.virtgate.migration.config;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The optional HTTPS listener with client-certificate (mTLS) authentication. {@link HttpsTlsConfigSourceFactory}
 * hands these paths to the TLS registry's default bucket ({@code quarkus.tls.*}); the HTTPS port opens only when
 * they are set.
 */
@ConfigMapping(prefix = "virtgate.https")
public interface HttpsConfig {

    /** PEM server certificate (chain) of the API. */
    Optional<Path> certificate();

    /** PEM private key of {@link #certificate()}. */
    Optional<Path> key();

    /** PEM of virtgate's CA: the only issuer whose client certificates are accepted. */
    Optional<Path> clientCa();

    /** PEM CRL of {@link #clientCa()}: client certificates it lists fail the handshake. Optional. */
    Optional<Path> clientCrl();

    /** How often the registry re-reads the files above, so a renewed certificate or a new CRL needs no restart. */
    Duration reloadPeriod();

    /**
     * Half a configuration is refused: a listener without {@link #clientCa()} would trust the JDK's CAs, and a
     * {@link #clientCrl()} without a listener would suggest a revocation that nothing enforces.
     */
    default Optional<String> incompleteness() {
        boolean any = certificate().isPresent() || key().isPresent() || clientCa().isPresent();
        boolean all = certificate().isPresent() && key().isPresent() && clientCa().isPresent();
        if (any && !all) {
            return Optional.of("virtgate.https.certificate, virtgate.https.key and virtgate.https.client-ca "
                    + "must be set together");
        }
        if (clientCrl().isPresent() && !all) {
            return Optional.of("virtgate.https.client-crl needs virtgate.https.certificate, virtgate.https.key "
                    + "and virtgate.https.client-ca");
        }
        if (reloadPeriod().isNegative() || reloadPeriod().isZero()) {
            return Optional.of("virtgate.https.reload-period must be positive");
        }
        return Optional.empty();
    }
}
