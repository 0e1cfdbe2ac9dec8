package dev.virtgate.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.CliException;
import dev.virtgate.cli.config.Service;

/** A service answered an error status; the message is its problem+json rendered for a terminal. */
public class ApiException extends CliException {
    private final Service service;
    private final int status;

    public ApiException(Service service, int status, JsonNode problem, String rawBody) {
        super(ProblemRenderer.render(service, status, problem, rawBody));
        this.service = service;
        this.status = status;
    }

    public Service service() {
        return service;
    }

    public int status() {
        return status;
    }
}
