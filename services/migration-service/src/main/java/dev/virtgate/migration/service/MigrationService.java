package dev.virtgate.migration.service;

import dev.virtgate.migration.metrics.MigrationMetrics;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.migration.config.MigrationConfig;
import dev.virtgate.migration.negotiation.ClusterPolicy;
import dev.virtgate.migration.negotiation.MigrationPlan;
import dev.virtgate.migration.negotiation.Negotiator;
import dev.virtgate.migration.repository.HostEntity;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.migration.repository.MigrationState;
import dev.virtgate.migration.rest.MigrationRequest;
import dev.virtgate.migration.rest.MigrationView;
import dev.virtgate.migration.rest.PlanView;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.InvalidField;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.error.RefusedException;
import dev.virtgate.support.outbox.OutboxWriter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Plans, requests, cancels and lists migrations; what the agents report is applied by {@link MigrationResults}. */
@ApplicationScoped
public class MigrationService {
    /** What libvirt accepts as a domain name here (and the MigrationRequested schema allows). */
    static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");

    @Inject
    MigrationConfig config;

    @Inject
    PolicyService policies;

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

    private record Pair(HostEntity source, HostEntity destination, ClusterPolicy policy, MigrationPlan plan) {
    }

    public PlanView plan(MigrationRequest request) {
        Pair pair = negotiate(request, Instant.now());
        return PlanView.of(pair.plan(), pair.policy().mode());
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
        Pair pair = negotiate(request, now);
        refuseIfMigrating(related, request.vmName());
        MigrationPlan plan = pair.plan();
        if (!plan.allowed()) {
            throw new RefusedException("the cluster policy forbids every migration mode for this pair: "
                    + String.join("; ", plan.reasons()), fields(plan.reasons()));
        }
        MigrationRequested unsigned = new MigrationRequested("m-" + UUID.randomUUID(), request.vmName(),
                pair.source().clusterId, pair.source().id, pair.destination().id, plan.destinationUri(), plan.flags(),
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
        metrics.requested(command.mode(), command.clusterId(), pair.policy().windowOpen(now));
        return new Accepted(MigrationView.of(entity), false);
    }

    public MigrationView get(String id) {
        return MigrationView.of(require(id));
    }

    public List<MigrationView> list(String hostId, String state, int limit) {
        MigrationState wanted = null;
        if (state != null) {
            try {
                wanted = MigrationState.valueOf(state);
            } catch (IllegalArgumentException e) {
                throw InvalidInputException.malformed("state",
                        "one of REQUESTED, RUNNING, COMPLETED, FAILED, CANCELLED");
            }
        }
        StringBuilder query = new StringBuilder("1 = 1");
        List<Object> args = new ArrayList<>();
        if (hostId != null) {
            args.add(hostId);
            query.append(" and (sourceHostId = ?").append(args.size()).append(" or destinationHostId = ?")
                    .append(args.size()).append(')');
        }
        if (wanted != null) {
            args.add(wanted);
            query.append(" and state = ?").append(args.size());
        }
        query.append(" order by requestedAt desc, id");
        return MigrationEntity.<MigrationEntity>find(query.toString(), args.toArray()).page(0, limit).list().stream()
                .map(MigrationView::of).toList();
    }

    public MigrationView cancel(String id, String requestedBy) {
        MigrationEntity current = require(id);
        if (current.state.terminal()) {
            throw new ConflictException("migration " + id + " is already " + current.state,
                    List.of(new InvalidField("state", current.state.name())));
        }
        if (current.cancelRequestedAt != null) {
            return MigrationView.of(current);
        }
        Instant now = Instant.now();
        MigrationCancelRequested unsigned = new MigrationCancelRequested(id, current.sourceHostId, requestedBy, now,
                signer.keyName(), null);
        MigrationCancelRequested command = unsigned.withSignature(signer.sign(unsigned.signingPayload()));
        return QuarkusTransaction.requiringNew().call(() -> {
            MigrationEntity m = MigrationEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
            if (m.state.terminal() || m.cancelRequestedAt != null) {
                return MigrationView.of(m);
            }
            m.cancelRequestedAt = now;
            m.cancelRequestedBy = requestedBy;
            m.updatedAt = now;
            outbox.write(command);
            audit.accepted(AuditEntry.of(AuditActions.MIGRATION_CANCEL, id).host(m.sourceHostId).cluster(m.clusterId)
                    .detail("vm=" + m.vmName));
            return MigrationView.of(m);
        });
    }

    // ---- helpers ----

    /** SASL_TUNNELLED and INSECURE are logged as warnings; INSECURE's row carries the reasons it was allowed. */
    private static AuditEntry started(MigrationRequested command) {
        boolean weaker = command.mode() == MigrationMode.INSECURE || command.mode() == MigrationMode.SASL_TUNNELLED;
        return AuditEntry.of(AuditActions.MIGRATION_START, command.migrationId()).host(command.sourceHostId())
                .cluster(command.clusterId()).mode(command.mode().name())
                .detail("vm=" + command.vmName() + " destination=" + command.destinationHostId()
                        + (weaker ? " reasons=" + command.reasons() : ""))
                .warn(weaker);
    }

    private Pair negotiate(MigrationRequest request, Instant now) {
        if (!VM_NAME.matcher(request.vmName()).matches()) {
            throw InvalidInputException.unprocessable("vmName",
                    "not a libvirt domain name: letters, digits, '.', '_', '-', at most 64, starting alphanumeric");
        }
        if (request.sourceHostId().equals(request.destinationHostId())) {
            throw InvalidInputException.unprocessable("destinationHostId", "must differ from sourceHostId");
        }
        // one round trip; "id in ?1" would be translated to SQL anew on every call (its length varies)
        Map<String, HostEntity> hosts = HostEntity.<HostEntity>list("id = ?1 or id = ?2",
                request.sourceHostId(), request.destinationHostId()).stream()
                .collect(Collectors.toMap(h -> h.id, h -> h));
        HostEntity source = activeHost("sourceHostId", request.sourceHostId(), hosts);
        HostEntity destination = activeHost("destinationHostId", request.destinationHostId(), hosts);
        ClusterPolicy policy = policies.policyOf(source.clusterId);
        MigrationPlan plan = new Negotiator(config.postureMaxAge()).negotiate(HostRegistry.state(source),
                HostRegistry.state(destination), policy, now, request.bandwidthMiBps());
        return new Pair(source, destination, policy, plan);
    }

    private static HostEntity activeHost(String field, String hostId, Map<String, HostEntity> hosts) {
        HostEntity host = hosts.get(hostId);
        if (host == null) {
            throw InvalidInputException.unprocessable(field, "unknown host " + hostId);
        }
        if (host.decommissionedAt != null) {
            throw InvalidInputException.unprocessable(field, "host " + hostId + " is decommissioned");
        }
        return host;
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

    private MigrationEntity require(String id) {
        MigrationEntity m = MigrationEntity.findById(id);
        if (m == null) {
            throw new NotFoundException("no migration " + id);
        }
        return m;
    }
}
