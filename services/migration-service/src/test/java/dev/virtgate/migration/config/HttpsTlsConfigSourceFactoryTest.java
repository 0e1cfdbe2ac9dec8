package dev.virtgate.migration.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HttpsTlsConfigSourceFactoryTest {
    /** As in application.properties; the second source stands for the environment. */
    private static final Map<String, String> PROPERTIES = Map.of(
            "virtgate.https.certificate", "${VIRTGATE_HTTPS_CERTIFICATE:}",
            "virtgate.https.key", "${VIRTGATE_HTTPS_KEY:}",
            "virtgate.https.client-ca", "${VIRTGATE_HTTPS_CLIENT_CA:}",
            "virtgate.https.client-crl", "${VIRTGATE_HTTPS_CLIENT_CRL:}");

    @Test
    void pathsFromTheEnvironmentReachTheDefaultTlsBucket() {
        SmallRyeConfig config = config(Map.of(
                "VIRTGATE_HTTPS_CERTIFICATE", "/etc/virtgate/https/tls.crt",
                "VIRTGATE_HTTPS_KEY", "/etc/virtgate/https/tls.key",
                "VIRTGATE_HTTPS_CLIENT_CA", "/etc/virtgate/https/ca.crt",
                "VIRTGATE_HTTPS_CLIENT_CRL", "/var/lib/virtgate/crl.pem"));
        assertThat(config.getOptionalValue("quarkus.tls.key-store.pem.api.cert", String.class))
                .contains("/etc/virtgate/https/tls.crt");
        assertThat(config.getOptionalValue("quarkus.tls.key-store.pem.api.key", String.class))
                .contains("/etc/virtgate/https/tls.key");
        assertThat(config.getOptionalValue("quarkus.tls.trust-store.pem.certs", String.class))
                .contains("/etc/virtgate/https/ca.crt");
        assertThat(config.getOptionalValue("quarkus.tls.certificate-revocation-list", String.class))
                .contains("/var/lib/virtgate/crl.pem");
    }

    @Test
    void unsetPathsLeaveTheBucketUntouched() {
        SmallRyeConfig config = config(Map.of(
                "VIRTGATE_HTTPS_CERTIFICATE", "/etc/virtgate/https/tls.crt",
                "VIRTGATE_HTTPS_KEY", "/etc/virtgate/https/tls.key",
                "VIRTGATE_HTTPS_CLIENT_CA", "/etc/virtgate/https/ca.crt"));
        assertThat(config.getPropertyNames()).doesNotContain("quarkus.tls.certificate-revocation-list");
        assertThat(config(Map.of()).getPropertyNames()).noneMatch(name -> name.startsWith("quarkus.tls."));
    }

    private static SmallRyeConfig config(Map<String, String> environment) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(PROPERTIES, "application.properties", 250))
                .withSources(new PropertiesConfigSource(environment, "environment", 300))
                .withSources(new HttpsTlsConfigSourceFactory())
                .build();
    }
}
