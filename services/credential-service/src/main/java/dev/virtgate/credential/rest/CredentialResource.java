package dev.virtgate.credential.rest;

import dev.virtgate.credential.config.CredentialConfig;
import dev.virtgate.credential.openbao.OpenBaoUnavailableException;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.ClusterCredentialRepository;
import dev.virtgate.credential.repository.HostMemberRepository;
import dev.virtgate.credential.service.CredentialService;
import dev.virtgate.credential.service.CredentialStore;
import dev.virtgate.credential.service.RotationInProgressException;
import dev.virtgate.credential.service.RotationState;
import dev.virtgate.credential.service.Stage;
import dev.virtgate.credential.service.UnknownClusterException;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.audit.AuditedAction;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.InvalidField;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.error.UnavailableException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import java.util.ArrayList;
import java.util.List;

@Path("/v1/clusters/{clusterId}/credentials")
@Produces(MediaType.APPLICATION_JSON)
public class CredentialResource {
    static final String CLUSTER_ID = "^[a-z0-9][a-z0-9-]{0,62}$";

    @Inject
    CredentialService credentials;

    @Inject
    ClusterCredentialRepository clusters;

    @Inject
    HostMemberRepository hosts;

    @Inject
    CredentialStore store;

    @Inject
    CredentialConfig config;

    @Inject
    JsonWebToken caller;

    @Inject
    AuditRecorder audit;

    @GET
    @RolesAllowed({"viewer", "operator"})
    @Transactional
    public CredentialStatus status(@PathParam("clusterId") @Pattern(regexp = CLUSTER_ID) String clusterId) {
        ClusterCredential cluster = clusters.findByIdOptional(clusterId)
                .orElseThrow(() -> new NotFoundException("unknown cluster " + clusterId));
        RotationState state = cluster.state();
        List<String> acknowledged = new ArrayList<>();
        List<CredentialStatus.Laggard> laggards = new ArrayList<>();
        List<Object[]> members = hosts.memberRanks(clusterId);
        for (Object[] member : members) {
            String hostId = (String) member[0];
            int ackedRank = (Integer) member[1];
            if (state.hasCredential() && ackedRank >= state.rank()) {
                acknowledged.add(hostId);
            } else {
                Stage acked = Stage.ofRank(ackedRank).orElse(null);
                laggards.add(new CredentialStatus.Laggard(hostId, acked == null ? null : acked.version(),
                        acked == null ? null : acked.phase().name()));
            }
        }
        return new CredentialStatus(clusterId, state.rotationId(), state.version(),
                state.hasCredential() ? RotationState.username(state.version()) : null,
                state.phase() == null ? null : state.phase().name(), !state.idle(), store.kvPath(clusterId),
                state.kvVersion(), state.previousVersion() == null ? null : RotationState.username(state.previousVersion()),
                state.hasCredential() ? state.acceptedUsernames() : List.of(), cluster.rotationStartedAt,
                cluster.rotationRequestedBy, cluster.phaseEnteredAt, members.size(), acknowledged, laggards,
                cluster.rotationOwedAt != null);
    }

    @POST
    @Path("/rotate")
    @RolesAllowed("operator")
    @AuditedAction(value = AuditActions.CREDENTIAL_ROTATE, target = "clusterId", targetIsCluster = true)
    @APIResponse(responseCode = "202", description = "Rotation started; the body names the new version and phase")
    @APIResponse(responseCode = "404", description = "Unknown cluster")
    @APIResponse(responseCode = "409", description = "A rotation is in progress; invalidParams names its phase")
    @APIResponse(responseCode = "503", description = "The credential store (OpenBao) is unavailable; nothing changed")
    public Response rotate(@PathParam("clusterId") @Pattern(regexp = CLUSTER_ID) String clusterId) {
        RotationState staged = audit.attempt(AuditEntry.of(AuditActions.CREDENTIAL_ROTATE, clusterId)
                .cluster(clusterId), () -> start(clusterId));
        return Response.accepted(new RotationStarted(clusterId, staged.rotationId(), staged.version(),
                RotationState.username(staged.version()), staged.phase().name())).build();
    }

    private RotationState start(String clusterId) {
        try {
            return credentials.rotateForOperator(clusterId, caller.getName());
        } catch (UnknownClusterException e) {
            throw new NotFoundException("unknown cluster " + clusterId);
        } catch (RotationInProgressException e) {
            throw new ConflictException("a rotation is in progress, current phase " + e.phase(),
                    List.of(new InvalidField("phase", e.phase().name())));
        } catch (OpenBaoUnavailableException e) {
            throw UnavailableException.retryAfterSeconds("credential store (OpenBao) unavailable; nothing was changed",
                    config.openbao().retryAfterSeconds());
        }
    }
}
