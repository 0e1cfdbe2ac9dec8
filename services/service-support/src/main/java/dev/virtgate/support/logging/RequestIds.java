package dev.virtgate.support.logging;

import dev.virtgate.contracts.LogFields;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Gives every REST request an id in the log context and answers it in {@code X-Request-Id}. A
 * caller's id is kept only when it is short and plain, so a header cannot forge log fields.
 */
public class RequestIds {
    static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final String PROPERTY = RequestIds.class.getName();

    // Runs before every other filter, so that a refusal by one of them is logged with the id too.
    @ServerRequestFilter(priority = 10)
    public void assign(ContainerRequestContext request) {
        String id = requestId(request.getHeaderString(LogFields.REQUEST_ID_HEADER));
        request.setProperty(PROPERTY, id);
        MDC.put(LogFields.REQUEST_ID, id);
    }

    @ServerResponseFilter
    public void answer(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty(PROPERTY);
        if (id != null) {
            response.getHeaders().putSingle(LogFields.REQUEST_ID_HEADER, id);
        }
        MDC.remove(LogFields.REQUEST_ID);
    }

    static String requestId(String offered) {
        return offered != null && ACCEPTED.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
    }
}
