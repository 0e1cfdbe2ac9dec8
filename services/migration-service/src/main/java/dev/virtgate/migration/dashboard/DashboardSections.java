package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.rest.PolicyView;
import dev.virtgate.migration.rest.Roles;
import dev.virtgate.migration.service.MigrationService;
import dev.virtgate.migration.service.PolicyService;
import dev.virtgate.support.audit.AuditLog;
import dev.virtgate.support.audit.AuditPage;
import dev.virtgate.support.audit.AuditQuery;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriBuilder;
import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * The dashboard's sections, each an HTML fragment that htmx polls and swaps in place. Each reads through the
 * same services as the API. A section whose data cannot be loaded renders the reason in its place (and
 * keeps polling, so it recovers by itself) instead of leaving the page blank.
 */
@Path(DashboardSession.PATH + "/sections")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Roles.VIEWER, Roles.OPERATOR})
public class DashboardSections {
    private static final Logger LOG = Logger.getLogger(DashboardSections.class);
    static final int MIGRATIONS_SHOWN = 25;
    static final int AUDIT_PER_PAGE = 20;

    @Inject
    FleetReads fleet;

    @Inject
    MigrationService migrations;

    @Inject
    PolicyService policies;

    @Inject
    AuditLog auditLog;

    @Inject
    SecurityIdentity identity;

    @GET
    @Path("hosts")
    public TemplateInstance hosts(@QueryParam("cluster") String cluster, @QueryParam("page") @DefaultValue("0") String page) {
        String self = url("hosts", "cluster", cluster, "page", page);
        return section(self, "hosts", "Hosts", () -> {
            FleetReads.HostPage hosts = fleet.hosts(cluster(cluster, false), pageNumber(page));
            return Templates.hosts(self, hosts,
                    hosts.hasPrevious() ? url("hosts", "cluster", cluster, "page", String.valueOf(hosts.page() - 1)) : null,
                    hosts.hasNext() ? url("hosts", "cluster", cluster, "page", String.valueOf(hosts.page() + 1)) : null);
        });
    }

    @GET
    @Path("matrix")
    public TemplateInstance matrix(@QueryParam("cluster") String cluster) {
        String self = url("matrix", "cluster", cluster);
        return section(self, "matrix", "Pair matrix",
                () -> Templates.matrix(self, fleet.matrix(cluster(cluster, true)), PairMatrix.CAP));
    }

    @GET
    @Path("migrations")
    public TemplateInstance migrations() {
        String self = url("migrations");
        return section(self, "migrations", "Migrations", () -> Templates.migrations(self,
                migrations.list(null, null, MIGRATIONS_SHOWN).stream().map(MigrationRow::of).toList(),
                identity.hasRole(Roles.OPERATOR)));
    }

    @GET
    @Path("policy")
    public TemplateInstance policy(@QueryParam("cluster") String cluster) {
        String self = url("policy", "cluster", cluster);
        return section(self, "policy", "Cluster policy", () -> {
            PolicyView policy = policies.get(cluster(cluster, true));
            return Templates.policy(self, policy,
                    policy.windowExpiresAt() == null ? 0 : policy.windowExpiresAt().toEpochMilli());
        });
    }

    @GET
    @Path("audit")
    public TemplateInstance audit(@QueryParam("page") @DefaultValue("0") String page) {
        String self = url("audit", "page", page);
        return section(self, "audit", "Audit trail", () -> {
            AuditPage audit = auditLog.search(AuditQuery.parse(null, null, null, null, null,
                    String.valueOf(pageNumber(page)), String.valueOf(AUDIT_PER_PAGE)));
            long pages = Math.max(1, (audit.total() + AUDIT_PER_PAGE - 1) / AUDIT_PER_PAGE);
            return Templates.audit(self, audit,
                    audit.page() > 0 ? url("audit", "page", String.valueOf(audit.page() - 1)) : null,
                    audit.page() + 1 < pages ? url("audit", "page", String.valueOf(audit.page() + 1)) : null, pages);
        });
    }

    // ---- helpers ----

    private static TemplateInstance section(String self, String id, String title, Supplier<TemplateInstance> body) {
        try {
            return body.get();
        } catch (BadParameter e) {
            LOG.infof("dashboard: section %s refused a parameter: %s", id, e.getMessage());
            return Templates.failed(self, id, title, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("dashboard: section %s could not be loaded: %s", id, e.toString());
            return Templates.failed(self, id, title, unavailable(e));
        }
    }

    /** What the page says when data cannot be loaded: the cause's kind, never its text (it may hold SQL or names). */
    static String unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException || t.getClass().getName().startsWith("org.hibernate")
                    || t.getClass().getName().startsWith("jakarta.persistence")) {
                return "cannot be loaded: the database (PostgreSQL) does not answer. Retrying every 2 s.";
            }
        }
        return "cannot be loaded: migration-service failed to read it (" + e.getClass().getSimpleName()
                + ", see its log). Retrying every 2 s.";
    }

    static String url(String section, String... params) {
        UriBuilder builder = UriBuilder.fromPath(DashboardSession.PATH + "/sections/" + section);
        for (int i = 0; i + 1 < params.length; i += 2) {
            if (params[i + 1] != null && !params[i + 1].isEmpty()) {
                builder.queryParam(params[i], params[i + 1]);
            }
        }
        return builder.build().toString();
    }

    private static String cluster(String cluster, boolean required) {
        if (cluster == null || cluster.isEmpty()) {
            if (required) {
                throw new BadParameter("cluster: choose a cluster (no host is registered yet).");
            }
            return null;
        }
        if (!cluster.matches(PolicyService.CLUSTER_ID)) {
            throw new BadParameter("cluster: must be lower-case letters, digits and '-', at most 63.");
        }
        return cluster;
    }

    private static int pageNumber(String page) {
        try {
            int n = Integer.parseInt(page);
            if (n >= 0 && n < 1_000_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new BadParameter("page: must be a whole number from 0.");
    }

    /** A query parameter the section cannot use: shown in place, naming the parameter. */
    static final class BadParameter extends RuntimeException {
        BadParameter(String message) {
            super(message, null, false, false);
        }
    }
}
