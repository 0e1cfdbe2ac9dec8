package dev.virtgate.support.rest;

import dev.virtgate.support.error.InvalidInputException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Map;

/**
 * Refuses, before any resource runs, a path or query parameter or a header holding text
 * PostgreSQL cannot store: 400 problem+json naming it. JSON bodies: {@link StorableStringDeserializer}.
 */
public class UnstorableTextFilter {

    @ServerRequestFilter
    public void refuseUnstorableText(ContainerRequestContext request) {
        check(request.getUriInfo().getPathParameters(), "path parameter");
        check(request.getUriInfo().getQueryParameters(), "query parameter");
        for (Map.Entry<String, List<String>> header : request.getHeaders().entrySet()) {
            if (!StorableText.storable(header.getKey()) || !header.getValue().stream().allMatch(StorableText::storable)) {
                throw InvalidInputException.malformed(printable(header.getKey()), "header " + StorableText.REASON);
            }
        }
    }

    private static void check(MultivaluedMap<String, String> params, String kind) {
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            if (!StorableText.storable(param.getKey())) {
                throw InvalidInputException.malformed(printable(param.getKey()), kind + " name " + StorableText.REASON);
            }
            if (!param.getValue().stream().allMatch(StorableText::storable)) {
                throw InvalidInputException.malformed(param.getKey(), kind + " " + StorableText.REASON);
            }
        }
    }

    /** The name as it can be echoed back (and stored in a log): NUL written as \u0000. */
    private static String printable(String name) {
        return name.replace("\u0000", "\\u0000");
    }
}
