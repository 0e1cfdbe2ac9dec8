package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.CredentialPhase;

/**
 * A point in the credential history, totally ordered: (v, STAGED) < (v, ACTIVE) < (v, RETIRED) <
 * (v+1, STAGED). A host's acknowledgement is the highest stage it applied, so duplicate and
 * out-of-order acknowledgements fold into a maximum. Stored as one integer, {@link #rank()}.
 */
public record Stage(int version, CredentialPhase phase) implements Comparable<Stage> {
    public static final int NONE = 0;

    public int rank() {
        return rank(version, phase);
    }

    public static int rank(int version, CredentialPhase phase) {
        return version * 3 + phase.ordinal();
    }

    /** The stage a rank encodes; empty for {@link #NONE}. */
    public static java.util.Optional<Stage> ofRank(int rank) {
        if (rank < 3) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Stage(rank / 3, CredentialPhase.values()[rank % 3]));
    }

    @Override
    public int compareTo(Stage other) {
        return Integer.compare(rank(), other.rank());
    }

    @Override
    public String toString() {
        return "v" + version + "/" + phase;
    }
}
