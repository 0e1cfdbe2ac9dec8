package dev.virtgate.migration.rest;

import dev.virtgate.migration.service.PolicyService;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

@Path("/v1/clusters/{clusterId}/policy")
@Produces(MediaType.APPLICATION_JSON)
public class ClusterPolicyResource {

    @Inject
    PolicyService policies;

    @Inject
    SecurityIdentity identity;

    @GET
    @RolesAllowed({Roles.VIEWER, Roles.OPERATOR})
    public PolicyView get(@PathParam("clusterId") String clusterId) {
        return policies.get(clusterId);
    }

    @PUT
    @RolesAllowed(Roles.OPERATOR)
    public PolicyView put(@PathParam("clusterId") String clusterId, @Valid @NotNull PolicyRequest request) {
        return policies.put(clusterId, request, identity.getPrincipal().getName());
    }
}
