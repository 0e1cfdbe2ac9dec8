package dev.virtgate.migration.rest;

import dev.virtgate.contracts.migration.ProxyRoute;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Where a TLS_AGENT_PROXY migration's memory goes: the destination agent's migration proxy. */
@Schema(description = "Only for mode TLS_AGENT_PROXY: the destination agent's migration proxy, to which the source "
        + "agent carries the memory stream inside TLS (signed in the command)")
public record ProxyRouteView(
        @Schema(description = "The destination's migration address, else its FQDN")
        String address,
        @Schema(description = "The port on which the destination agent terminates the stream")
        int port,
        @Schema(description = "The name the destination's host certificate must carry")
        String serverName) {

    /** Null for a plan or migration without a route. */
    public static ProxyRouteView of(ProxyRoute route) {
        return route == null ? null : new ProxyRouteView(route.address(), route.port(), route.serverName());
    }
}
