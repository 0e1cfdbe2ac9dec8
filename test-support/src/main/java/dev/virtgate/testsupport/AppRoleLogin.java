package dev.virtgate.testsupport;

import java.util.Map;

/**
 * What OpenBao's bootstrap hands a service: the role-id and secret-id of its AppRole
 * {@code virtgate-<service>} ({@link ServicePolicies}). The secret-id never shows in {@link #toString()}.
 */
public record AppRoleLogin(String roleId, String secretId) {

    /** The configuration a {@code @QuarkusTest} of the service gets. */
    public Map<String, String> quarkusConfig() {
        return Map.of("quarkus.vault.authentication.app-role.role-id", roleId,
                "quarkus.vault.authentication.app-role.secret-id", secretId);
    }

    /** The environment a service process gets, as the launcher passes it. */
    public Map<String, String> environment() {
        return Map.of("QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_ROLE_ID", roleId,
                "QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_SECRET_ID", secretId);
    }

    /** The body of {@code POST auth/approle/login}. */
    public String loginJson() {
        return "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}";
    }

    @Override
    public String toString() {
        return "AppRoleLogin[roleId=" + roleId + ", secretId=<redacted>]";
    }
}
