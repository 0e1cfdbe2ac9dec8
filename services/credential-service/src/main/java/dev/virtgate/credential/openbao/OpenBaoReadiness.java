package dev.virtgate.credential.openbao;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while OpenBao is unreachable or sealed: no credential can be written or granted. */
@Readiness
@ApplicationScoped
public class OpenBaoReadiness implements HealthCheck {

    @Inject
    OpenBaoClient openBao;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("OpenBao credential store").status(openBao.healthy()).build();
    }
}
