package dev.virtgate.support.audit;

import dev.virtgate.contracts.LogFields;
import dev.virtgate.support.config.ServiceIdentity;
import dev.virtgate.support.error.DomainException;
import dev.virtgate.support.tx.AfterCommit;
import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Instant;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Stores audit rows and writes their log lines (category {@code virtgate.audit}, which operators grep).
 * The actor is the caller's principal (JWT or client certificate), the source address the HTTP
 * client's; outside a request they are {@code system} and empty.
 */
@ApplicationScoped
public class AuditRecorder {
    public static final String CATEGORY = "virtgate.audit";
    private static final Logger LOG = Logger.getLogger(CATEGORY);

    @Inject
    ServiceIdentity service;

    @Inject
    CurrentIdentityAssociation identities;

    @Inject
    CurrentVertxRequest requests;

    @Inject
    AfterCommit afterCommit;

    /** An accepted action, in its own transaction: the row commits or rolls back with it; logged once committed. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void accepted(AuditEntry entry) {
        AuditRecord row = row(entry, AuditOutcome.ACCEPTED, entry.detail());
        row.persist();
        afterCommit.run(() -> log(row, entry.warn()));
    }

    /** A refused action (4xx): {@code reason} is the problem's detail, written to be shown. */
    public void refused(AuditEntry entry, String reason) {
        stored(entry, AuditOutcome.REFUSED, reason);
    }

    /** An action that failed on our side (5xx or an unexpected error). */
    public void failed(AuditEntry entry, String reason) {
        stored(entry, AuditOutcome.FAILED, reason);
    }

    /**
     * Runs the action; if it throws, records it as refused (a refusing DomainException) or failed and
     * rethrows. The action records itself as accepted inside its transaction.
     */
    public <T> T attempt(AuditEntry entry, Supplier<T> action) {
        try {
            return action.get();
        } catch (DomainException e) {
            e.markAudited();
            if (e.refusal()) {
                refused(entry, e.getMessage());
            } else {
                failed(entry, e.getMessage());
            }
            throw e;
        } catch (RuntimeException e) {
            // the exception's text is not written to be shown and could carry anything: its type only
            failed(entry, e.getClass().getSimpleName());
            throw e;
        }
    }

    private void stored(AuditEntry entry, AuditOutcome outcome, String reason) {
        String detail = entry.detail() == null ? reason : reason == null ? entry.detail() : entry.detail() + "; " + reason;
        AuditRecord row = row(entry, outcome, detail);
        if (Context.isOnEventLoopThread()) {
            // refused before the request left the event loop (a role check, a body): no blocking write here
            Infrastructure.getDefaultWorkerPool().execute(() -> store(row));
        } else {
            store(row);
        }
    }

    private static void store(AuditRecord row) {
        try {
            // the refused action's transaction rolled back or never began: this row needs one of its own
            QuarkusTransaction.requiringNew().run(row::persist);
        } catch (RuntimeException e) {
            LOG.errorf("audit row not stored (%s): %s", e.getClass().getSimpleName(), line(row));
            return;
        }
        log(row, true);
    }

    private AuditRecord row(AuditEntry entry, AuditOutcome outcome, String detail) {
        AuditRecord row = new AuditRecord();
        row.id = UUID.randomUUID();
        row.recordedAt = Instant.now();
        row.service = service.name();
        row.actor = clip(actor(), AuditRecord.ACTOR_LENGTH);
        row.action = clip(entry.action(), 64);
        row.target = clip(entry.target(), AuditRecord.TARGET_LENGTH);
        row.host = clip(entry.host(), 128);
        row.cluster = clip(entry.cluster(), 128);
        row.sourceAddress = sourceAddress();
        row.outcome = outcome.wire();
        row.detail = clip(detail, AuditRecord.DETAIL_LENGTH);
        row.mode = clip(entry.mode(), 32);
        return row;
    }

    private String actor() {
        if (!Arc.container().requestContext().isActive()) {
            return "system";
        }
        SecurityIdentity identity = identities.getIdentity();
        return identity == null || identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName();
    }

    private String sourceAddress() {
        if (!Arc.container().requestContext().isActive()) {
            return null;
        }
        RoutingContext current = requests.getCurrent();
        SocketAddress remote = current == null ? null : current.request().remoteAddress();
        return remote == null ? null : clip(remote.hostAddress(), 64);
    }

    private static void log(AuditRecord row, boolean warn) {
        // a migration's own id as a log field (JSON logs), as its results' lines carry it
        boolean migration = row.target != null && row.target.startsWith("m-") && row.action.startsWith("migration.");
        if (migration) {
            MDC.put(LogFields.MIGRATION_ID, row.target);
        }
        try {
            if (warn || !AuditOutcome.ACCEPTED.wire().equals(row.outcome)) {
                LOG.warn(line(row));
            } else {
                LOG.info(line(row));
            }
        } finally {
            if (migration) {
                MDC.remove(LogFields.MIGRATION_ID);
            }
        }
    }

    /** {@code migration.start by=alice from=127.0.0.1 outcome=accepted target=m-... host=... mode=... detail}. */
    static String line(AuditRecord row) {
        StringBuilder line = new StringBuilder(row.action).append(" by=").append(row.actor);
        append(line, "from", row.sourceAddress);
        append(line, "outcome", row.outcome);
        append(line, "target", row.target);
        append(line, "host", row.host);
        append(line, "cluster", row.cluster);
        append(line, "mode", row.mode);
        if (row.detail != null) {
            line.append(' ').append(row.detail);
        }
        // a request's text (a VM name, a refused value) must not start a forged line of its own
        return line.toString().replaceAll("\\p{Cntrl}", "?");
    }

    private static void append(StringBuilder line, String name, String value) {
        if (value != null) {
            line.append(' ').append(name).append('=').append(value);
        }
    }

    /** At most {@code max} characters PostgreSQL can store: a NUL (refused text is recorded too) written as \\u0000. */
    private static String clip(String text, int max) {
        String storable = text == null ? null : text.replace("\u0000", "\\u0000");
        return storable == null || storable.length() <= max ? storable : storable.substring(0, max);
    }
}
