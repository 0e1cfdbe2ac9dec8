package dev.virtgate.contracts;

import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.Producer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What each bus principal may do on the broker: the topics it writes (derived from the authorization
 * table of {@link EventAuthorization} and the topic of each event type, plus its own dead-letter
 * topic if it consumes), the topics it reads, and its consumer group. The broker's ACLs are made from
 * this table and nothing else, so an agent's principal can never write a control-plane topic. Two
 * principals are for systems outside virtgate: {@link #CLOUD_OBSERVER} only reads the public stream,
 * {@link #EXTERNAL_CLOUD} only writes migration requests (docs/cloud-events.md).
 */
public final class BusAccess {
    /** The principal of hypervisor agents. */
    public static final String HOST_AGENT = "host-agent";
    /** The consumer groups of agents are {@code host-agent-<host id>}. */
    public static final String AGENT_GROUP_PREFIX = HOST_AGENT + "-";
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

    private static final Map<String, List<String>> READS = new LinkedHashMap<>();

    static {
        READS.put(EventAuthorization.PKI_SERVICE, List.of(Topics.HOSTS, Topics.AGENT_REPORTS));
        READS.put(EventAuthorization.CREDENTIAL_SERVICE, List.of(Topics.HOSTS, Topics.AGENT_REPORTS, Topics.PKI));
        READS.put(EventAuthorization.MIGRATION_SERVICE,
                List.of(Topics.AGENT_REPORTS, Topics.PKI, Topics.MIGRATION_RESULTS, Topics.CLOUD_REQUESTS));
        READS.put(HOST_AGENT, List.of(Topics.HOSTS, Topics.PKI, Topics.CREDENTIALS, Topics.MIGRATION_COMMANDS));
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
            SortedSet<String> writes = new TreeSet<>(writtenBy(principal));
            boolean consumer = Topics.CONSUMERS.contains(principal);
            if (consumer) {
                writes.add(Topics.deadLetter(principal));
            }
            boolean prefixed = HOST_AGENT.equals(principal) || CLOUD_OBSERVER.equals(principal);
            String group = HOST_AGENT.equals(principal) ? AGENT_GROUP_PREFIX
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
