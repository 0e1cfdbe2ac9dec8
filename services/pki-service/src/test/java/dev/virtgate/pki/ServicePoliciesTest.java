package dev.virtgate.pki;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.ServicePolicies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No service runs with more than its own policy (deploy/openbao/policies/<service>.hcl), checked on
 * a real OpenBao with each service's own AppRole login, as the services log in: migration-service
 * cannot sign with the CA key nor read a cluster's SASL secret, pki-service cannot read SASL secrets
 * nor loosen its CA key, credential-service writes SASL secrets but cannot read them back nor give
 * itself or a host more than a host policy. The root token (the harness, as the operator) only sets
 * the scene and checks that what is refused exists.
 */
class ServicePoliciesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static OpenBaoServer bao;
    static String sasl;

    @BeforeAll
    static void scene() {
        bao = OpenBaoServer.shared();
        sasl = "secret/data/virtgate/clusters/policies-" + UUID.randomUUID().toString().substring(0, 8)
                + "/libvirt-sasl";
        assertThat(bao.call("POST", sasl, "{\"data\":{\"username\":\"virtgate-v1\",\"password\":\"p\"}}")
                .statusCode()).isEqualTo(200);
        assertThat(bao.call("GET", sasl, null).statusCode()).as("there is something to read").isEqualTo(200);
    }

    @Test
    void eachServiceLogsInWithItsOwnPolicyOnly() throws Exception {
        for (String service : ServicePolicies.SERVICES) {
            JsonNode self = JSON.readTree(bao.call("GET", "auth/token/lookup-self", null, bao.serviceToken(service))
                    .body()).path("data");
            List<String> policies = new ArrayList<>();
            self.path("policies").forEach(p -> policies.add(p.asText()));
            assertThat(policies).as(service).containsExactlyInAnyOrder("default", "virtgate-" + service);
        }
    }

    @Test
    void migrationServiceCannotSignWithTheCaKeyNorReadSaslSecrets() {
        String token = bao.serviceToken("migration-service");
        assertThat(status("POST", "transit/sign/virtgate-ca", "{\"input\":\"aGk=\"}", token)).isEqualTo(403);
        assertThat(status("GET", "transit/keys/virtgate-ca", null, token)).isEqualTo(403);
        assertThat(status("GET", sasl, null, token)).isEqualTo(403);
        assertThat(status("POST", "transit/sign/virtgate-events-pki-service", "{\"input\":\"aGk=\"}", token))
                .as("another service's event key").isEqualTo(403);
        assertThat(status("POST", "secret/data/virtgate/trust/ca", "{\"data\":{\"bundlePem\":\"x\"}}", token))
                .as("publishing trust is pki-service's").isEqualTo(403);
        // what it needs: its command key
        assertThat(status("POST", "transit/keys/virtgate-migration-commands", "{\"type\":\"ecdsa-p256\"}", token))
                .isEqualTo(200);
        assertThat(status("POST", "transit/sign/virtgate-migration-commands", "{\"input\":\"aGk=\"}", token))
                .isEqualTo(200);
        assertThat(status("POST", "transit/keys/virtgate-events-migration-service",
                "{\"type\":\"ecdsa-p256\",\"exportable\":true}", token)).as("never exportable").isEqualTo(403);
    }

    @Test
    void pkiServiceCannotReadSaslSecretsNorLoosenItsCaKey() {
        String token = bao.serviceToken("pki-service");
        assertThat(status("GET", sasl, null, token)).isEqualTo(403);
        assertThat(status("POST", "transit/sign/virtgate-migration-commands", "{\"input\":\"aGk=\"}", token))
                .isEqualTo(403);
        assertThat(status("POST", "transit/sign/virtgate-events-migration-service", "{\"input\":\"aGk=\"}", token))
                .as("it certifies other services' keys, it does not sign with them").isEqualTo(403);
        String key = "virtgate-ca-policies-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(status("POST", "transit/keys/" + key, "{\"type\":\"ecdsa-p256\",\"exportable\":true}", token))
                .as("an exportable CA key").isEqualTo(403);
        assertThat(status("POST", "transit/keys/" + key, "{\"type\":\"ecdsa-p256\",\"exportable\":false}", token))
                .isEqualTo(200);
        assertThat(status("POST", "transit/sign/" + key, "{\"input\":\"aGk=\"}", token)).isEqualTo(200);
        assertThat(status("POST", "transit/keys/" + key + "/config", "{\"exportable\":true}", token)).isEqualTo(403);
        assertThat(status("POST", "transit/keys/" + key + "/config", "{\"deletion_allowed\":true}", token))
                .isEqualTo(403);
        assertThat(status("GET", "transit/export/signing-key/" + key, null, token)).isEqualTo(403);
        assertThat(status("POST", "auth/approle/role/virtgate-host-x", "{\"token_policies\":\"virtgate-host-x\"}",
                token)).isEqualTo(403);
    }

    @Test
    void credentialServiceWritesSaslSecretsButNeitherReadsThemNorGrantsMoreThanAHostPolicy() throws Exception {
        String token = bao.serviceToken("credential-service");
        assertThat(status("POST", sasl, "{\"data\":{\"username\":\"virtgate-v2\",\"password\":\"q\"}}", token))
                .isEqualTo(200);
        assertThat(status("GET", sasl, null, token)).isEqualTo(403);
        assertThat(status("POST", "transit/sign/virtgate-ca", "{\"input\":\"aGk=\"}", token)).isEqualTo(403);
        assertThat(status("PUT", "sys/policies/acl/virtgate-pki-service", policy(), token)).isEqualTo(403);
        assertThat(status("PUT", "sys/policies/acl/virtgate-host-policies", policy(), token)).isEqualTo(204);
        String role = "auth/approle/role/virtgate-host-policies";
        assertThat(status("POST", role, "{\"token_policies\":\"virtgate-pki-service\"}", token)).isEqualTo(403);
        assertThat(status("POST", role, "{\"token_policies\":\"virtgate-host-policies,virtgate-pki-service\"}", token))
                .as("a second policy in a string").isEqualTo(403);
        assertThat(status("POST", role, "{\"token_policies\":[\"virtgate-host-policies\",\"root\"]}", token))
                .as("a list").isEqualTo(403);
        assertThat(status("POST", role, "{\"token_policies\":\"virtgate-host-policies\",\"bind_secret_id\":false}",
                token)).as("a role without secret-id").isEqualTo(403);
        assertThat(status("POST", role, "{\"token_policies\":\"virtgate-host-policies\",\"bind_secret_id\":true,"
                + "\"secret_id_num_uses\":10,\"secret_id_ttl\":\"720h\",\"token_period\":\"72h\"}", token))
                .isEqualTo(204);
        assertThat(status("POST", role + "/custom-secret-id", "{\"secret_id\":\"known-to-me\"}", token))
                .as("a secret-id of its choosing").isEqualTo(403);
        assertThat(status("POST", role + "/role-id", "{\"role_id\":\"known-to-me\"}", token)).isEqualTo(403);
        assertThat(status("POST", "auth/approle/role/virtgate-pki-service/secret-id", "{}", token))
                .as("a service's login").isEqualTo(403);
        String entity = JSON.readTree(bao.call("POST", "identity/entity",
                "{\"name\":\"policies-" + UUID.randomUUID() + "\"}").body()).path("data").path("id").asText();
        assertThat(status("POST", "identity/entity/id/" + entity, "{\"policies\":[\"virtgate-pki-service\"]}", token))
                .as("policies on an entity").isEqualTo(403);
        assertThat(status("POST", "identity/entity/id/" + entity, "{\"disabled\":false}", token)).isEqualTo(403);
        assertThat(status("POST", "identity/entity/id/" + entity, "{\"disabled\":true}", token)).isEqualTo(204);
    }

    static String policy() throws Exception {
        return JSON.writeValueAsString(Map.of("policy", "path \"secret/data/x\" { capabilities = [\"read\"] }"));
    }

    static int status(String method, String path, String body, String token) {
        HttpResponse<String> response = bao.call(method, path, body, token);
        return response.statusCode();
    }
}
