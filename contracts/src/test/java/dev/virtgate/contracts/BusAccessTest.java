package dev.virtgate.contracts;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusAccessTest {

    private static final BusAccess.Grant HOST = BusAccess.hostGrant("h1.lab.example", "lab", "h1");

    @Test
    void agentsWriteOnlyTheirOwnTopics() {
        assertEquals(Set.of(Topics.AGENT_REPORTS, Topics.MIGRATION_RESULTS, Topics.deadLetter("host-agent")),
                HOST.writes());
        assertEquals(Set.of(Topics.HOSTS, Topics.PKI, Topics.CREDENTIALS, Topics.MIGRATION_COMMANDS), HOST.reads());
    }

    @Test
    void eachHostIsItsOwnPrincipalWithItsOwnGroup() {
        assertEquals("CN=h1.lab.example,OU=lab,O=virtgate", HOST.principal());
        assertEquals("host-agent-h1", HOST.group());
        assertFalse(HOST.groupIsPrefix());
        assertFalse(BusAccess.principals().contains(BusAccess.HOST_AGENT), "no shared agent principal");
    }

    @Test
    void theHostPrincipalIsTheSubjectKafkaReadsFromTheCertificate() {
        // Kafka's default SSL principal builder: X500Principal.getName() (RFC 2253) of the peer's subject
        var subject = new javax.security.auth.x500.X500Principal("CN=h1.lab.example, OU=lab, O=virtgate");
        assertEquals(subject.getName(), BusAccess.hostPrincipal("h1.lab.example", "lab"));
    }

    @Test
    void namesThatCouldChangeTheDnAreRefused() {
        for (String fqdn : new String[] {"h1.lab,OU=admin", "h1=x.lab", "h1+x.lab", "\"h1\".lab", "h1\\.lab", "h1",
                "H1.lab.example", "", null}) {
            assertThrows(IllegalArgumentException.class, () -> BusAccess.hostPrincipal(fqdn, "lab"), fqdn);
        }
        for (String id : new String[] {"api-clients", "services"}) { // an API client's or signer's certificate
            assertThrows(IllegalArgumentException.class, () -> BusAccess.hostPrincipal("h1.lab.example", id), id);
        }
        for (String id : new String[] {"lab,O=x", "la b", "Lab", "", null}) {
            assertThrows(IllegalArgumentException.class, () -> BusAccess.hostPrincipal("h1.lab.example", id), id);
            assertThrows(IllegalArgumentException.class, () -> BusAccess.hostGrant("h1.lab.example", "lab", id), id);
        }
    }

    @Test
    void anEnrollingAgentOnlyAnnouncesItselfAndReadsWhatAnswersIt() {
        BusAccess.Grant enrollment = BusAccess.grant(BusAccess.HOST_ENROLLMENT);
        assertEquals(Set.of(Topics.AGENT_REPORTS, Topics.deadLetter(BusAccess.HOST_AGENT)), enrollment.writes());
        assertEquals(Set.of(Topics.PKI, Topics.HOSTS), enrollment.reads());
        assertEquals(BusAccess.AGENT_GROUP_PREFIX, enrollment.group());
        assertTrue(enrollment.groupIsPrefix());
    }

    @Test
    void noTopicIsWrittenByBothAnAgentAndAService() {
        for (BusAccess.Grant grant : BusAccess.grants()) {
            if (!grant.principal().equals(BusAccess.HOST_ENROLLMENT)) {
                grant.writes().forEach(t -> assertTrue(!HOST.writes().contains(t), grant.principal() + " writes " + t));
            }
        }
    }

    @Test
    void servicesWriteTheTopicsOfTheirEvents() {
        assertEquals(Set.of(Topics.HOSTS, Topics.MIGRATION_COMMANDS, Topics.PUBLIC, Topics.deadLetter("migration-service")),
                BusAccess.grant("migration-service").writes());
        assertEquals(Set.of(Topics.HOSTS, Topics.CREDENTIALS, Topics.deadLetter("credential-service")),
                BusAccess.grant("credential-service").writes());
        assertEquals(Set.of(Topics.PKI, Topics.deadLetter("pki-service")), BusAccess.grant("pki-service").writes());
    }

    @Test
    void everyTopicHasAWriterAndAReader() {
        for (String topic : Topics.all()) {
            if (topic.startsWith("virtgate.dlq.")) {
                continue;
            }
            var all = new java.util.ArrayList<>(BusAccess.grants());
            all.add(HOST);
            assertTrue(all.stream().anyMatch(g -> g.writes().contains(topic)), topic + " writer");
            assertTrue(all.stream().anyMatch(g -> g.reads().contains(topic)), topic + " reader");
        }
    }

    @Test
    void theCloudObserverOnlyReadsThePublicStream() {
        BusAccess.Grant observer = BusAccess.grant(BusAccess.CLOUD_OBSERVER);
        assertEquals(Set.of(), observer.writes());
        assertEquals(Set.of(Topics.PUBLIC), observer.reads());
        assertEquals(BusAccess.CLOUD_OBSERVER, observer.group());
        assertTrue(observer.groupIsPrefix());
    }

    @Test
    void theExternalCloudOnlyWritesItsRequests() {
        BusAccess.Grant cloud = BusAccess.grant(BusAccess.EXTERNAL_CLOUD);
        assertEquals(Set.of(Topics.CLOUD_REQUESTS), cloud.writes());
        assertEquals(Set.of(), cloud.reads());
        assertEquals(null, cloud.group());
    }

    @Test
    void onlyMigrationServiceWritesThePublicStreamAndReadsTheRequests() {
        for (BusAccess.Grant grant : BusAccess.grants()) {
            boolean migration = grant.principal().equals("migration-service");
            assertEquals(migration, grant.writes().contains(Topics.PUBLIC), grant.principal());
            assertEquals(migration, grant.reads().contains(Topics.CLOUD_REQUESTS), grant.principal());
        }
    }
}
