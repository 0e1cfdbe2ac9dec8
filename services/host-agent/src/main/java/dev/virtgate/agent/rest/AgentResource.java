package dev.virtgate.agent.rest;

import dev.virtgate.agent.service.AgentService;
import dev.virtgate.contracts.events.HostConfigured;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/** Local (127.0.0.1) read-only status: enrollment, certificate, last posture. */
@Path("/v1/agent")
@Produces(MediaType.APPLICATION_JSON)
public class AgentResource {

    @Inject
    AgentService agent;

    @GET
    @Path("/status")
    public Response status() {
        var state = agent.state();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("hostId", agent.config().hostId());
        out.put("clusterId", agent.config().clusterId());
        out.put("enrolled", state.enrolled);
        out.put("certSerial", state.certSerial);
        out.put("certNotAfter", state.certNotAfter);
        out.put("trustAnchors", agent.trustAnchorFingerprints());
        out.put("credentialVersion", state.credential == null ? null : state.credential.version());
        out.put("runningMigrations", agent.runningMigrations());
        HostConfigured last = agent.lastReport();
        out.put("posture", last == null ? null : last.posture());
        out.put("probedAt", last == null ? null : last.probedAt());
        return Response.ok(out).build();
    }
}
