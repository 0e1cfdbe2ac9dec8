package dev.virtgate.migration.rest;

import dev.virtgate.migration.service.PolicyService;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.audit.AuditedAction;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

@Path("/v1/clusters/{clusterId}/policy")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterPolicyResource {

    @Inject
    PolicyService policies;

    @Inject
    SecurityIdentity identity;

    @Inject
    AuditRecorder audit;

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.OPERATOR})
    @Operation(summary = "The cluster's policy",
            description = "A cluster without one requires TLS, with SASL on TLS, at revision 0.")
    public PolicyView get(@PathParam("clusterId") @Pattern(regexp = RegisterHostRequest.ID,
            message = RegisterHostRequest.ID_RULE) String clusterId) {
        return policies.get(clusterId);
    }

    @PUT
    @RolesAllowed(Roles.OPERATOR)
    @AuditedAction(value = AuditActions.POLICY_SET, target = "clusterId", targetIsCluster = true)
    @Operation(summary = "Set the cluster's policy",
            description = "Bumps the revision and emits a signed ClusterPolicyChanged on virtgate.hosts: the agents "
                    + "open or close libvirtd's TCP port and layer SASL (SCRAM-SHA-256) on TLS as it says. "
                    + "saslOnTls defaults to true.")
    @APIResponse(responseCode = "200", description = "The policy now in force")
    @APIResponse(responseCode = "422", description = "windowExpiresAt missing, past, or given for another mode, "
            + "or parallelConnections outside 1 to 16; nothing stored or sent", content = @Content(mediaType = "application/problem+json"))
    public PolicyView put(@PathParam("clusterId") @Pattern(regexp = RegisterHostRequest.ID,
            message = RegisterHostRequest.ID_RULE) String clusterId, @Valid @NotNull PolicyRequest request) {
        AuditEntry entry = AuditEntry.of(AuditActions.POLICY_SET, clusterId).cluster(clusterId)
                .detail("policy=" + request.mode());
        return audit.attempt(entry, () -> policies.put(clusterId, request, identity.getPrincipal().getName()));
    }
}
