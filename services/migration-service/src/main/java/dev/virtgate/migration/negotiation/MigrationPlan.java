package dev.virtgate.migration.negotiation;

import dev.virtgate.contracts.events.MigrationMode;

import java.util.List;
import java.util.Map;

/**
 * The outcome of negotiation: either a mode with URI, flags and parameters, or a refusal. The
 * reasons explain the choice in words an operator understands, in both cases.
 */
public record MigrationPlan(
        boolean allowed,
        MigrationMode mode,
        String destinationUri,
        List<String> flags,
        Map<String, String> parameters,
        List<String> reasons,
        boolean warning) {

    public static MigrationPlan refused(List<String> reasons) {
        return new MigrationPlan(false, null, null, List.of(), Map.of(), List.copyOf(reasons), false);
    }

    /** True when the guest's memory would cross the network unencrypted. */
    public boolean memoryInClear() {
        return allowed && !flags.contains("TLS") && !flags.contains("TUNNELLED");
    }
}
