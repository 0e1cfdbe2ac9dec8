package dev.virtgate.contracts;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusAccessTest {

    @Test
    void agentsWriteOnlyTheirOwnTopics() {
        assertEquals(Set.of(Topics.AGENT_REPORTS, Topics.MIGRATION_RESULTS, Topics.deadLetter("host-agent")),
                BusAccess.grant(BusAccess.HOST_AGENT).writes());
    }

    @Test
    void noTopicIsWrittenByBothAnAgentAndAService() {
        Set<String> agentTopics = BusAccess.grant(BusAccess.HOST_AGENT).writes();
        for (BusAccess.Grant grant : BusAccess.grants()) {
            if (!grant.principal().equals(BusAccess.HOST_AGENT)) {
                grant.writes().forEach(t -> assertTrue(!agentTopics.contains(t), grant.principal() + " writes " + t));
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
            assertTrue(BusAccess.grants().stream().anyMatch(g -> g.writes().contains(topic)), topic + " writer");
            assertTrue(BusAccess.grants().stream().anyMatch(g -> g.reads().contains(topic)), topic + " reader");
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
