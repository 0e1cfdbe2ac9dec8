package dev.virtgate.migration.rest;

import dev.virtgate.migration.service.MigrationRequests;
import dev.virtgate.migration.service.MigrationService;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.audit.AuditedAction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.net.URI;
import java.util.List;

@Path("/v1/migrations")
@Produces(MediaType.APPLICATION_JSON)
public class MigrationResource {

    @Inject
    MigrationService migrations;

    @Inject
    MigrationRequests requests;

    @Inject
    SecurityIdentity identity;

    @Inject
    AuditRecorder audit;

    /** The negotiated decision and its reasons; nothing is stored or sent. */
    @POST
    @Path("plan")
    @RolesAllowed({Roles.VIEWER, Roles.OPERATOR})
    @APIResponse(responseCode = "200", description = "The plan")
    @APIResponse(responseCode = "422", description = "vmName not a libvirt domain name, or a host unknown, "
            + "decommissioned or the same on both ends")
    public PlanView plan(@Valid @NotNull MigrationRequest request) {
        return migrations.plan(request);
    }

    /** Accepts a migration: 202 with Location; the same Idempotency-Key and body replay the same answer. */
    @POST
    @RolesAllowed(Roles.OPERATOR)
    @AuditedAction(AuditActions.MIGRATION_START)
    @APIResponse(responseCode = "202", description = "Accepted; Location names the migration")
    @APIResponse(responseCode = "422", description = "vmName not a libvirt domain name, a host unknown, "
            + "decommissioned or the same on both ends, the pair not allowed to migrate, or the Idempotency-Key "
            + "already used for another request")
    public Response request(@Valid @NotNull MigrationRequest request,
            @Parameter(description = "Replays the same answer for the same key and body",
                    schema = @Schema(type = SchemaType.STRING, pattern = "^[\\x21-\\x7e]{1,200}$"))
            @HeaderParam("Idempotency-Key") String idempotencyKey, UriInfo uri) {
        // refused before a migration id exists: the row's target is the VM
        AuditEntry entry = AuditEntry.of(AuditActions.MIGRATION_START, request.vmName()).host(request.sourceHostId())
                .detail("vm=" + request.vmName() + " destination=" + request.destinationHostId());
        MigrationRequests.Accepted accepted = audit.attempt(entry,
                () -> requests.request(request, idempotencyKey, identity.getPrincipal().getName()));
        URI location = uri.getBaseUriBuilder().path("v1/migrations").path(accepted.migration().id()).build();
        Response.ResponseBuilder response = Response.accepted(accepted.migration()).location(location);
        if (accepted.replay()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.build();
    }

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.OPERATOR})
    public List<MigrationView> list(@QueryParam("host") String host,
            @Parameter(schema = @Schema(type = SchemaType.STRING,
                    enumeration = {"REQUESTED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"}))
            @QueryParam("state") String state,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(1000) int limit) {
        return migrations.list(host, state, limit);
    }

    /** The migration, with its progress (percent, bytes, rate, elapsed time, downtime once completed). */
    @GET
    @Path("{id}")
    @RolesAllowed({Roles.VIEWER, Roles.OPERATOR})
    @APIResponse(responseCode = "200", description = "The migration; progress once its source agent reported "
            + "job statistics (about once a second while it runs), the final ones once it completed")
    public MigrationView get(@PathParam("id") String id) {
        return migrations.get(id);
    }

    /** Asks the source agent to abort (signed MigrationCancelRequested); the state follows its report. */
    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.OPERATOR)
    @AuditedAction(value = AuditActions.MIGRATION_CANCEL, target = "id")
    @APIResponse(responseCode = "202", description = "Cancellation requested")
    @APIResponse(responseCode = "409", description = "The migration has already ended")
    public Response cancel(@PathParam("id") String id) {
        MigrationView cancelled = audit.attempt(AuditEntry.of(AuditActions.MIGRATION_CANCEL, id),
                () -> migrations.cancel(id, identity.getPrincipal().getName()));
        return Response.accepted(cancelled).build();
    }
}
