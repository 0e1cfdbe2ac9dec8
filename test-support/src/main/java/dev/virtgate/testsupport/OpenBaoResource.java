package dev.virtgate.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * OpenBao for a {@code @QuarkusTest}: reuses the server named by {@code VIRTGATE_TEST_OPENBAO_ADDR}
 * and {@code VIRTGATE_TEST_OPENBAO_TOKEN}, otherwise starts a real {@code bao server -dev}.
 */
public class OpenBaoResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String address = Workspace.env("VIRTGATE_TEST_OPENBAO_ADDR").orElse(null);
        String token = Workspace.env("VIRTGATE_TEST_OPENBAO_TOKEN").orElse(null);
        if (address == null || token == null) {
            OpenBaoServer server = OpenBaoServer.shared();
            address = server.address();
            token = server.rootToken();
        }
        return Map.of(
                "quarkus.vault.url", address,
                "quarkus.vault.authentication.client-token", token,
                "quarkus.vault.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        // Shared across the test JVM; stopped by PID at exit.
    }
}
