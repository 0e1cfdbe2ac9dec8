package dev.virtgate.migration.service;

import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.migration.config.MigrationConfig;
import dev.virtgate.migration.metrics.MigrationMetrics;
import dev.virtgate.migration.negotiation.MigrationPlan;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.migration.rest.MigrationRequest;
import dev.virtgate.migration.rest.MigrationView;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.InvalidField;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.RefusedException;
import dev.virtgate.support.outbox.OutboxWriter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Accepts a migration: negotiated by {@link MigrationPlanner}, signed, then stored with its command in the
 * outbox in one transaction; an Idempotency-Key replays the earlier answer.
 */
@ApplicationScoped
public class MigrationRequests {
    static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");

    @Inject
    MigrationConfig config;

    @Inject
    MigrationPlanner planner;

    @Inject
    CommandSigner signer;

    @Inject
    OutboxWriter outbox;

    @Inject
    EntityManager em;

    @Inject
    AuditRecorder audit;

    @Inject
    MigrationMetrics metrics;

    @Inject
    PublicEvents publicEvents;

    /** The outcome of a POST: the migration, and whether it was an idempotent replay. */
    public record Accepted(MigrationView migration, boolean replay) {
    }

    public Accepted request(MigrationRequest request, String idempotencyKey, String requestedBy) {
        return request(request, idempotencyKey, requestedBy, view -> {
        });
    }

    /**
     * The same; {@code alsoInTransaction} writes what must commit with a new migration (the answer to a
     * cloud request). An idempotent replay does not call it: nothing new is committed.
     */
    public Accepted request(MigrationRequest request, String idempotencyKey, String requestedBy,
            Consumer<MigrationView> alsoInTransaction) {
        String fingerprint = null;
        if (idempotencyKey != null) {
            if (!IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
                throw InvalidInputException.malformed("Idempotency-Key", "1 to 200 printable ASCII characters");
            }
            fingerprint = EnrollmentTokens.sha256Hex(requestedBy + "\n" + request.vmName() + "\n"
                    + request.sourceHostId() + "\n" + request.destinationHostId() + "\n" + request.bandwidthMiBps());
        }
        List<MigrationEntity> related = related(idempotencyKey, request.vmName());
        if (idempotencyKey != null) {
            Optional<Accepted> replay = replay(related, idempotencyKey, fingerprint);
            if (replay.isPresent()) {
                return replay.get();
            }
        }
        Instant now = Instant.now();
        MigrationPlanner.Planned planned = planner.negotiate(request, now);
        refuseIfMigrating(related, request.vmName());
        MigrationPlan plan = planned.plan();
        if (!plan.allowed()) {
            throw new RefusedException("the cluster policy forbids every migration mode for this pair: "
                    + String.join("; ", plan.reasons()), fields(plan.reasons()));
        }
        MigrationRequested unsigned = new MigrationRequested("m-" + UUID.randomUUID(), request.vmName(),
                planned.source().clusterId, planned.source().id, planned.destination().id, plan.destinationUri(), plan.flags(),
                plan.parameters(), plan.mode(), plan.reasons(), requestedBy, now, now.plus(config.commandTtl()),
                signer.keyName(), null, plan.proxyRoute());
        // Signed before the transaction opens: the Transit round trip does not hold a database connection.
        MigrationRequested command = unsigned.withSignature(signer.sign(unsigned.signingPayload()));
        MigrationEntity entity = MigrationEntity.requested(command, request.bandwidthMiBps(), idempotencyKey,
                fingerprint);
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                entity.persist();
                outbox.write(command);
                publicEvents.migrationChanged(entity, now);
                audit.accepted(started(command));
                alsoInTransaction.accept(MigrationView.of(entity));
                em.flush();
            });
        } catch (RuntimeException e) {
            // lost a race on a unique index: answer as if that other request had been seen first
            List<MigrationEntity> winner = related(idempotencyKey, request.vmName());
            if (idempotencyKey != null) {
                Optional<Accepted> replay = replay(winner, idempotencyKey, fingerprint);
                if (replay.isPresent()) {
                    return replay.get();
                }
            }
            refuseIfMigrating(winner, request.vmName());
            throw e;
        }
        metrics.requested(command.mode(), command.clusterId(), planned.policy().windowOpen(now));
        return new Accepted(MigrationView.of(entity), false);
    }

    /** SASL_TUNNELLED and INSECURE are logged as warnings; INSECURE's row carries the reasons it was allowed. */
    private static AuditEntry started(MigrationRequested command) {
        boolean weaker = command.mode() == MigrationMode.INSECURE || command.mode() == MigrationMode.SASL_TUNNELLED;
        return AuditEntry.of(AuditActions.MIGRATION_START, command.migrationId()).host(command.sourceHostId())
                .cluster(command.clusterId()).mode(command.mode().name())
                .detail("vm=" + command.vmName() + " destination=" + command.destinationHostId()
                        + (weaker ? " reasons=" + command.reasons() : ""))
                .warn(weaker);
    }

    /**
     * One read for both the earlier use of the idempotency key and a migration of this VM still under
     * way: every round trip on the hot path is one more chance to wait for a busy database.
     */
    private static List<MigrationEntity> related(String idempotencyKey, String vmName) {
        return idempotencyKey == null ? MigrationEntity.list("activeVm", vmName)
                : MigrationEntity.list("idempotencyKey = ?1 or activeVm = ?2", idempotencyKey, vmName);
    }

    private static void refuseIfMigrating(List<MigrationEntity> related, String vmName) {
        MigrationEntity active = related.stream().filter(m -> vmName.equals(m.activeVm)).findFirst().orElse(null);
        if (active != null) {
            throw new ConflictException("vm " + vmName + " is already migrating (" + active.id + ", "
                    + active.state + ")", List.of(new InvalidField("vmName", "already migrating: " + active.id)));
        }
    }

    private static Optional<Accepted> replay(List<MigrationEntity> related, String key, String fingerprint) {
        MigrationEntity existing = related.stream().filter(m -> key.equals(m.idempotencyKey)).findFirst().orElse(null);
        if (existing == null) {
            return Optional.empty();
        }
        if (!existing.requestFingerprint.equals(fingerprint)) {
            throw InvalidInputException.unprocessable("Idempotency-Key", "already used for a different request");
        }
        return Optional.of(new Accepted(MigrationView.of(existing), true));
    }

    private static List<InvalidField> fields(List<String> reasons) {
        return reasons.stream().map(r -> new InvalidField(
                r.startsWith("source") ? "sourceHostId" : r.startsWith("destination") ? "destinationHostId" : "policy",
                r)).toList();
    }
}
