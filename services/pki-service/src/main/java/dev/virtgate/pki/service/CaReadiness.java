package dev.virtgate.pki.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the Transit CA key is reachable and matches the CA certificate. */
@Readiness
@ApplicationScoped
public class CaReadiness implements HealthCheck {

    @Inject
    CaService ca;

    @Override
    public HealthCheckResponse call() {
        ca.refresh();
        String reason = ca.notReadyReason();
        return HealthCheckResponse.named("Certificate authority (OpenBao Transit)").status(reason == null)
                .withData("reason", reason == null ? "ok" : reason).build();
    }
}
