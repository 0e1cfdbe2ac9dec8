package dev.virtgate.agent.openbao;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.agent.it.TestAgents;
import dev.virtgate.agent.pki.Ecies;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.Workspace;
import dev.virtgate.testsupport.trust.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The agent logs in with its secret-id once per grant and then keeps its token: a secret-id expires
 * and allows only a few logins (credential-service's approle settings), so a restart, an idle day or
 * a refusal by policy must not spend logins. Real OpenBao; the test plays credential-service with
 * the root token, as it sets up a host's policy and AppRole. Each role here allows one login only:
 * whatever works after the grant works with the token the agent kept.
 */
class OpenBaoAccessTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "accessTestPasswordAAAAAAAAAAAAAAAAAAAAAAAAAA";
    static final String COMMANDS_KEY = "virtgate-migration-commands";
    static OpenBaoServer bao;
    static KeyPair hostKey;

    String host;
    String cluster;
    Path stateRoot;

    @BeforeAll
    static void server() throws Exception {
        bao = OpenBaoServer.shared();
        bao.call("POST", "transit/keys/" + COMMANDS_KEY, "{\"type\":\"ecdsa-p256\"}");
        hostKey = TestKeys.p256();
    }

    @BeforeEach
    void host() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        host = "oa-" + id;
        cluster = "oa-c-" + id;
        stateRoot = Workspace.scratch("openbao-access");
        bao.call("POST", "secret/data/" + kvPath(cluster), JSON.writeValueAsString(Map.of("data",
                Map.of("username", "virtgate-v1", "password", PASSWORD, "version", 1))));
    }

    @AfterEach
    void cleanUp() {
        Workspace.deleteTree(stateRoot);
    }

    @Test
    void aRestartedAgentRenewsTheTokenItKeptInsteadOfLoggingInAgain() throws Exception {
        OpenBaoAccess agent = access();
        agent.onAccessGranted(grant(role("1h", 1)), hostKey.getPrivate()); // the secret-id's only login
        assertThat(agent.password("secret/data/" + kvPath(cluster), 1)).isEqualTo(PASSWORD);
        Path tokenFile = stateRoot.resolve("var/lib/virtgate-agent/openbao-token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");

        OpenBaoAccess restarted = access(); // a new process: nothing in memory
        assertThat(restarted.password("secret/data/" + kvPath(cluster), 1)).isEqualTo(PASSWORD);
        assertThat(restarted.verify(PAYLOAD, sign(PAYLOAD))).isTrue();
    }

    @Test
    void anIdleAgentKeepsItsPeriodicTokenAliveWithoutLoggingInAgain() throws Exception {
        OpenBaoAccess agent = access();
        agent.onAccessGranted(grant(role("3s", 1)), hostKey.getPrivate());
        // the scheduler's keep-alive over more than two periods; nothing else uses the token meanwhile
        await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(400))
                .until(() -> {
                    agent.keepAlive();
                    return agent.hasAccess();
                });
        assertThat(agent.verify(PAYLOAD, sign(PAYLOAD))).as("the token outlived its period: renewed").isTrue();
        assertThat(agent.password("secret/data/" + kvPath(cluster), 1)).isEqualTo(PASSWORD);
    }

    @Test
    void aRefusalByPolicySpendsNoLogin() throws Exception {
        OpenBaoAccess agent = access();
        agent.onAccessGranted(grant(role("1h", 1)), hostKey.getPrivate());
        assertThatThrownBy(() -> agent.password("secret/data/" + kvPath("someone-elses-cluster"), 1))
                .isInstanceOfSatisfying(OpenBaoClient.OpenBaoException.class,
                        e -> assertThat(e.status()).as("refused by policy, no login tried").isEqualTo(403));
        assertThat(agent.verify(PAYLOAD, sign(PAYLOAD))).isTrue();
    }

    @Test
    void aTokenOpenBaoNoLongerKnowsIsReplacedByALoginWithTheSecretId() throws Exception {
        OpenBaoAccess agent = access();
        agent.onAccessGranted(grant(role("1h", 2)), hostKey.getPrivate());
        String token = Files.readString(stateRoot.resolve("var/lib/virtgate-agent/openbao-token")).strip();
        assertThat(bao.call("POST", "auth/token/revoke", JSON.writeValueAsString(Map.of("token", token))).statusCode())
                .isEqualTo(204);
        assertThat(agent.verify(PAYLOAD, sign(PAYLOAD))).as("logged in again, the secret-id's second use").isTrue();
        assertThat(Files.readString(stateRoot.resolve("var/lib/virtgate-agent/openbao-token")).strip())
                .isNotEqualTo(token);
    }

    static final byte[] PAYLOAD = "a migration command".getBytes(StandardCharsets.UTF_8);

    OpenBaoAccess access() {
        Map<String, String> config = new HashMap<>();
        config.put("host-id", host);
        config.put("cluster-id", cluster);
        config.put("fqdn", host + ".lab.virtgate.test");
        config.put("management-address", "127.0.0.1");
        config.put("paths.root", stateRoot.toString());
        config.put("openbao.url", bao.address());
        return new OpenBaoAccess(TestAgents.config(config));
    }

    /** The host's policy and AppRole as credential-service writes them; {@code uses} logins per secret-id. */
    String role(String period, int uses) throws Exception {
        String role = "virtgate-host-" + host;
        String policy = "path \"secret/data/" + kvPath(cluster) + "\" { capabilities = [\"read\"] }\n"
                + "path \"transit/verify/" + COMMANDS_KEY + "\" { capabilities = [\"update\"] }\n";
        assertThat(bao.call("PUT", "sys/policies/acl/" + role, JSON.writeValueAsString(Map.of("policy", policy)))
                .statusCode()).isEqualTo(204);
        assertThat(bao.call("POST", "auth/approle/role/" + role, JSON.writeValueAsString(Map.of(
                "token_policies", role, "token_period", period, "secret_id_num_uses", uses, "secret_id_ttl", "1h",
                "bind_secret_id", true))).statusCode()).isEqualTo(204);
        return role;
    }

    /** HostAccessGranted for the role: a wrapped secret-id, its wrapping token encrypted to the host key. */
    HostAccessGranted grant(String role) throws Exception {
        String roleId = JSON.readTree(bao.call("GET", "auth/approle/role/" + role + "/role-id", null).body())
                .path("data").path("role_id").asText();
        HttpResponse<String> wrapped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(bao.address() + "/v1/auth/approle/role/" + role + "/secret-id"))
                .header("X-Vault-Token", bao.rootToken()).header("X-Vault-Wrap-TTL", "120s")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        String wrappingToken = JSON.readTree(wrapped.body()).path("wrap_info").path("token").asText();
        return new HostAccessGranted(host, cluster, roleId, Ecies.encrypt(hostKey.getPublic(), wrappingToken),
                Instant.now().plusSeconds(120), "secret/data/" + kvPath(cluster));
    }

    static String sign(byte[] payload) throws Exception {
        JsonNode r = JSON.readTree(bao.call("POST", "transit/sign/" + COMMANDS_KEY,
                JSON.writeValueAsString(Map.of("input", Base64.getEncoder().encodeToString(payload)))).body());
        return r.path("data").path("signature").asText();
    }

    static String kvPath(String cluster) {
        return "virtgate/clusters/" + cluster + "/libvirt-sasl";
    }
}
