package dev.virtgate.contracts;

import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.Producer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What each bus principal may do on the broker: the topics it writes (derived from the authorization
 * table of {@link EventAuthorization} and the topic of each event type, plus its own dead-letter
 * topic if it consumes), the topics it reads, and its consumer group. The broker's ACLs are made from
 * this table and nothing else, so an agent's principal can never write a control-plane topic. Two
 * principals are for systems outside virtgate: {@link #CLOUD_OBSERVER} only reads the public stream,
 * {@link #EXTERNAL_CLOUD} only writes migration requests (docs/cloud-events.md).
 * <p>
 * Hypervisor agents have no shared principal: each host logs in on the broker's mTLS listener with
 * its host certificate and is the principal {@link #hostPrincipal}, with the rights of
 * {@link #hostGrant} (granted by pki-service while the host holds a valid certificate). Before its
 * first certificate an agent uses the SCRAM principal {@link #HOST_ENROLLMENT}, which may only
 * announce its enrollment, under a produce quota.
 */
public final class BusAccess {
    /** The component name of hypervisor agents: their dead-letter topic and consumer group prefix. */
    public static final String HOST_AGENT = "host-agent";
    /** The consumer groups of agents are {@code host-agent-<host id>}. */
    public static final String AGENT_GROUP_PREFIX = HOST_AGENT + "-";
    /**
     * SCRAM principal of agents without a host certificate yet: writes its enrollment (and the agents'
     * dead-letter topic), reads PKI and hosts.
     */
    public static final String HOST_ENROLLMENT = "host-enrollment";
    /** Produce quota of {@link #HOST_ENROLLMENT} (bytes per second per broker): an enrollment is a few KiB. */
    public static final int ENROLLMENT_PRODUCE_BYTES_PER_SECOND = 64 * 1024;
    /** Cluster operations of pki-service: ALTER (host ACLs) and ALTER_CONFIGS (the mTLS listener's trust). */
    public static final List<String> PKI_CLUSTER_OPERATIONS = List.of("ALTER", "ALTER_CONFIGS");
    /** The O of every host certificate (pki-service's HostIdentity). */
    public static final String HOST_ORGANIZATION = "virtgate";
    private static final Pattern FQDN = Pattern.compile(
            "^(?=.{1,253}$)(?=.*[a-z-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$");
    /** OUs of pki-service's non-host certificates (ClientIdentity, SignerIdentity). */
    private static final List<String> RESERVED_UNITS = List.of("api-clients", "services");
    private static final Pattern ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    /** Read-only: the public stream {@link Topics#PUBLIC}, with consumer groups {@code cloud-observer*}. */
    public static final String CLOUD_OBSERVER = "cloud-observer";
    /** Write-only: migration requests on {@link Topics#CLOUD_REQUESTS}; reads nothing, no consumer group. */
    public static final String EXTERNAL_CLOUD = "external-cloud";

    /**
     * One principal's rights. {@code group} is the consumer group id, or a prefix when
     * {@code groupIsPrefix} (one group per agent); null for a principal that consumes nothing.
     */
    public record Grant(String principal, SortedSet<String> writes, SortedSet<String> reads, String group,
            boolean groupIsPrefix) {
    }

    /**
     * The principal Kafka's default SSL principal builder makes of a host certificate: its subject in
     * RFC 2253 form, {@code CN=<fqdn>,OU=<clusterId>,O=virtgate}. Both names are validated as
     * migration-service registers them (lower-case FQDN, lower-case id), so no string that could
     * change the DN's meaning ({@code , = + " \\}) ever reaches an ACL.
     */
    public static String hostPrincipal(String fqdn, String clusterId) {
        if (fqdn == null || !FQDN.matcher(fqdn).matches()) {
            throw new IllegalArgumentException("fqdn must be a lower-case fully qualified DNS name: " + printable(fqdn));
        }
        requireId("clusterId", clusterId);
        if (RESERVED_UNITS.contains(clusterId)) {
            // the OU of API client and signer certificates of the same CA: never a host principal
            throw new IllegalArgumentException("clusterId '" + clusterId + "' is reserved by pki-service");
        }
        return "CN=" + fqdn + ",OU=" + clusterId + ",O=" + HOST_ORGANIZATION;
    }

    /**
     * The rights of one host's agent: write its reports, migration results and the agents' dead-letter
     * topic; read hosts, PKI, credentials and migration commands; its own consumer group only.
     */
    public static Grant hostGrant(String fqdn, String clusterId, String hostId) {
        String principal = hostPrincipal(fqdn, clusterId);
        requireId("hostId", hostId);
        SortedSet<String> writes = new TreeSet<>(writtenBy(HOST_AGENT));
        writes.add(Topics.deadLetter(HOST_AGENT));
        return new Grant(principal, writes, new TreeSet<>(List.of(Topics.HOSTS, Topics.PKI, Topics.CREDENTIALS,
                Topics.MIGRATION_COMMANDS)), AGENT_GROUP_PREFIX + hostId, false);
    }

    private static void requireId(String field, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be lower-case letters, digits and '-', at most 63: "
                    + printable(value));
        }
    }

    private static String printable(String value) {
        return value == null ? "null" : "'" + value.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }

    private static final Map<String, List<String>> READS = new LinkedHashMap<>();

    static {
        READS.put(EventAuthorization.PKI_SERVICE, List.of(Topics.HOSTS, Topics.AGENT_REPORTS));
        READS.put(EventAuthorization.CREDENTIAL_SERVICE, List.of(Topics.HOSTS, Topics.AGENT_REPORTS, Topics.PKI));
        READS.put(EventAuthorization.MIGRATION_SERVICE,
                List.of(Topics.AGENT_REPORTS, Topics.PKI, Topics.MIGRATION_RESULTS, Topics.CLOUD_REQUESTS));
        READS.put(HOST_ENROLLMENT, List.of(Topics.HOSTS, Topics.PKI));
        READS.put(CLOUD_OBSERVER, List.of(Topics.PUBLIC));
        READS.put(EXTERNAL_CLOUD, List.of());
    }

    /** Every principal of virtgate's own components, in a stable order. */
    public static List<String> principals() {
        return List.copyOf(READS.keySet());
    }

    public static List<Grant> grants() {
        List<Grant> grants = new ArrayList<>();
        for (Map.Entry<String, List<String>> entry : READS.entrySet()) {
            String principal = entry.getKey();
            boolean enrollment = HOST_ENROLLMENT.equals(principal);
            // an enrolling agent dead-letters what it refuses, like any agent: nothing is lost before its certificate
            SortedSet<String> writes = enrollment
                    ? new TreeSet<>(List.of(Topics.AGENT_REPORTS, Topics.deadLetter(HOST_AGENT)))
                    : new TreeSet<>(writtenBy(principal));
            if (Topics.CONSUMERS.contains(principal)) {
                writes.add(Topics.deadLetter(principal));
            }
            boolean prefixed = enrollment || CLOUD_OBSERVER.equals(principal);
            String group = enrollment ? AGENT_GROUP_PREFIX
                    : entry.getValue().isEmpty() ? null : principal;
            grants.add(new Grant(principal, writes, new TreeSet<>(entry.getValue()), group, prefixed));
        }
        return grants;
    }

    public static Grant grant(String principal) {
        return grants().stream().filter(g -> g.principal().equals(principal)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no bus principal " + principal));
    }

    /** The topics of the event types the authorization table lets this principal emit. */
    static SortedSet<String> writtenBy(String principal) {
        SortedSet<String> topics = new TreeSet<>();
        for (EventType type : EventType.values()) {
            EventAuthorization.Rule rule = EventAuthorization.rule(type);
            String writer = switch (rule.kind()) {
                case SERVICE -> rule.service();
                case API_CLIENT -> EXTERNAL_CLOUD;
                case HOST, ENROLLING_HOST -> HOST_AGENT;
            };
            if (writer.equals(principal)) {
                topics.add(type.topic());
            }
        }
        return topics;
    }

    private BusAccess() {
    }
}
