package dev.virtgate.migration.service;

import dev.virtgate.contracts.events.MigrationCancelRequested;
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
import dev.virtgate.support.outbox.OutboxWriter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Plans, cancels and lists migrations; new ones are accepted by {@link MigrationRequests}, what the agents
 * report is applied by {@link MigrationResults}.
 */
@ApplicationScoped
public class MigrationService {

    @Inject
    MigrationPlanner planner;

    @Inject
    CommandSigner signer;

    @Inject
    OutboxWriter outbox;

    @Inject
    AuditRecorder audit;

    public PlanView plan(MigrationRequest request) {
        MigrationPlanner.Planned planned = planner.negotiate(request, Instant.now());
        return PlanView.of(planned.plan(), planned.policy().mode());
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

    private MigrationEntity require(String id) {
        MigrationEntity m = MigrationEntity.findById(id);
        if (m == null) {
            throw new NotFoundException("no migration " + id);
        }
        return m;
    }
}
