package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.rest.Roles;
import dev.virtgate.migration.service.PolicyService;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * The fleet dashboard's page and its sign-in. The page is only a frame: each section loads and refreshes
 * itself from {@link DashboardSections}. Anonymous visitors are sent to the sign-in form, where the
 * operator pastes the same JWT the API takes ({@code ./virtgate token operator NAME}).
 */
@Path(DashboardSession.PATH)
@Produces(MediaType.TEXT_HTML)
public class DashboardPage {
    private static final Logger LOG = Logger.getLogger(DashboardPage.class);

    @Inject
    SecurityIdentity identity;

    @Inject
    JWTParser jwtParser;

    @Inject
    FleetReads fleet;

    @GET
    @PermitAll
    public Response page(@QueryParam("cluster") String cluster,
            @CookieParam(DashboardSession.COOKIE) String session) {
        if (identity.isAnonymous() || session == null || session.isEmpty()) {
            return Response.seeOther(URI.create(DashboardSession.PATH + "/signin")).build();
        }
        List<String> clusters = List.of();
        String clustersError = null;
        try {
            clusters = fleet.clusters();
        } catch (RuntimeException e) {
            LOG.warnf("dashboard: the cluster list could not be loaded: %s", e.toString());
            clustersError = DashboardSections.unavailable(e);
        }
        String chosen = cluster != null && cluster.matches(PolicyService.CLUSTER_ID) ? cluster
                : clusters.isEmpty() ? null : clusters.get(0);
        String hostsUrl = DashboardSections.url("hosts", "cluster", chosen);
        return Response.ok(Templates.page(identity.getPrincipal().getName(), identity.hasRole(Roles.OPERATOR),
                DashboardSession.csrfToken(session), chosen, clusters, clustersError, hostsUrl,
                chosen == null ? null : DashboardSections.url("matrix", "cluster", chosen),
                chosen == null ? null : DashboardSections.url("policy", "cluster", chosen)))
                .header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("signin")
    @PermitAll
    public TemplateInstance signinForm(@QueryParam("expired") String expired) {
        return Templates.signin(expired != null ? "Your session has ended or its token is no longer valid: sign in again."
                : null);
    }

    /** Keeps a valid viewer or operator token in the session cookie; never echoes or logs the token. */
    @POST
    @Path("signin")
    @PermitAll
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response signin(@FormParam("token") String token, UriInfo uri,
            @HeaderParam("Sec-Fetch-Site") String fetchSite, @HeaderParam("Origin") String origin) {
        if (!DashboardSession.sameOrigin(fetchSite, origin, uri.getRequestUri())) {
            LOG.warnf("dashboard: sign-in from another site refused (Origin %s, Sec-Fetch-Site %s)", origin, fetchSite);
            return Response.status(Response.Status.FORBIDDEN).type(MediaType.TEXT_HTML)
                    .entity(Templates.signin("Sign in from the dashboard's own page.")).build();
        }
        boolean https = "https".equals(uri.getRequestUri().getScheme());
        String trimmed = token == null ? "" : token.trim();
        if (trimmed.isEmpty()) {
            return refused("token: paste the token that ./virtgate token operator|viewer NAME prints.");
        }
        JsonWebToken jwt;
        try {
            jwt = jwtParser.parse(trimmed);
        } catch (ParseException e) {
            LOG.infof("dashboard: sign-in refused, the token does not verify (%s)", e.getClass().getSimpleName());
            return refused("token: not a valid virtgate token (expired, or not signed by virtgate's issuer).");
        }
        if (!jwt.getGroups().contains(Roles.OPERATOR) && !jwt.getGroups().contains(Roles.VIEWER)) {
            return refused("token: it carries neither the viewer nor the operator role.");
        }
        LOG.infof("dashboard: %s signed in", jwt.getName());
        return Response.seeOther(UriBuilder.fromPath(DashboardSession.PATH).build())
                .cookie(DashboardSession.open(trimmed, Instant.ofEpochSecond(jwt.getExpirationTime()), https)).build();
    }

    @POST
    @Path("signout")
    @PermitAll
    public Response signout(UriInfo uri, @HeaderParam("Sec-Fetch-Site") String fetchSite,
            @HeaderParam("Origin") String origin) {
        if (!DashboardSession.sameOrigin(fetchSite, origin, uri.getRequestUri())) {
            return Response.status(Response.Status.FORBIDDEN).build();
        }
        return Response.seeOther(URI.create(DashboardSession.PATH + "/signin"))
                .cookie(DashboardSession.close("https".equals(uri.getRequestUri().getScheme()))).build();
    }

    private static Response refused(String message) {
        return Response.status(Response.Status.UNAUTHORIZED).type(MediaType.TEXT_HTML)
                .entity(Templates.signin(message)).build();
    }
}
