package dev.virtgate.migration.rest;

import dev.virtgate.migration.service.HostRegistry;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.audit.AuditedAction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.util.List;

@Path("/v1/hosts")
@Produces(MediaType.APPLICATION_JSON)
public class HostResource {

    @Inject
    HostRegistry registry;

    @Inject
    SecurityIdentity identity;

    @Inject
    AuditRecorder audit;

    /** Registers a host; the response is its enrollment bundle (token and CA fingerprint), shown this once only. */
    @POST
    @RolesAllowed(Roles.OPERATOR)
    @AuditedAction(AuditActions.HOST_REGISTER)
    @Operation(summary = "Register a host and get its enrollment bundle",
            description = "Answers the one-time enrollment token and the SHA-256 fingerprint of virtgate's CA for the "
                    + "agent to pin. Emits HostRegistered carrying only the public key the token seeds.")
    @APIResponse(responseCode = "201", description = "Registered; the body is the enrollment bundle, shown once",
            content = @Content(schema = @Schema(implementation = HostRegistration.class)))
    @APIResponse(responseCode = "409", description = "hostId or fqdn already registered")
    @APIResponse(responseCode = "503", description = "pki-service has not published a CA yet; nothing was registered",
            content = @Content(mediaType = "application/problem+json"))
    public Response register(@Valid @NotNull RegisterHostRequest request, UriInfo uri) {
        AuditEntry entry = AuditEntry.of(AuditActions.HOST_REGISTER,
                request.hostId() != null ? request.hostId() : request.fqdn()).host(request.hostId())
                .cluster(request.clusterId()).detail("fqdn=" + request.fqdn());
        HostRegistration registration = audit.attempt(entry,
                () -> registry.register(request, identity.getPrincipal().getName()));
        return Response.created(uri.getAbsolutePathBuilder().path(registration.hostId()).build())
                .header("Cache-Control", "no-store").entity(registration).build();
    }

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.OPERATOR})
    public List<HostView> list(@QueryParam("cluster") String clusterId) {
        return registry.list(clusterId);
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.VIEWER, Roles.OPERATOR})
    public HostView get(@PathParam("id") String id) {
        return registry.get(id);
    }

    /** Decommissions the host: HostDecommissioned makes pki-service revoke its certificate. */
    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.OPERATOR)
    @AuditedAction(value = AuditActions.HOST_DECOMMISSION, target = "id", targetIsHost = true)
    @APIResponse(responseCode = "204", description = "Decommissioned")
    public Response decommission(@PathParam("id") String id) {
        audit.attempt(AuditEntry.of(AuditActions.HOST_DECOMMISSION, id).host(id),
                () -> registry.decommission(id, identity.getPrincipal().getName()));
        return Response.noContent().build();
    }
}
