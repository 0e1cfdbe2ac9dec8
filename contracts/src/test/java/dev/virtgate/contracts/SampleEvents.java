package dev.virtgate.contracts;

import dev.virtgate.contracts.events.*;
import dev.virtgate.contracts.migration.MigrationParameter;
import dev.virtgate.contracts.migration.MigrationParameters;

import java.time.Instant;
import java.util.List;

/** One valid instance of every event, for schema round trips. */
final class SampleEvents {
    static final Instant T = Instant.parse("2026-11-22T10:15:30Z");
    static final String CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
    static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    static final String CRL = "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n";
    static final String DN = "C=XX,O=virtgate,OU=cluster-a,CN=h1.lab.virtgate.test";

    static List<Event> all() {
        HostCapabilities caps = new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("scram-sha-256", "digest-md5"),
                List.of("tcp:16509", "tls:16514"), "0a6d8f8e-5c1d-4f0e-9b6a-2f5e0c1d7a11", "0.1.0", true);
        return List.of(
                new HostRegistered("h1", "cluster-a", "h1.lab.virtgate.test", List.of("h1.lab.virtgate.test", "h1"),
                        List.of("10.77.0.1"), List.of("10.78.0.1", "fd00::1"), "MCowBQYDK2VwAyEA" + "a".repeat(43), T),
                new HostDecommissioned("h1", "cluster-a", "hardware retired", "alice"),
                new HostEnrolled("h1", "cluster-a", "h1.lab.virtgate.test", CSR, "p".repeat(86), caps),
                new HostAccessGranted("h1", "cluster-a", "role-123", "QmFzZTY0Q2lwaGVydGV4dA==", T,
                        "secret/data/virtgate/clusters/cluster-a/libvirt-sasl"),
                new HostConfigured("h1", "cluster-a", "0af3", T, "rot-1", 8, CredentialPhase.STAGED, true, true, true,
                        List.of(new PostureCheck("unauthenticated-tcp-refused", CheckStatus.PASS, null)), "b".repeat(64), T,
                        true),
                new CsrSubmitted("h1", "cluster-a", CSR, "0af3", "MEUCIQDxyzxyzxyzxyz=="),
                new CertIssued("h1", "cluster-a", "0af3", "CN=h1.lab.virtgate.test,OU=cluster-a,O=virtgate,C=XX", DN, CERT,
                        List.of(), List.of(CERT), T, T.plusSeconds(86400), "ENROLLMENT"),
                new CertRevoked("h1", "cluster-a", "0af3", DN, "keyCompromise", T, CRL),
                new CertRenewalRequested("h1", "cluster-a", "0af3", T, "LIFETIME"),
                new CredentialRotated("cluster-a", "rot-1", "virtgate-v8", 8, "virtgate/clusters/cluster-a/libvirt-sasl", 8,
                        CredentialPhase.STAGED, "virtgate-v7", 7, List.of("virtgate-v7", "virtgate-v8")),
                new MigrationRequested("m-1", "guest1", "cluster-a", "h1", "h2", "qemu+tls://h2.lab.virtgate.test/system",
                        List.of("LIVE", "PEER2PEER", "TLS", "PARALLEL"), MigrationParameters.none()
                                .with(MigrationParameter.MIGRATE_URI, "tcp://10.78.0.2")
                                .with(MigrationParameter.PARALLEL_CONNECTIONS, 2)
                                .with(MigrationParameter.TLS_DESTINATION, "h2.lab.virtgate.test")
                                .with(MigrationParameter.BANDWIDTH, 500).toWire(),
                        MigrationMode.TLS_NATIVE, List.of("both hosts TLS-ready"), "alice", T, T.plusSeconds(300),
                        "migration-commands", "vault:v1:MEUCIQ=="),
                new MigrationCancelRequested("m-1", "h1", "alice", T, "migration-commands", "vault:v1:MEUCIQ=="),
                new MigrationProgress("m-1", "h1", 1000, 100, 50, 50, 10),
                new MigrationCompleted("m-1", "guest1", "h1", "h2", MigrationMode.TLS_NATIVE, 3000, 1200L, 290L, 131_000_000L,
                        200_000_000L),
                new MigrationFailed("m-1", "guest1", "h1", "h2", "libvirt refused", "authentication failed", 45, false),
                new CrlPublished("sha256:" + "c".repeat(64), "CN=virtgate root CA,O=virtgate", "42", T, T.plusSeconds(86400), CRL),
                new ClusterPolicyChanged("cluster-a", PolicyMode.UPGRADE_WINDOW, T.plusSeconds(3600), true, 3, T),
                new ClusterTlsReadinessChanged("cluster-a", false, 3, 2, 4, T),
                new HostPostureChanged("h1", "cluster-a", true, false, true, false, List.of("crl-fresh"), T),
                new CertificateExpiring("h1", "cluster-a", "0af3", T.plusSeconds(86400), "P7D"),
                new MigrationStateChanged("m-1", "guest1", "cluster-a", "h1", "h2", MigrationMode.TLS_NATIVE, "FAILED",
                        "libvirt refused", T),
                new CloudRequestAnswered("req-1", "0a6d8f8e-5c1d-4f0e-9b6a-2f5e0c1d7a11",
                        CloudRequestAnswered.Outcome.REFUSED, null, new CloudRequestAnswered.Refusal("REFUSED",
                                "the cluster policy forbids every migration mode for this pair",
                                List.of(new CloudRequestAnswered.InvalidParam("policy", "source not TLS-ready"))), T),
                new CloudMigrationRequested("req-1", "guest1", "h1", "h2", 500));
    }

    private SampleEvents() {
    }
}
