package dev.virtgate.support.audit;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code GET /v1/audit}: this service's audit trail, served by every control-plane service.
 * Parameters are taken as text and validated by {@link AuditQuery}, so that a bad one is a 400 naming it
 * (a typed int would make Quarkus REST answer 404).
 */
@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {

    @Inject
    AuditLog log;

    @GET
    @RolesAllowed({"viewer", "operator"})
    @Operation(summary = "The audit trail",
            description = "Operator actions (accepted, refused or failed) with who, what, when and from where, "
                    + "newest first. Every filter is optional; since is inclusive, until exclusive.")
    @APIResponse(responseCode = "200", description = "A page of audit rows and the total that match")
    public AuditPage search(
            @Parameter(description = "The principal: JWT subject or client certificate DN")
            @QueryParam("actor") String actor,
            @Parameter(schema = @Schema(type = SchemaType.STRING, enumeration = {"host.register", "host.decommission",
                    "policy.set", "migration.start", "migration.cancel", "certificate.revoke", "credential.rotate"}))
            @QueryParam("action") String action,
            @Parameter(description = "A host id") @QueryParam("host") String host,
            @Parameter(description = "ISO-8601 instant, inclusive",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("since") String since,
            @Parameter(description = "ISO-8601 instant, exclusive",
                    schema = @Schema(type = SchemaType.STRING, format = "date-time"))
            @QueryParam("until") String until,
            @Parameter(description = "From 0", schema = @Schema(type = SchemaType.INTEGER, minimum = "0",
                    defaultValue = "0"))
            @QueryParam("page") String page,
            @Parameter(schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500",
                    defaultValue = "50"))
            @QueryParam("size") String size) {
        return log.search(AuditQuery.parse(actor, action, host, since, until, page, size));
    }
}
