package dev.virtgate.migration;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Publishes {@link TestTrust} into OpenBao before the application starts, as pki-service would. */
public class TrustResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        TestTrust.publish();
        return Map.of();
    }

    @Override
    public void stop() {
        // the published trust lives as long as the shared OpenBao
    }
}
