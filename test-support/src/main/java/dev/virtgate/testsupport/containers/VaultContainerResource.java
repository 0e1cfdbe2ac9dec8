package dev.virtgate.testsupport.containers;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.testcontainers.vault.VaultContainer;

import java.util.Map;
import java.util.UUID;

/**
 * OpenBao in a container (the Vault module speaks the same API), for machines with Docker; tests
 * carry {@code @Testcontainers(disabledWithoutDocker = true)}.
 */
public class VaultContainerResource implements QuarkusTestResourceLifecycleManager {
    private VaultContainer<?> vault;

    @Override
    public Map<String, String> start() {
        String token = "root-" + UUID.randomUUID();
        vault = new VaultContainer<>(org.testcontainers.utility.DockerImageName.parse("openbao/openbao:2.4.1")
                .asCompatibleSubstituteFor("hashicorp/vault"))
                .withVaultToken(token)
                .withInitCommand("secrets enable transit", "auth enable approle", "secrets enable pki");
        vault.start();
        return Map.of("quarkus.vault.url", vault.getHttpHostAddress(),
                "quarkus.vault.authentication.client-token", token,
                "quarkus.vault.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        if (vault != null) {
            vault.stop();
        }
    }
}
