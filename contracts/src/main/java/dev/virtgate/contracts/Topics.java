package dev.virtgate.contracts;

/**
 * Kafka topics, split by who writes them: hypervisor agents write only {@link #AGENT_REPORTS} and
 * {@link #MIGRATION_RESULTS}; every other topic is written by control-plane services alone. The
 * broker's ACLs follow this split, so a host's principal cannot write a control-plane topic at all.
 */
public final class Topics {
    /** Control plane: registrations, removals, access grants and cluster policy. */
    public static final String HOSTS = "virtgate.hosts";
    /** Agents: enrolment, posture reports and renewal CSRs, keyed by host id (one host's reports stay in order). */
    public static final String AGENT_REPORTS = "virtgate.agents.reports";
    public static final String PKI = "virtgate.pki";
    public static final String CREDENTIALS = "virtgate.credentials";
    public static final String MIGRATION_COMMANDS = "virtgate.migrations.commands";
    public static final String MIGRATION_RESULTS = "virtgate.migrations.results";
    /**
     * The public, versioned stream for external systems (docs/cloud-events.md): host posture changes,
     * certificate expiry warnings, migration lifecycle, answers to cloud requests. Written by
     * migration-service only; read by the read-only principal {@link BusAccess#CLOUD_OBSERVER}.
     */
    public static final String PUBLIC = "virtgate.public.v1";
    /** Migration requests of an external cloud, written only by {@link BusAccess#EXTERNAL_CLOUD}. */
    public static final String CLOUD_REQUESTS = "virtgate.cloud.requests";

    /** The services that consume events, each with a dead-letter topic. */
    public static final java.util.List<String> CONSUMERS = java.util.List.of("pki-service", "credential-service",
            "migration-service", "host-agent");

    /** Every event topic and every dead-letter topic, for creating them ahead of the first producer. */
    public static java.util.List<String> all() {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(HOSTS, AGENT_REPORTS, PKI, CREDENTIALS,
                MIGRATION_COMMANDS, MIGRATION_RESULTS, PUBLIC, CLOUD_REQUESTS));
        CONSUMERS.forEach(service -> all.add(deadLetter(service)));
        return all;
    }

    /** Where a consumer parks events it cannot process: {@code virtgate.dlq.<service>}. */
    public static String deadLetter(String service) {
        return "virtgate.dlq." + service;
    }

    private Topics() {
    }
}
