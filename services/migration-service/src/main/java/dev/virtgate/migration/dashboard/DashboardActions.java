package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.rest.MigrationView;
import dev.virtgate.migration.rest.Roles;
import dev.virtgate.migration.service.MigrationService;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.audit.AuditedAction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

/**
 * What an operator can do from the dashboard, through the same service methods and audit as the API.
 * Every action needs the session cookie and the page's CSRF token ({@link DashboardSession}).
 */
@Path(DashboardSession.PATH + "/actions")
@Produces(MediaType.TEXT_HTML)
public class DashboardActions {
    private static final Logger LOG = Logger.getLogger(DashboardActions.class);

    @Inject
    MigrationService migrations;

    @Inject
    SecurityIdentity identity;

    @Inject
    AuditRecorder audit;

    /** As {@code DELETE /v1/migrations/{id}}: asks the source agent to abort; the state follows its report. */
    @POST
    @Path("migrations/{id}/cancel")
    @RolesAllowed(Roles.OPERATOR)
    @AuditedAction(value = AuditActions.MIGRATION_CANCEL, target = "id")
    public Response cancel(@PathParam("id") String id, @CookieParam(DashboardSession.COOKIE) String session,
            @HeaderParam(DashboardSession.CSRF_HEADER) String csrfToken) {
        if (!DashboardSession.csrfValid(session, csrfToken)) {
            LOG.warnf("dashboard: cancel of %s refused for %s: %s missing or wrong", id,
                    identity.getPrincipal().getName(), DashboardSession.CSRF_HEADER);
            return Response.status(Response.Status.FORBIDDEN).type(MediaType.TEXT_HTML)
                    .entity(Templates.notice("error", "Refused: " + DashboardSession.CSRF_HEADER
                            + " missing or wrong. Reload the page and try again.")).build();
        }
        MigrationView cancelled = audit.attempt(AuditEntry.of(AuditActions.MIGRATION_CANCEL, id),
                () -> migrations.cancel(id, identity.getPrincipal().getName()));
        return Response.ok(Templates.notice("notice", "Cancellation of " + cancelled.id() + " (vm "
                + cancelled.vmName() + ") requested.")).build();
    }
}
