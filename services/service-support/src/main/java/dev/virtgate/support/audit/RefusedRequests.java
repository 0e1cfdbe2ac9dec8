package dev.virtgate.support.audit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import java.util.List;

/**
 * Records requests for an {@link AuditedAction} that were refused before the resource method ran,
 * from the problem mappers: only what the path says is known (no body was accepted).
 */
@ApplicationScoped
public class RefusedRequests {

    @Inject
    AuditRecorder recorder;

    public void record(SimpleResourceInfo resource, UriInfo uri, int status, String reason) {
        AuditedAction action = actionOf(resource);
        // 401: nobody to name, and recording each would let anyone fill the table
        if (action == null || status == 401 || status < 400 || status >= 500) {
            return;
        }
        String target = null;
        if (!action.target().isEmpty() && uri != null) {
            List<String> values = uri.getPathParameters().get(action.target());
            target = values == null || values.isEmpty() ? null : values.get(0);
        }
        AuditEntry entry = AuditEntry.of(action.value(), target);
        if (action.targetIsHost()) {
            entry = entry.host(target);
        }
        if (action.targetIsCluster()) {
            entry = entry.cluster(target);
        }
        recorder.refused(entry, reason);
    }

    static AuditedAction actionOf(SimpleResourceInfo resource) {
        if (resource == null || resource.getResourceClass() == null || resource.getMethodName() == null) {
            return null;
        }
        try {
            return resource.getResourceClass().getMethod(resource.getMethodName(), resource.parameterTypes())
                    .getAnnotation(AuditedAction.class);
        } catch (NoSuchMethodException | SecurityException e) {
            return null;
        }
    }
}
