package dev.virtgate.agent.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the agent's consumer polls the broker without refusal, as the principal it names. */
@Readiness
@ApplicationScoped
public class AgentBusReadiness implements HealthCheck {

    @Inject
    AgentBus bus;

    @Override
    public HealthCheckResponse call() {
        String problem = bus.problem();
        var response = HealthCheckResponse.named("bus").withData("principal", bus.principal());
        return problem == null ? response.up().build() : response.withData("problem", problem).down().build();
    }
}
