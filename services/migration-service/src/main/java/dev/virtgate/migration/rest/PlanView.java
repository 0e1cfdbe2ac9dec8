package dev.virtgate.migration.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.migration.negotiation.MigrationPlan;
import dev.virtgate.contracts.events.PolicyMode;

import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlanView(boolean allowed, MigrationMode mode, String destinationUri, List<String> flags,
        Map<String, String> parameters, List<String> reasons, boolean warning, PolicyMode policy,
        ProxyRouteView proxyRoute) {

    public static PlanView of(MigrationPlan plan, PolicyMode policy) {
        return new PlanView(plan.allowed(), plan.mode(), plan.destinationUri(), plan.flags(), plan.parameters(),
                plan.reasons(), plan.warning(), policy, ProxyRouteView.of(plan.proxyRoute()));
    }
}
