package dev.virtgate.contracts.migration;

import java.util.List;

/**
 * Where the source agent sends the memory stream of a TLS_AGENT_PROXY migration: the destination
 * agent's migration proxy at {@code address}:{@code port} (the destination's migration address when
 * it has one, else its FQDN), whose host certificate must name {@code serverName}. Part of the
 * signed command, so nobody on the bus can redirect the stream.
 */
public record ProxyRoute(String address, int port, String serverName) {

    /** The route's fields in the order they are signed. */
    public List<String> signedFields() {
        return List.of(address, Integer.toString(port), serverName);
    }
}
