package dev.virtgate.credential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.credential.agents.FleetEvents;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.testsupport.OpenBaoServer;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A host granted access as its agent receives it: registered (a fresh enrollment token), enrolled
 * with a new key, the wrapped secret-id unwrapped and logged in with once. The test plays OpenBao's
 * operator through {@link OpenBaoServer} (root) only to unwrap and to look; the service itself runs
 * with its own AppRole.
 */
final class HostGrants {
    static final ObjectMapper JSON = new ObjectMapper();

    /** What the agent holds after a grant: its login (role id and secret-id) and the token of its first login. */
    record Granted(String hostId, String roleId, String secretId, String token, String csrPem) {
        String login() {
            try {
                return JSON.writeValueAsString(Map.of("role_id", roleId, "secret_id", secretId));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Status of {@code POST auth/approle/login} with this secret-id (200: it still logs in). */
        int logIn() {
            return bao().call("POST", "auth/approle/login", login(), null).statusCode();
        }

        @Override
        public String toString() {
            return "Granted[" + hostId + ", secret-id and token redacted]";
        }
    }

    static Granted grant(SimulatedFleet fleet, String clusterId, String hostId) throws Exception {
        int grantsBefore = fleet.grants(hostId).size();
        String token = fleet.register(clusterId, hostId);
        AgentKey csr = new AgentKey(FleetEvents.fqdn(hostId), clusterId);
        fleet.enroll(clusterId, hostId, token, csr);
        fleet.flush();
        await().atMost(Clusters.WAIT).until(() -> fleet.grants(hostId).size() > grantsBefore);
        List<HostAccessGranted> grants = fleet.grants(hostId);
        HostAccessGranted grant = grants.get(grants.size() - 1);
        String wrapping = Secrets.remember(csr.decrypt(grant.encryptedWrappingToken()));
        String secretId = Secrets.remember(JSON.readTree(bao().call("POST", "sys/wrapping/unwrap", null, wrapping)
                .body()).path("data").path("secret_id").asText());
        Granted granted = new Granted(hostId, grant.roleId(), secretId, null, csr.pem);
        var loggedIn = bao().call("POST", "auth/approle/login", granted.login(), null);
        assertThat(loggedIn.statusCode()).as("the agent's first login").isEqualTo(200);
        String hostToken = JSON.readTree(loggedIn.body()).path("auth").path("client_token").asText();
        return new Granted(hostId, grant.roleId(), secretId, hostToken, csr.pem);
    }

    /** The host role as OpenBao has it (read as the operator). */
    static JsonNode role(String hostId) throws Exception {
        return JSON.readTree(bao().call("GET", "auth/approle/role/virtgate-host-" + hostId, null).body()).path("data");
    }

    /** The accessors of the host role's secret-ids. */
    static List<String> secretIdAccessors(String hostId) throws Exception {
        var listed = bao().call("LIST", "auth/approle/role/virtgate-host-" + hostId + "/secret-id", null);
        if (listed.statusCode() == 404) {
            return List.of();
        }
        return JSON.convertValue(JSON.readTree(listed.body()).path("data").path("keys"),
                JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    static String kvPath(String clusterId) {
        return "secret/data/virtgate/clusters/" + clusterId + "/libvirt-sasl";
    }

    /** The grant (digest of the CSR it answers) a secret-id of the host role was issued for, by accessor. */
    static String grantOfAccessor(String hostId, String accessor) throws Exception {
        var found = bao().call("POST", "auth/approle/role/virtgate-host-" + hostId + "/secret-id-accessor/lookup",
                JSON.writeValueAsString(Map.of("secret_id_accessor", accessor)));
        return JSON.readTree(found.body()).path("data").path("metadata").path("virtgate_grant").asText();
    }

    /** The grant a secret-id was issued for. */
    static String grantOf(String hostId, String secretId) throws Exception {
        var found = bao().call("POST", "auth/approle/role/virtgate-host-" + hostId + "/secret-id/lookup",
                JSON.writeValueAsString(Map.of("secret_id", secretId)));
        return JSON.readTree(found.body()).path("data").path("metadata").path("virtgate_grant").asText();
    }

    static OpenBaoServer bao() {
        return OpenBaoServer.shared();
    }

    private HostGrants() {
    }
}
