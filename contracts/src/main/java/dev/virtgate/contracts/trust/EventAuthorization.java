package dev.virtgate.contracts.trust;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationProgress;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who may say what: the one table of which producer may emit which event type, and for which
 * subject. Every consumer applies it after the signature verified and before any state change.
 * Checks that need a consumer's own state (the registered enrollment key of a host, the source
 * host of a migration the consumer knows) come on top of this table, never instead of it.
 */
public final class EventAuthorization {
    public static final String PKI_SERVICE = "pki-service";
    public static final String CREDENTIAL_SERVICE = "credential-service";
    public static final String MIGRATION_SERVICE = "migration-service";

    /** The control-plane services that sign events (each with a signing key of its own). */
    public static final List<String> SIGNING_SERVICES = List.of(PKI_SERVICE, CREDENTIAL_SERVICE, MIGRATION_SERVICE);

    /** One row of the table: the kind of producer and, for hosts, which host the event must be about. */
    public record Rule(Producer.Kind kind, String service, Function<Event, String> hostOf) {
        static Rule service(String name) {
            return new Rule(Producer.Kind.SERVICE, name, null);
        }

        static Rule host(Function<Event, String> hostOf) {
            return new Rule(Producer.Kind.HOST, null, hostOf);
        }

        static Rule apiClient() {
            return new Rule(Producer.Kind.API_CLIENT, null, null);
        }

        static Rule enrolling(Function<Event, String> hostOf) {
            return new Rule(Producer.Kind.ENROLLING_HOST, null, hostOf);
        }

        public String describe() {
            return kind == Producer.Kind.SERVICE ? service
                    : kind == Producer.Kind.API_CLIENT ? "an API client certificate"
                    : kind == Producer.Kind.HOST ? "the agent of the host it is about"
                    : "the enrolling agent of the host it is about";
        }
    }

    private static final Map<EventType, Rule> TABLE = new EnumMap<>(EventType.class);

    static {
        TABLE.put(EventType.HOST_REGISTERED, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.HOST_DECOMMISSIONED, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.MIGRATION_REQUESTED, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.MIGRATION_CANCEL_REQUESTED, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.CLUSTER_POLICY_CHANGED, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.CLUSTER_TLS_READINESS_CHANGED, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.HOST_POSTURE_CHANGED, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.CERTIFICATE_EXPIRING, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.MIGRATION_STATE_CHANGED, Rule.service(MIGRATION_SERVICE));
        TABLE.put(EventType.CLOUD_REQUEST_ANSWERED, Rule.service(MIGRATION_SERVICE));
        // any API client of virtgate's CA; the consumer checks the certificate's role (operator)
        TABLE.put(EventType.CLOUD_MIGRATION_REQUESTED, Rule.apiClient());
        TABLE.put(EventType.CERT_ISSUED, Rule.service(PKI_SERVICE));
        TABLE.put(EventType.CERT_REVOKED, Rule.service(PKI_SERVICE));
        TABLE.put(EventType.CERT_RENEWAL_REQUESTED, Rule.service(PKI_SERVICE));
        TABLE.put(EventType.CRL_PUBLISHED, Rule.service(PKI_SERVICE));
        TABLE.put(EventType.CREDENTIAL_ROTATED, Rule.service(CREDENTIAL_SERVICE));
        TABLE.put(EventType.HOST_ACCESS_GRANTED, Rule.service(CREDENTIAL_SERVICE));
        TABLE.put(EventType.HOST_ENROLLED, Rule.enrolling(e -> ((HostEnrolled) e).hostId()));
        TABLE.put(EventType.HOST_CONFIGURED, Rule.host(e -> ((HostConfigured) e).hostId()));
        TABLE.put(EventType.CSR_SUBMITTED, Rule.host(e -> ((CsrSubmitted) e).hostId()));
        TABLE.put(EventType.MIGRATION_PROGRESS, Rule.host(e -> ((MigrationProgress) e).sourceHostId()));
        TABLE.put(EventType.MIGRATION_COMPLETED, Rule.host(e -> ((MigrationCompleted) e).sourceHostId()));
        TABLE.put(EventType.MIGRATION_FAILED, Rule.host(e -> ((MigrationFailed) e).sourceHostId()));
        for (EventType type : EventType.values()) {
            if (!TABLE.containsKey(type)) {
                throw new ExceptionInInitializerError("no authorization rule for " + type);
            }
        }
    }

    public static Rule rule(EventType type) {
        return TABLE.get(type);
    }

    /** Empty when {@code producer} may emit this event; otherwise why not. */
    public static Optional<String> refusal(Producer producer, EventType type, Event event) {
        Rule rule = TABLE.get(type);
        if (producer.kind() != rule.kind()) {
            return Optional.of(type.ceType() + " may come only from " + rule.describe() + ", not from " + producer);
        }
        if (rule.kind() == Producer.Kind.API_CLIENT) {
            return Optional.empty();
        }
        if (rule.kind() == Producer.Kind.SERVICE) {
            return rule.service().equals(producer.name()) ? Optional.empty()
                    : Optional.of(type.ceType() + " may come only from " + rule.service() + ", not from " + producer);
        }
        String about = rule.hostOf().apply(event);
        if (!producer.name().equals(about)) {
            return Optional.of(type.ceType() + " about host " + about + " may come only from that host, not from "
                    + producer);
        }
        return Optional.empty();
    }

    private EventAuthorization() {
    }
}
