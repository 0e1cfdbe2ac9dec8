package dev.virtgate.testsupport.containers;

import dev.virtgate.testsupport.AppRoleLogin;
import dev.virtgate.testsupport.ServicePolicies;
import dev.virtgate.testsupport.Workspace;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.testcontainers.vault.VaultContainer;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * OpenBao in a container (the Vault module speaks the same API), for machines with Docker; tests
 * carry {@code @Testcontainers(disabledWithoutDocker = true)}. Services log in with their own
 * AppRoles ({@link ServicePolicies}), as with {@link dev.virtgate.testsupport.OpenBaoResource}.
 */
public class VaultContainerResource implements QuarkusTestResourceLifecycleManager {
    private VaultContainer<?> vault;

    @Override
    public Map<String, String> start() {
        String token = "root-" + UUID.randomUUID();
        vault = new VaultContainer<>(org.testcontainers.utility.DockerImageName.parse("openbao/openbao:2.7.2")
                .asCompatibleSubstituteFor("hashicorp/vault"))
                .withVaultToken(token)
                .withInitCommand("secrets enable transit", "auth enable approle", "secrets enable pki");
        vault.start();
        // as the bootstrap does: each service logs in with its own AppRole, never with the root token
        Map<String, AppRoleLogin> logins = ServicePolicies.apply(vault.getHttpHostAddress(), token, "");
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.vault.url", vault.getHttpHostAddress());
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
        if (vault != null) {
            vault.stop();
        }
    }
}
