package dev.virtgate.contracts;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertificateExpiring;
import dev.virtgate.contracts.events.CloudMigrationRequested;
import dev.virtgate.contracts.events.CloudRequestAnswered;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.CrlPublished;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostPostureChanged;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.events.MigrationStateChanged;

import java.util.Arrays;
import java.util.Optional;

/** The catalogue of events: CloudEvents type, topic, payload record and schema file. */
public enum EventType {
    HOST_REGISTERED("virtgate.host.registered.v1", Topics.HOSTS, HostRegistered.class),
    HOST_DECOMMISSIONED("virtgate.host.decommissioned.v1", Topics.HOSTS, HostDecommissioned.class),
    HOST_ENROLLED("virtgate.host.enrolled.v1", Topics.AGENT_REPORTS, HostEnrolled.class),
    HOST_ACCESS_GRANTED("virtgate.host.access-granted.v1", Topics.HOSTS, HostAccessGranted.class),
    HOST_CONFIGURED("virtgate.host.configured.v1", Topics.AGENT_REPORTS, HostConfigured.class),
    CLUSTER_POLICY_CHANGED("virtgate.cluster.policy-changed.v1", Topics.HOSTS, ClusterPolicyChanged.class),
    CLUSTER_TLS_READINESS_CHANGED("virtgate.cluster.tls-readiness-changed.v1", Topics.HOSTS,
            ClusterTlsReadinessChanged.class),
    CSR_SUBMITTED("virtgate.pki.csr-submitted.v1", Topics.AGENT_REPORTS, CsrSubmitted.class),
    CERT_ISSUED("virtgate.pki.cert-issued.v1", Topics.PKI, CertIssued.class),
    CERT_REVOKED("virtgate.pki.cert-revoked.v1", Topics.PKI, CertRevoked.class),
    CERT_RENEWAL_REQUESTED("virtgate.pki.cert-renewal-requested.v1", Topics.PKI, CertRenewalRequested.class),
    CRL_PUBLISHED("virtgate.pki.crl-published.v1", Topics.PKI, CrlPublished.class),
    CREDENTIAL_ROTATED("virtgate.credential.rotated.v1", Topics.CREDENTIALS, CredentialRotated.class),
    MIGRATION_REQUESTED("virtgate.migration.requested.v1", Topics.MIGRATION_COMMANDS, MigrationRequested.class),
    MIGRATION_CANCEL_REQUESTED("virtgate.migration.cancel-requested.v1", Topics.MIGRATION_COMMANDS,
            MigrationCancelRequested.class),
    MIGRATION_PROGRESS("virtgate.migration.progress.v1", Topics.MIGRATION_RESULTS, MigrationProgress.class),
    MIGRATION_COMPLETED("virtgate.migration.completed.v1", Topics.MIGRATION_RESULTS, MigrationCompleted.class),
    MIGRATION_FAILED("virtgate.migration.failed.v1", Topics.MIGRATION_RESULTS, MigrationFailed.class),
    // the public stream (virtgate.public.v1) and the requests of external clouds: docs/cloud-events.md
    HOST_POSTURE_CHANGED("virtgate.public.host.posture-changed.v1", Topics.PUBLIC, HostPostureChanged.class),
    CERTIFICATE_EXPIRING("virtgate.public.certificate.expiring.v1", Topics.PUBLIC, CertificateExpiring.class),
    MIGRATION_STATE_CHANGED("virtgate.public.migration.state-changed.v1", Topics.PUBLIC,
            MigrationStateChanged.class),
    CLOUD_REQUEST_ANSWERED("virtgate.public.cloud.request-answered.v1", Topics.PUBLIC, CloudRequestAnswered.class),
    CLOUD_MIGRATION_REQUESTED("virtgate.cloud.migration-requested.v1", Topics.CLOUD_REQUESTS,
            CloudMigrationRequested.class);

    private final String ceType;
    private final String topic;
    private final Class<? extends Event> payloadType;

    EventType(String ceType, String topic, Class<? extends Event> payloadType) {
        this.ceType = ceType;
        this.topic = topic;
        this.payloadType = payloadType;
    }

    public String ceType() {
        return ceType;
    }

    public String topic() {
        return topic;
    }

    public Class<? extends Event> payloadType() {
        return payloadType;
    }

    /** Class-path location of the JSON Schema, next to the record's class file. */
    public String schemaResource() {
        return "/" + payloadType.getName().replace('.', '/') + ".schema.json";
    }

    public static Optional<EventType> ofCeType(String ceType) {
        return Arrays.stream(values()).filter(t -> t.ceType.equals(ceType)).findFirst();
    }

    public static EventType of(Class<? extends Event> payloadType) {
        return Arrays.stream(values()).filter(t -> t.payloadType.equals(payloadType)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("not an event record: " + payloadType.getName()));
    }
}
