package dev.virtgate.pki;

import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * pki-service keeps the broker's host side equal to its certificates: a host certificate it issues
 * is accepted on the mTLS listener (trust = its CA) with that host's ACLs; a revoked or
 * decommissioned host has none left. Checked with the real broker's admin.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class HostBusAccessTest {

    @jakarta.inject.Inject
    dev.virtgate.pki.bus.HostBusSync sync;

    @Test
    void anIssuedHostCertificateLogsInWithItsOwnAclsAndRevocationWithdrawsThem() throws Exception {
        IssuanceRestTest.Host host = IssuanceRestTest.newHost("busgrant");
        var body = IssuanceRestTest.post(host).statusCode(201).extract().jsonPath();
        String principal = principal(host);
        awaitAcls(principal, granted(host));
        assertThat(acls(principal)).anyMatch(acl -> acl.pattern().name().equals(BusAccess.AGENT_GROUP_PREFIX + host.id()));

        // the broker trusts pki-service's CA: the agent writes its reports with this very certificate
        String chain = body.getString("certificatePem") + String.join("", body.getList("chainPem", String.class));
        Map<String, Object> login = KafkaServer.shared().hostClientConfig(TestKeys.pkcs8Pem(host.key().getPrivate()), chain);
        Awaitility.await("the host writes its reports").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> produces(login));

        String serial = body.getString("serial");
        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("reason", "keyCompromise")).post("/v1/certificates/" + serial + "/revoke")
                .then().statusCode(200);
        awaitAcls(principal, 0);
    }

    @Test
    void aDecommissionedHostLosesItsAcls() {
        IssuanceRestTest.Host host = IssuanceRestTest.newHost("busdecom");
        IssuanceRestTest.post(host).statusCode(201);
        String principal = principal(host);
        awaitAcls(principal, granted(host));
        TestBus.asMigrationService(new HostDecommissioned(host.id(), "cluster-a", "retired", "alice"));
        awaitAcls(principal, 0);
    }

    @Test
    void theReconcilerWithdrawsAHostPkiServiceDoesNotKnowAndRepairsAMissingGrant() throws Exception {
        IssuanceRestTest.Host host = IssuanceRestTest.newHost("busrepair");
        IssuanceRestTest.post(host).statusCode(201);
        awaitAcls(principal(host), granted(host));
        KafkaServer.shared().withdrawHost(host.registration().fqdn(), "cluster-a", host.id()); // lost by the broker
        KafkaServer.shared().grantHost("stranger.lab.example", "cluster-a", "stranger"); // made behind its back
        String stranger = BusAccess.hostPrincipal("stranger.lab.example", "cluster-a");
        awaitAcls(stranger, 8);
        awaitAcls(principal(host), 0);

        sync.reconcile();
        awaitAcls(stranger, 0);
        awaitAcls(principal(host), granted(host));
    }

    /** As many ACLs as the host's grant in contracts' BusAccess has rows. */
    private static int granted(IssuanceRestTest.Host host) {
        return dev.virtgate.bus.BusBootstrap.bindings(BusAccess.hostGrant(host.registration().fqdn(),
                host.registration().clusterId(), host.id())).size();
    }

    private static String principal(IssuanceRestTest.Host host) {
        return BusAccess.hostPrincipal(host.registration().fqdn(), host.registration().clusterId());
    }

    private static boolean produces(Map<String, Object> login) throws Exception {
        Map<String, Object> config = new HashMap<>(login);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.AGENT_REPORTS, "k", new byte[0])).get(10, TimeUnit.SECONDS);
            return true;
        }
    }

    private static void awaitAcls(String principal, int count) {
        Awaitility.await(count + " ACLs of " + principal).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300)).untilAsserted(() -> assertThat(acls(principal)).hasSize(count));
    }

    private static Collection<AclBinding> acls(String principal) throws Exception {
        try (Admin admin = Admin.create(KafkaServer.shared().harnessConfig())) {
            return admin.describeAcls(new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                    "User:" + principal, null, AclOperation.ANY, AclPermissionType.ANY))).values().get(10, TimeUnit.SECONDS);
        }
    }
}
