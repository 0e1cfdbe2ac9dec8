package dev.virtgate.credential.trust;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Publishes {@link TestTrust}'s CA into the shared OpenBao before the application starts. */
public class TrustResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        TestTrust.ensurePublished();
        return Map.of();
    }

    @Override
    public void stop() {
        // the trust lives as long as the shared OpenBao
    }
}
