package dev.virtgate.migration.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.migration.negotiation.HumanTime;
import dev.virtgate.migration.rest.HostView;
import io.quarkus.qute.TemplateData;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One line of the dashboard's host table, built from the API's own {@link HostView}. */
@TemplateData
public record HostRow(String id, String clusterId, String fqdn, String status, List<Check> checks, String postureText,
        boolean postureFailing, String expiryText, ExpiryColour expiry, String certSerial, String credentialText,
        String probeAge, boolean tlsReady, List<String> tlsProblems) {

    /** One self-probe of the host's latest posture report. */
    @TemplateData
    public record Check(String name, String status, String detail) {
        public boolean passing() {
            return "PASS".equals(status);
        }
    }

    public static HostRow of(HostView h, Instant now) {
        List<Check> checks = checks(h.posture() == null ? null : h.posture().checks());
        boolean failing = checks.stream().anyMatch(c -> !c.passing());
        String posture = h.posture() == null ? "no report yet"
                : failing ? "failing: " + String.join(", ", checks.stream().filter(c -> !c.passing()).map(Check::name).toList())
                : checks.isEmpty() ? "no checks reported" : "all " + checks.size() + " checks pass";
        HostView.Credential credential = h.credential();
        String credentialText = credential == null ? "none yet"
                : "v" + (credential.version() == null ? "?" : credential.version()) + " "
                        + (credential.phase() == null ? "" : credential.phase());
        return new HostRow(h.id(), h.clusterId(), h.fqdn(), h.status(), checks, posture, failing,
                expiryText(h.certificate(), now), ExpiryColour.of(h.certificate(), now),
                h.certificate() == null ? null : h.certificate().serial(), credentialText.trim(),
                h.posture() == null ? "never" : HumanTime.span(Duration.ofSeconds(h.posture().ageSeconds())) + " ago",
                h.tlsReady(), h.tlsProblems() == null ? List.of() : h.tlsProblems());
    }

    static String expiryText(HostView.Certificate certificate, Instant now) {
        if (certificate == null || certificate.notAfter() == null) {
            return "no certificate";
        }
        if (certificate.revoked()) {
            return "revoked";
        }
        if (!now.isBefore(certificate.notAfter())) {
            return "expired " + HumanTime.ago(certificate.notAfter(), now);
        }
        long days = Duration.between(now, certificate.notAfter()).toDays();
        return days + (days == 1 ? " day left" : " days left");
    }

    private static List<Check> checks(JsonNode array) {
        List<Check> checks = new ArrayList<>();
        if (array != null && array.isArray()) {
            for (JsonNode c : array) {
                checks.add(new Check(c.path("name").asText(""), c.path("status").asText(""),
                        c.hasNonNull("detail") ? c.get("detail").asText() : null));
            }
        }
        return checks;
    }
}
