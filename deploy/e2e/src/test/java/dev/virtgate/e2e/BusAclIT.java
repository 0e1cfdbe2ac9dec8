package dev.virtgate.e2e;

import dev.virtgate.bus.BusBootstrap;
import dev.virtgate.bus.BusSecurity;
import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Topics;
import dev.virtgate.testsupport.KafkaServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The broker as the local stack runs it (SASL/SCRAM, StandardAuthorizer, ACLs from BusAccess),
 * attacked: strangers are refused at the door, and a hypervisor's principal cannot write the
 * control plane's topics, read another's dead letters or join a service's consumer group.
 * Hypervisors log in with their host certificate on the mTLS listener ({@link HostBusIT} covers
 * trust and withdrawal); here the enrollment principal and a granted host's rights.
 */
class BusAclIT {
    private static KafkaServer kafka;
    private static HostCertificates.Host HOST;

    @BeforeAll
    static void broker() {
        kafka = KafkaServer.shared();
        HostCertificates ca = HostCertificates.trusted(kafka);
        HOST = ca.host("h1.acl.test", "acl", "h1");
        kafka.grantHost("h1.acl.test", "acl", "h1");
        HostCertificates.awaitWrites(HOST);
    }

    @Test
    void anAnonymousClientIsRefused() {
        Map<String, Object> anonymous = Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "request.timeout.ms", 3000, "default.api.timeout.ms", 5000);
        try (Admin admin = Admin.create(anonymous)) {
            assertThrows(Exception.class, () -> admin.listTopics().names().get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aWrongPasswordIsRefusedAsSuch() {
        Map<String, Object> config = new HashMap<>(BusSecurity.clientConfig(kafka.bootstrapServers(),
                BusAccess.HOST_ENROLLMENT, "not-the-password-of-this-principal"));
        config.put("request.timeout.ms", 5000);
        config.put("default.api.timeout.ms", 10000);
        try (Admin admin = Admin.create(config)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.listTopics().names().get(15, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause());
        }
    }

    @Test
    void anAgentMayWriteItsReportsButNoControlPlaneTopic() throws Exception {
        try (KafkaProducer<String, byte[]> agent = producer(HOST.config())) {
            agent.send(new ProducerRecord<>(Topics.AGENT_REPORTS, "h1", new byte[0])).get(15, TimeUnit.SECONDS);
            agent.send(new ProducerRecord<>(Topics.MIGRATION_RESULTS, "h1", new byte[0])).get(15, TimeUnit.SECONDS);
            for (String controlPlane : List.of(Topics.HOSTS, Topics.PKI, Topics.CREDENTIALS, Topics.MIGRATION_COMMANDS)) {
                refused(agent, controlPlane);
            }
        }
    }

    @Test
    void anEnrollingAgentMayOnlyAnnounceItself() throws Exception {
        try (KafkaProducer<String, byte[]> enrolling = producer(kafka.clientConfig(BusAccess.HOST_ENROLLMENT))) {
            enrolling.send(new ProducerRecord<>(Topics.AGENT_REPORTS, "h9", new byte[0])).get(15, TimeUnit.SECONDS);
            // what it refuses before its certificate goes to the agents' dead-letter topic, like any agent's
            enrolling.send(new ProducerRecord<>(Topics.deadLetter(BusAccess.HOST_AGENT), "h9", new byte[0]))
                    .get(15, TimeUnit.SECONDS);
            for (String topic : List.of(Topics.MIGRATION_RESULTS, Topics.HOSTS, Topics.PKI, Topics.CREDENTIALS)) {
                refused(enrolling, topic);
            }
        }
        try (KafkaConsumer<String, byte[]> enrolling = consumer(kafka.clientConfig(BusAccess.HOST_ENROLLMENT),
                BusAccess.AGENT_GROUP_PREFIX + UUID.randomUUID())) {
            enrolling.subscribe(List.of(Topics.CREDENTIALS));
            assertThrows(TopicAuthorizationException.class, () -> pollFor(enrolling));
        }
        try (KafkaConsumer<String, byte[]> enrolling = consumer(kafka.clientConfig(BusAccess.HOST_ENROLLMENT),
                BusAccess.AGENT_GROUP_PREFIX + UUID.randomUUID())) {
            enrolling.subscribe(List.of(Topics.PKI, Topics.HOSTS));
            pollFor(enrolling);
            assertFalse(enrolling.assignment().isEmpty());
        }
    }

    @Test
    void theEnrollmentPrincipalHasAProduceQuota() throws Exception {
        try (Admin admin = Admin.create(kafka.harnessConfig())) {
            var quotas = admin.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.containsOnly(List.of(
                    org.apache.kafka.common.quota.ClientQuotaFilterComponent.ofEntity(
                            org.apache.kafka.common.quota.ClientQuotaEntity.USER, BusAccess.HOST_ENROLLMENT))))
                    .entities().get(15, TimeUnit.SECONDS);
            assertEquals(Map.of("producer_byte_rate", (double) BusAccess.ENROLLMENT_PRODUCE_BYTES_PER_SECOND),
                    quotas.values().iterator().next());
        }
    }

    @Test
    void theBootstrapRetiresTheLoginAllAgentsShared() throws Exception {
        String password = "0123456789abcdef0123456789abcdef";
        try (Admin admin = Admin.create(kafka.harnessConfig())) {
            // what an earlier version left: the shared SCRAM login and an ACL of it
            admin.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(
                    BusAccess.HOST_AGENT, new org.apache.kafka.clients.admin.ScramCredentialInfo(
                    org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512, 8192), password)))
                    .all().get(15, TimeUnit.SECONDS);
            admin.createAcls(BusBootstrap.bindings(new BusAccess.Grant(BusAccess.HOST_AGENT,
                    new java.util.TreeSet<>(List.of(Topics.AGENT_REPORTS)), new java.util.TreeSet<>(), null, false)))
                    .all().get(15, TimeUnit.SECONDS);
            BusBootstrap.retire(admin);
            assertFalse(admin.describeUserScramCredentials().users().get(15, TimeUnit.SECONDS)
                    .contains(BusAccess.HOST_AGENT), "the shared login is gone");
            assertEquals(0, admin.describeAcls(new org.apache.kafka.common.acl.AclBindingFilter(
                    org.apache.kafka.common.resource.ResourcePatternFilter.ANY,
                    new org.apache.kafka.common.acl.AccessControlEntryFilter("User:" + BusAccess.HOST_AGENT, null,
                            org.apache.kafka.common.acl.AclOperation.ANY, org.apache.kafka.common.acl.AclPermissionType.ANY)))
                    .values().get(15, TimeUnit.SECONDS).size());
            BusBootstrap.retire(admin); // idempotent
        }
    }

    @Test
    void aHostCannotUseAnotherHostsGroup() {
        try (KafkaConsumer<String, byte[]> agent = consumer(HOST.config(), BusAccess.AGENT_GROUP_PREFIX + "h2")) {
            agent.subscribe(List.of(Topics.CREDENTIALS));
            assertThrows(GroupAuthorizationException.class, () -> pollFor(agent));
        }
    }

    @Test
    void aServiceMayWriteOnlyTheTopicsOfItsOwnEvents() throws Exception {
        try (KafkaProducer<String, byte[]> pki = producer("pki-service")) {
            pki.send(new ProducerRecord<>(Topics.PKI, "h1", new byte[0])).get(15, TimeUnit.SECONDS);
            refused(pki, Topics.MIGRATION_COMMANDS);
            refused(pki, Topics.AGENT_REPORTS);
        }
    }

    @Test
    void anAgentCannotReadAnotherComponentsDeadLettersNorJoinAServiceGroup() {
        try (KafkaConsumer<String, byte[]> agent = consumer(HOST.config(), BusAccess.AGENT_GROUP_PREFIX + "h1")) {
            agent.subscribe(List.of(Topics.deadLetter("credential-service")));
            assertThrows(TopicAuthorizationException.class, () -> pollFor(agent));
        }
        try (KafkaConsumer<String, byte[]> agent = consumer(HOST.config(), "credential-service")) {
            agent.subscribe(List.of(Topics.CREDENTIALS));
            assertThrows(GroupAuthorizationException.class, () -> pollFor(agent));
        }
    }

    @Test
    void anAgentReadsWhatItConsumesInAGroupOfItsOwn() {
        try (KafkaConsumer<String, byte[]> agent = consumer(HOST.config(), BusAccess.AGENT_GROUP_PREFIX + "h1")) {
            agent.subscribe(List.of(Topics.HOSTS, Topics.PKI, Topics.CREDENTIALS, Topics.MIGRATION_COMMANDS));
            pollFor(agent);
            assertFalse(agent.assignment().isEmpty());
        }
    }

    @Test
    void theCloudObserverReadsThePublicStreamAndNothingElseAndWritesNothing() throws Exception {
        try (KafkaConsumer<String, byte[]> observer = consumer(BusAccess.CLOUD_OBSERVER,
                BusAccess.CLOUD_OBSERVER + "-" + UUID.randomUUID())) {
            observer.subscribe(List.of(Topics.PUBLIC));
            pollFor(observer);
            assertFalse(observer.assignment().isEmpty());
        }
        for (String internal : List.of(Topics.HOSTS, Topics.MIGRATION_COMMANDS, Topics.CLOUD_REQUESTS,
                Topics.deadLetter("migration-service"))) {
            try (KafkaConsumer<String, byte[]> observer = consumer(BusAccess.CLOUD_OBSERVER,
                    BusAccess.CLOUD_OBSERVER + "-" + UUID.randomUUID())) {
                observer.subscribe(List.of(internal));
                assertThrows(TopicAuthorizationException.class, () -> pollFor(observer), internal);
            }
        }
        try (KafkaProducer<String, byte[]> observer = producer(BusAccess.CLOUD_OBSERVER)) {
            for (String topic : List.of(Topics.PUBLIC, Topics.CLOUD_REQUESTS, Topics.HOSTS)) {
                // a principal that may write nothing is refused already as an idempotent producer (cluster):
                // in the future of the send, or by send() itself once the producer has entered its error state
                Exception e = assertThrows(Exception.class, () -> observer.send(
                        new ProducerRecord<>(topic, "k", new byte[0])).get(15, TimeUnit.SECONDS), topic);
                Throwable cause = e;
                while (cause != null && !(cause instanceof org.apache.kafka.common.errors.AuthorizationException)) {
                    cause = cause.getCause();
                }
                assertInstanceOf(org.apache.kafka.common.errors.AuthorizationException.class, cause,
                        topic + ": " + e);
            }
        }
    }

    @Test
    void theExternalCloudWritesOnlyItsRequestsAndReadsNothing() throws Exception {
        try (KafkaProducer<String, byte[]> cloud = producer(BusAccess.EXTERNAL_CLOUD)) {
            cloud.send(new ProducerRecord<>(Topics.CLOUD_REQUESTS, "req-acl", new byte[0])).get(15, TimeUnit.SECONDS);
            for (String topic : List.of(Topics.PUBLIC, Topics.MIGRATION_COMMANDS, Topics.HOSTS, Topics.AGENT_REPORTS)) {
                refused(cloud, topic);
            }
        }
        try (KafkaConsumer<String, byte[]> cloud = consumer(BusAccess.EXTERNAL_CLOUD, "migration-service")) {
            cloud.subscribe(List.of(Topics.PUBLIC));
            assertThrows(org.apache.kafka.common.KafkaException.class, () -> pollFor(cloud));
        }
    }

    static void refused(KafkaProducer<String, byte[]> producer, String topic) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>(topic, "h1", new byte[0])).get(15, TimeUnit.SECONDS), topic);
        assertInstanceOf(TopicAuthorizationException.class, e.getCause(), topic);
    }

    /** Polls until the group assigned partitions (or an authorization error is thrown). */
    static void pollFor(KafkaConsumer<String, byte[]> consumer) {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (consumer.assignment().isEmpty() && System.nanoTime() < until) {
            consumer.poll(Duration.ofMillis(200));
        }
    }

    private static KafkaProducer<String, byte[]> producer(String principal) {
        return producer(kafka.clientConfig(principal));
    }

    static KafkaProducer<String, byte[]> producer(Map<String, Object> login) {
        Map<String, Object> config = new HashMap<>(login);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 12000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer(String principal, String group) {
        return consumer(kafka.clientConfig(principal), group);
    }

    static KafkaConsumer<String, byte[]> consumer(Map<String, Object> login, String group) {
        Map<String, Object> config = new HashMap<>(login);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
