package dev.virtgate.migration.negotiation;

import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.migration.MigrationParameter;
import dev.virtgate.contracts.migration.MigrationParameters;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Per-pair migration security negotiation, exactly as the architecture table says. A pure function
 * of both hosts' state, the cluster policy and the clock: no I/O, so it is tested exhaustively.
 *
 * <pre>
 * both TLS-ready, policy agentTlsProxy,
 *   both agents offer their proxy     -> TLS_AGENT_PROXY qemu+tls, memory in TLS between the agents (a ProxyRoute)
 * both TLS-ready, native TLS on both  -> TLS_NATIVE      qemu+tls, TLS (+ PARALLEL when both run multifd with TLS)
 * both TLS-ready, one lacks native    -> TLS_TUNNELLED   qemu+tls, TUNNELLED
 * otherwise, both SASL-ready, allowed -> SASL_TUNNELLED  qemu+tcp, TUNNELLED (warning)
 * otherwise, open upgrade window      -> INSECURE        qemu+tcp, memory in clear (warning, audited)
 * otherwise                           -> refused
 * </pre>
 * The TLS-ready plans are {@link TlsPlans}'.
 */
public final class Negotiator {
    static final List<String> BASE_FLAGS = List.of("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE");
    /**
     * Memory connections of a parallel TLS_NATIVE migration when the cluster policy names none. Eight:
     * on the lab pair (QEMU 7.2, 2 cores) encrypted throughput rose with connections up to 8 and no
     * further (2: 0.18-0.46 of clear text, 4: 0.36-0.44, 8: 0.44-0.61, 16: 0.60), because QEMU 7.2's
     * migration thread spins looking for a free channel when there are few (deploy/lab/README.md).
     */
    public static final int DEFAULT_PARALLEL_CONNECTIONS = 8;
    static final String NOT_IN_TUNNEL = "one connection: libvirt runs no parallel migration inside its tunnel";

    private final Duration postureMaxAge;

    public Negotiator(Duration postureMaxAge) {
        this.postureMaxAge = postureMaxAge;
    }

    public MigrationPlan negotiate(HostState source, HostState destination, ClusterPolicy policy, Instant now,
            Integer bandwidthMiBps) {
        ClusterPolicy effective = policy == null ? ClusterPolicy.DEFAULT : policy;
        if (!source.clusterId().equals(destination.clusterId())) {
            return MigrationPlan.refused(List.of("source is in cluster " + source.clusterId() + " and destination in "
                    + destination.clusterId() + ": peers trust only their own cluster"));
        }
        List<String> notTls = new ArrayList<>();
        notTls.addAll(tlsProblems("source", source, now));
        notTls.addAll(tlsProblems("destination", destination, now));
        if (notTls.isEmpty()) {
            return TlsPlans.plan(source, destination, effective, bandwidthMiBps);
        }
        List<String> reasons = new ArrayList<>(notTls);
        if (effective.allowsSasl(now)) {
            List<String> notSasl = new ArrayList<>();
            notSasl.addAll(saslProblems("source", source, now));
            notSasl.addAll(saslProblems("destination", destination, now));
            if (notSasl.isEmpty()) {
                reasons.add("WARNING: falling back to SASL as cluster policy " + effective.mode()
                        + " allows: memory is tunnelled inside the SASL-encrypted libvirt connection, not TLS");
                reasons.add(NOT_IN_TUNNEL);
                return new MigrationPlan(true, MigrationMode.SASL_TUNNELLED, uri("tcp", destination),
                        flags("TUNNELLED"), params(null, null, bandwidthMiBps, null), reasons, true);
            }
            reasons.addAll(notSasl);
        }
        if (effective.windowOpen(now)) {
            reasons.add("WARNING: memory stream will cross the network UNENCRYPTED, permitted only by the upgrade window"
                    + " that expires " + HumanTime.until(effective.windowExpiresAt(), now));
            return new MigrationPlan(true, MigrationMode.INSECURE, uri("tcp", destination), flags(),
                    params(destination.migrationAddress(), null, bandwidthMiBps, null), reasons, true);
        }
        reasons.add(refusal(effective, now));
        return MigrationPlan.refused(reasons);
    }

    /**
     * During a renewal libvirtd keeps its previous certificate until the agent has applied the new
     * one; that certificate is as good for TLS as the new one while it is neither revoked nor expired.
     */
    private static boolean runsValidPreviousCertificate(HostState host, Instant now) {
        HostState.PreviousCertificate previous = host.previousCert();
        return previous != null && host.appliedCertSerial().equals(previous.serial()) && previous.stillValidAt(now);
    }

    /**
     * Empty when the host is TLS-ready: a certificate pki-service issued (CertIssued), which libvirtd
     * runs by the agent's report, a TLS listener and a fresh posture that passes.
     */
    public List<String> tlsProblems(String side, HostState host, Instant now) {
        List<String> problems = new ArrayList<>();
        if (host.certSerial() == null) {
            problems.add(side + " has no certificate from this CA (not enrolled yet)");
        } else if (host.certRevokedAt() != null) {
            problems.add(side + " certificate " + host.certSerial() + " was revoked "
                    + HumanTime.ago(host.certRevokedAt(), now));
        } else if (host.certNotAfter() != null && !now.isBefore(host.certNotAfter())) {
            problems.add(side + " certificate expired " + HumanTime.ago(host.certNotAfter(), now));
        } else if (host.certNotBefore() != null && now.isBefore(host.certNotBefore())) {
            problems.add(side + " certificate is not valid until " + HumanTime.until(host.certNotBefore(), now));
        } else if (host.appliedCertSerial() == null) {
            // only a serial pki-service issued counts: a host that names none has shown no certificate of this CA
            problems.add(side + " libvirtd reports no certificate from this CA");
        } else if (!host.appliedCertSerial().equals(host.certSerial()) && !runsValidPreviousCertificate(host, now)) {
            problems.add(side + " libvirtd runs certificate " + host.appliedCertSerial() + ", not the current "
                    + host.certSerial());
        }
        if (!host.tlsListening()) {
            problems.add(side + " libvirtd is not listening on TLS");
        }
        problems.addAll(postureProblems(side, host, now));
        return problems;
    }

    /** Empty when the host can take part in a SASL-authenticated TCP migration. */
    public List<String> saslProblems(String side, HostState host, Instant now) {
        List<String> problems = new ArrayList<>();
        if (!host.saslListening()) {
            problems.add(side + " libvirtd is not listening on SASL/TCP");
        }
        if (host.credentialVersion() == null) {
            problems.add(side + " has no SASL credential applied");
        }
        if (host.certRevokedAt() != null) {
            // a revocation also rotates the cluster's credential away from the host (credential-service)
            problems.add(side + " certificate " + host.certSerial() + " was revoked " + HumanTime.ago(host.certRevokedAt(), now)
                    + ": the host has lost the cluster's SASL credential too");
        }
        problems.addAll(postureProblems(side, host, now));
        return problems.stream().distinct().toList();
    }

    private List<String> postureProblems(String side, HostState host, Instant now) {
        if (host.probedAt() == null) {
            return List.of(side + " has not reported its posture yet");
        }
        if (Duration.between(host.probedAt(), now).compareTo(postureMaxAge) > 0) {
            return List.of(side + " posture is stale: last report " + HumanTime.ago(host.probedAt(), now)
                    + " (max age " + HumanTime.span(postureMaxAge) + ")");
        }
        if (!Boolean.TRUE.equals(host.postureAllPass())) {
            return List.of(side + " posture check " + (host.failedCheck() == null ? "" : host.failedCheck() + " ")
                    + "failed");
        }
        return List.of();
    }

    private static String refusal(ClusterPolicy policy, Instant now) {
        return switch (policy.mode()) {
            case REQUIRE_TLS -> "refused: cluster policy REQUIRE_TLS allows no fallback from TLS";
            case ALLOW_SASL_FALLBACK -> "refused: cluster policy ALLOW_SASL_FALLBACK allows SASL but not clear text";
            case UPGRADE_WINDOW -> "refused: the upgrade window expired " + HumanTime.ago(policy.windowExpiresAt(), now);
        };
    }

    static String uri(String transport, HostState destination) {
        return "qemu+" + transport + "://" + destination.fqdn() + "/system";
    }

    static List<String> flags(String... extra) {
        List<String> flags = new ArrayList<>(BASE_FLAGS);
        flags.addAll(List.of(extra));
        return List.copyOf(flags);
    }

    /** Only through {@link MigrationParameters}: a name libvirt does not know cannot be produced. */
    static Map<String, String> params(String migrationAddress, String tlsDestination, Integer bandwidthMiBps,
            Integer parallelConnections) {
        MigrationParameters params = MigrationParameters.none();
        if (migrationAddress != null) {
            params = params.with(MigrationParameter.MIGRATE_URI, "tcp://" + (migrationAddress.contains(":")
                    ? "[" + migrationAddress + "]" : migrationAddress));
        }
        if (tlsDestination != null) {
            params = params.with(MigrationParameter.TLS_DESTINATION, tlsDestination);
        }
        if (bandwidthMiBps != null) {
            params = params.with(MigrationParameter.BANDWIDTH, bandwidthMiBps);
        }
        if (parallelConnections != null) {
            params = params.with(MigrationParameter.PARALLEL_CONNECTIONS, parallelConnections);
        }
        return params.toWire();
    }
}
