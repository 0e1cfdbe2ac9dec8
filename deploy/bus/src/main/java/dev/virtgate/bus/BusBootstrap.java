package dev.virtgate.bus;

import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Makes a broker match {@link BusAccess}, idempotently: every topic, a SCRAM credential per principal
 * and exactly the ACLs of the table (write the topics of one's own events and one's dead-letter
 * topic, read what one consumes, one's consumer group). Run with the admin principal.
 */
public final class BusBootstrap {
    static final int SCRAM_ITERATIONS = 8192;
    /** Principals of earlier versions, removed by every bootstrap. */
    static final List<String> RETIRED = List.of(BusAccess.HOST_AGENT);

    private BusBootstrap() {
    }

    /** {@code passwords}: principal to password, for every principal of {@link BusAccess#principals()}. */
    public static void apply(Admin admin, Map<String, String> passwords, int partitions, short replicationFactor)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        createTopics(admin, partitions, replicationFactor);
        List<UserScramCredentialAlteration> users = new ArrayList<>();
        for (String principal : BusAccess.principals()) {
            String password = passwords.get(principal);
            if (password == null) {
                throw new IllegalArgumentException("no bus password for principal " + principal);
            }
            users.add(new UserScramCredentialUpsertion(principal,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), BusSecurity.safe(password)));
        }
        admin.alterUserScramCredentials(users).all().get(30, TimeUnit.SECONDS);
        admin.createAcls(acls()).all().get(30, TimeUnit.SECONDS);
        admin.alterClientQuotas(List.of(enrollmentQuota())).all().get(30, TimeUnit.SECONDS);
        retire(admin);
    }

    /**
     * Removes the principals of earlier versions: the SCRAM login all agents shared ({@code host-agent})
     * and its ACLs, so that its password opens nothing once the broker is upgraded.
     */
    public static void retire(Admin admin) throws ExecutionException, InterruptedException,
            java.util.concurrent.TimeoutException {
        for (String principal : RETIRED) {
            admin.deleteAcls(List.of(new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                    "User:" + principal, null, AclOperation.ANY, AclPermissionType.ANY)))).all().get(30, TimeUnit.SECONDS);
            try {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion(principal,
                        ScramMechanism.SCRAM_SHA_512))).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ResourceNotFoundException)) {
                    throw e;
                }
            }
        }
    }

    /** The produce quota of the enrollment principal: any number of unenrolled agents share it per broker. */
    static ClientQuotaAlteration enrollmentQuota() {
        return new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, BusAccess.HOST_ENROLLMENT)),
                List.of(new ClientQuotaAlteration.Op("producer_byte_rate",
                        (double) BusAccess.ENROLLMENT_PRODUCE_BYTES_PER_SECOND)));
    }

    /**
     * The ACL bindings of the whole table, plus pki-service's cluster rights: ALTER (it grants and
     * withdraws the ACLs of each host) and ALTER_CONFIGS (it sets the mTLS listener's trust).
     */
    public static List<AclBinding> acls() {
        List<AclBinding> acls = new ArrayList<>();
        BusAccess.grants().forEach(grant -> acls.addAll(bindings(grant)));
        String pki = "User:" + dev.virtgate.contracts.trust.EventAuthorization.PKI_SERVICE;
        BusAccess.PKI_CLUSTER_OPERATIONS.forEach(op -> acls.add(allow(pki, ResourceType.CLUSTER, "kafka-cluster",
                PatternType.LITERAL, AclOperation.valueOf(op))));
        return acls;
    }

    /** The ACL bindings of one principal's grant. */
    public static List<AclBinding> bindings(BusAccess.Grant grant) {
        List<AclBinding> acls = new ArrayList<>();
        String user = "User:" + grant.principal();
        grant.writes().forEach(t -> acls.add(allow(user, ResourceType.TOPIC, t, PatternType.LITERAL,
                AclOperation.WRITE)));
        grant.reads().forEach(t -> acls.add(allow(user, ResourceType.TOPIC, t, PatternType.LITERAL,
                AclOperation.READ)));
        if (grant.group() != null) {
            acls.add(allow(user, ResourceType.GROUP, grant.group(),
                    grant.groupIsPrefix() ? PatternType.PREFIXED : PatternType.LITERAL, AclOperation.READ));
        }
        return acls;
    }

    private static AclBinding allow(String user, ResourceType type, String name, PatternType pattern,
            AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(user, "*", operation, AclPermissionType.ALLOW));
    }

    private static void createTopics(Admin admin, int partitions, short replicationFactor)
            throws InterruptedException, java.util.concurrent.TimeoutException, ExecutionException {
        List<NewTopic> topics = Topics.all().stream().map(t -> new NewTopic(t, partitions, replicationFactor)).toList();
        try {
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
            // some existed: create the others one by one
            for (NewTopic topic : topics) {
                try {
                    admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException each) {
                    if (!(each.getCause() instanceof TopicExistsException)) {
                        throw each;
                    }
                }
            }
        }
    }
}
