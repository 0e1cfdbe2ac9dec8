package dev.virtgate.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * OpenBao for a {@code @QuarkusTest}: reuses the server named by {@code VIRTGATE_TEST_OPENBAO_ADDR}
 * and {@code VIRTGATE_TEST_OPENBAO_TOKEN} (an admin token, used only to apply the services' policies),
 * otherwise starts a real {@code bao server -dev}. The service under test
 * ({@link Workspace#testService()}) logs in with its own AppRole, under its own policy
 * ({@link ServicePolicies}); a host agent gets no OpenBao login at all (it logs in with the AppRole
 * credential-service grants it). Only a module that is no service gets the admin token.
 */
public class OpenBaoResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        String address = Workspace.env("VIRTGATE_TEST_OPENBAO_ADDR").orElse(null);
        String token = Workspace.env("VIRTGATE_TEST_OPENBAO_TOKEN").orElse(null);
        Map<String, AppRoleLogin> logins;
        if (address == null || token == null) {
            OpenBaoServer server = OpenBaoServer.shared();
            address = server.address();
            token = server.rootToken();
            logins = ServicePolicies.logins(address);
        } else {
            logins = ServicePolicies.apply(address, token, "");
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.vault.url", address);
        config.put("quarkus.vault.devservices.enabled", "false");
        String service = Workspace.testService().orElse("");
        if (logins.containsKey(service)) {
            config.putAll(logins.get(service).quarkusConfig());
        } else if (!service.equals("host-agent")) {
            config.put("quarkus.vault.authentication.client-token", token); // test harness, not a service
        }
        return config;
    }

    @Override
    public void stop() {
        // Shared across the test JVM; stopped by PID at exit.
    }
}
