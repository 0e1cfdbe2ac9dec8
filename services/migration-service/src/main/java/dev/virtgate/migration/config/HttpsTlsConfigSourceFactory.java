package dev.virtgate.migration.config;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands the virtgate.https.* paths that are set to the TLS registry's default bucket: certificate and key as
 * its PEM key store, client-ca as its PEM trust store, client-crl as its revocation list. application.properties
 * cannot, because the registry takes a property defined as empty for a configured store and fails every start
 * without HTTPS. Without a key store the HTTP server leaves the default bucket alone and opens no HTTPS port.
 */
public class HttpsTlsConfigSourceFactory implements ConfigSourceFactory {
    /** Below application.properties (250), so an explicit quarkus.tls.* there still wins. */
    private static final int ORDINAL = 240;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        Map<String, String> tls = new HashMap<>();
        copy(context, "virtgate.https.certificate", "quarkus.tls.key-store.pem.api.cert", tls);
        copy(context, "virtgate.https.key", "quarkus.tls.key-store.pem.api.key", tls);
        copy(context, "virtgate.https.client-ca", "quarkus.tls.trust-store.pem.certs", tls);
        copy(context, "virtgate.https.client-crl", "quarkus.tls.certificate-revocation-list", tls);
        return List.of(new PropertiesConfigSource(tls, "virtgate-https-tls", ORDINAL));
    }

    private static void copy(ConfigSourceContext context, String from, String to, Map<String, String> into) {
        ConfigValue value = context.getValue(from);
        if (value != null && value.getValue() != null && !value.getValue().isBlank()) {
            into.put(to, value.getValue().strip());
        }
    }
}
