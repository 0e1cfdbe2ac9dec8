package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.rest.PolicyView;
import dev.virtgate.support.audit.AuditPage;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

import java.util.List;

/** The dashboard's Qute templates (src/main/resources/templates/dashboard/), checked at build time. */
@CheckedTemplate(basePath = "dashboard")
final class Templates {

    static native TemplateInstance signin(String message);

    static native TemplateInstance page(String user, boolean operator, String csrfToken, String cluster,
            List<String> clusters, String clustersError, String hostsUrl, String matrixUrl, String policyUrl);

    static native TemplateInstance hosts(String self, FleetReads.HostPage hosts, String previousUrl, String nextUrl);

    static native TemplateInstance matrix(String self, PairMatrix matrix, int cap);

    static native TemplateInstance migrations(String self, List<MigrationRow> migrations, boolean operator);

    static native TemplateInstance policy(String self, PolicyView policy, long windowExpiresAtMillis);

    static native TemplateInstance audit(String self, AuditPage audit, String previousUrl, String nextUrl,
            long pages);

    /** A one-line outcome of an action; kind is "notice" or "error". */
    static native TemplateInstance notice(String kind, String message);

    /** A section whose data could not be loaded: the message in its place, and it keeps polling. */
    static native TemplateInstance failed(String self, String sectionId, String title, String message);

    private Templates() {
    }
}
