package dev.virtgate.pki.rest;

import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.TransitUnavailableException;
import dev.virtgate.support.error.UnavailableException;
import dev.virtgate.support.rest.ProblemMappers;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** OpenBao unreachable: 503 problem+json with Retry-After; nothing was issued. */
public class TransitUnavailableMapper {

    @Inject
    PkiConfig config;

    @ServerExceptionMapper
    public Response unavailable(TransitUnavailableException e, UriInfo uri) {
        return new ProblemMappers().problem(UnavailableException.retryAfterSeconds(
                "OpenBao Transit unavailable; nothing was issued or revoked", config.retryAfterSeconds()), uri, null);
    }
}
