package dev.virtgate.migration.mtls;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Opens the HTTPS listener with the generated server certificate and virtgate's (test) CA for clients. */
public class MtlsProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "virtgate.https.certificate", TestPki.serverCertPem().toString(),
                "virtgate.https.key", TestPki.serverKeyPem().toString(),
                "virtgate.https.client-ca", TestPki.caPem().toString());
    }
}
