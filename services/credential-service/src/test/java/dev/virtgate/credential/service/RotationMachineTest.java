package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotationMachineTest {
    static final String PATH = "virtgate/clusters/c1/libvirt-sasl";

    final Map<String, Integer> acked = new HashMap<>();

    long laggards(int rank) {
        return acked.values().stream().filter(r -> r < rank).count();
    }

    RotationState v7Retired() {
        return new RotationState("c1", "rot-7", 7, 7, CredentialPhase.RETIRED, 6, 6);
    }

    @Test
    void firstCredentialIsActiveWithNothingToRetire() {
        RotationState v1 = RotationState.empty("c1").initial("rot-1", 1);
        assertEquals(CredentialPhase.ACTIVE, v1.phase());
        assertTrue(v1.idle());
        CredentialRotated event = v1.toEvent(PATH);
        assertEquals("virtgate-v1", event.username());
        assertEquals(List.of("virtgate-v1"), event.acceptedUsernames());
        assertNull(event.previousUsername());
    }

    @Test
    void phasesCarryTheAcceptedUsernamesOfTheProtocol() {
        RotationState staged = v7Retired().begin("rot-8", 9);
        assertEquals(List.of("virtgate-v7", "virtgate-v8"), staged.acceptedUsernames());
        assertEquals("virtgate-v7", staged.clientUsername());
        CredentialRotated event = staged.toEvent(PATH);
        assertEquals(8, event.version());
        assertEquals(9, event.kvVersion());
        assertEquals(7, event.previousKvVersion());
        assertEquals("virtgate-v7", event.previousUsername());
        RotationState active = staged.next();
        assertEquals(List.of("virtgate-v7", "virtgate-v8"), active.acceptedUsernames());
        assertEquals("virtgate-v8", active.clientUsername());
        RotationState retired = active.next();
        assertEquals(List.of("virtgate-v8"), retired.acceptedUsernames());
        assertTrue(retired.idle());
    }

    @Test
    void rotationWhileOneIsInProgressNamesThePhase() {
        RotationState staged = v7Retired().begin("rot-8", 8);
        RotationInProgressException e = assertThrows(RotationInProgressException.class, () -> staged.begin("x", 9));
        assertEquals(CredentialPhase.STAGED, e.phase());
        assertTrue(e.getMessage().contains("STAGED"));
    }

    @Test
    void phaseAdvancesOnlyWhenEveryMemberAcknowledged() {
        RotationState staged = v7Retired().begin("rot-8", 8);
        acked.put("h1", Stage.rank(7, CredentialPhase.RETIRED));
        acked.put("h2", Stage.rank(7, CredentialPhase.RETIRED));
        assertTrue(RotationMachine.advance(staged, this::laggards).isEmpty());
        acked.put("h1", staged.rank());
        assertTrue(RotationMachine.advance(staged, this::laggards).isEmpty());
        acked.put("h2", staged.rank());
        List<RotationState> entered = RotationMachine.advance(staged, this::laggards);
        assertEquals(List.of(CredentialPhase.ACTIVE), entered.stream().map(RotationState::phase).toList());
    }

    @Test
    void removedMemberStopsBlocking() {
        RotationState staged = v7Retired().begin("rot-8", 8);
        acked.put("h1", staged.rank());
        acked.put("down", Stage.rank(7, CredentialPhase.RETIRED));
        assertTrue(RotationMachine.advance(staged, this::laggards).isEmpty());
        acked.remove("down");
        assertEquals(1, RotationMachine.advance(staged, this::laggards).size());
    }

    @Test
    void clusterWithoutMembersWalksToRetiredAtOnce() {
        List<RotationState> entered = RotationMachine.advance(v7Retired().begin("rot-8", 8), rank -> 0);
        assertEquals(List.of(CredentialPhase.ACTIVE, CredentialPhase.RETIRED),
                entered.stream().map(RotationState::phase).toList());
    }

    @Test
    void duplicateAndOutOfOrderAcknowledgementsFoldIntoTheMaximum() {
        RotationState active = v7Retired().begin("rot-8", 8).next();
        int rank = Stage.rank(8, CredentialPhase.ACTIVE);
        RotationMachine.AckOutcome a = RotationMachine.acknowledge(active, Stage.NONE, "rot-8", 8, CredentialPhase.ACTIVE);
        assertEquals(rank, a.ackedRank());
        assertFalse(a.behind());
        RotationMachine.AckOutcome late = RotationMachine.acknowledge(active, a.ackedRank(), "rot-8", 8,
                CredentialPhase.STAGED);
        assertEquals(rank, late.ackedRank(), "a late STAGED ack must not lower the host's rank");
        RotationMachine.AckOutcome dup = RotationMachine.acknowledge(active, late.ackedRank(), "rot-8", 8,
                CredentialPhase.ACTIVE);
        assertEquals(rank, dup.ackedRank());
    }

    @Test
    void acknowledgementsOfPhasesNeverAnnouncedAreNotCounted() {
        RotationState staged = v7Retired().begin("rot-8", 8);
        assertFalse(RotationMachine.acknowledge(staged, 0, "rot-8", 8, CredentialPhase.ACTIVE).accepted());
        assertFalse(RotationMachine.acknowledge(staged, 0, "rot-9", 9, CredentialPhase.STAGED).accepted());
        assertFalse(RotationMachine.acknowledge(staged, 0, "forged", 8, CredentialPhase.STAGED).accepted());
    }

    @Test
    void hostReportingAnOlderStateIsBehind() {
        RotationState staged = v7Retired().begin("rot-8", 8);
        assertTrue(RotationMachine.acknowledge(staged, 0, "rot-7", 7, CredentialPhase.RETIRED).behind());
        assertTrue(RotationMachine.acknowledge(staged, 0, null, null, null).behind(), "a fresh host is behind");
        assertFalse(RotationMachine.acknowledge(staged, 0, "rot-8", 8, CredentialPhase.STAGED).behind());
    }

    /**
     * Restart in every phase: the state a crashed process left (persisted state + acknowledged
     * ranks) is all a fresh process needs; acknowledgements that arrived while it was down are
     * folded in and the rotation finishes.
     */
    @ParameterizedTest
    @EnumSource(CredentialPhase.class)
    void freshProcessResumesFromPersistedStateInEveryPhase(CredentialPhase crashedIn) {
        RotationState persisted = v7Retired().begin("rot-8", 8);
        while (persisted.phase() != crashedIn) {
            persisted = persisted.next();
        }
        RotationState reloaded = new RotationState(persisted.clusterId(), persisted.rotationId(), persisted.version(),
                persisted.kvVersion(), persisted.phase(), persisted.previousVersion(), persisted.previousKvVersion());
        acked.put("h1", Stage.rank(7, CredentialPhase.RETIRED));
        acked.put("h2", Stage.rank(7, CredentialPhase.RETIRED));
        RotationState current = reloaded;
        for (int step = 0; step < 3 && !current.idle(); step++) {
            for (String host : List.copyOf(acked.keySet())) {
                acked.put(host, RotationMachine.acknowledge(current, acked.get(host), current.rotationId(),
                        current.version(), current.phase()).ackedRank());
            }
            List<RotationState> entered = RotationMachine.advance(current, this::laggards);
            current = entered.isEmpty() ? current : entered.get(entered.size() - 1);
        }
        assertEquals(CredentialPhase.RETIRED, current.phase());
        assertEquals(8, current.version());
        assertTrue(current.idle());
    }
}
