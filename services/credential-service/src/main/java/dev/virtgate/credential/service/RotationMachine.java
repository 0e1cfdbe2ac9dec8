package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.CredentialPhase;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The staged-rotation protocol as pure functions over {@link RotationState} and acknowledged ranks.
 * The service persists the results; the property test drives the same functions with simulated
 * hosts, crashes and migrations. Because a restart reloads exactly the persisted state and calls
 * the same functions, resuming after a crash is ordinary operation, not a special path.
 */
public final class RotationMachine {

    /** How many current members acknowledged a rank strictly below the given one. */
    @FunctionalInterface
    public interface Laggards {
        long below(int rank);
    }

    /** What an acknowledgement did: the host's new acknowledged rank, and whether it is behind. */
    public record AckOutcome(int ackedRank, boolean behind, boolean accepted) {
    }

    /**
     * Enters every phase whose predecessor all members acknowledged, in order. A phase never
     * advances while one current member is below it; a cluster without laggards (for example
     * without members) walks to RETIRED at once.
     */
    public static List<RotationState> advance(RotationState state, Laggards laggards) {
        List<RotationState> entered = new ArrayList<>(2);
        RotationState current = state;
        while (current.hasCredential() && !current.idle() && laggards.below(current.rank()) == 0) {
            current = current.next();
            entered.add(current);
        }
        return entered;
    }

    /**
     * Folds a host's report into its acknowledged rank (a maximum: duplicates and reordering are
     * harmless). Reports naming a version or phase that was never announced, or the current
     * version under another rotation id, are not counted. {@code behind} says the host reported a
     * state older than the current one and must be sent the current phase again.
     */
    public static AckOutcome acknowledge(RotationState state, int ackedRank, String rotationId, Integer version,
            CredentialPhase phase) {
        if (version == null || phase == null) {
            return new AckOutcome(ackedRank, state.hasCredential(), false);
        }
        int reported = Stage.rank(version, phase);
        boolean announced = version < state.version()
                || (version == state.version() && Objects.equals(rotationId, state.rotationId())
                        && reported <= state.rank());
        if (!announced) {
            return new AckOutcome(ackedRank, false, false);
        }
        return new AckOutcome(Math.max(ackedRank, reported), reported < state.rank(), true);
    }

    private RotationMachine() {
    }
}
