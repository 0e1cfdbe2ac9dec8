package dev.virtgate.credential.service;

import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.credential.agents.FleetEvents;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random interleavings of rotations, event deliveries, acknowledgements (reordered, duplicated),
 * service crashes (state reloaded from its persisted snapshot, unprocessed acks redelivered),
 * host outages (events missed while down), joins, decommissions, migrations and forged
 * acknowledgements. Hosts sign their acknowledgements with their own certificates from the test CA,
 * and the service counts an acknowledgement only once EventVerifier proved it came from the host it
 * is about; forgeries claim the rank the service waits for, unsigned, signed by another host or
 * under a foreign CA. The invariants are checked after every step: every configured host's client
 * username (what its auth.conf uses, derived from the phases it applied) is in every peer's SASL db
 * / allowed list, and the service never counts a rank a host has not applied.
 */
class RotationInvariantTest {
    private static final EventCodec CODEC = new EventCodec();
    private static final EventVerifier VERIFIER = new EventVerifier(TestTrust.anchors());
    private static final TestCa FOREIGN_CA = new TestCa("attacker-ca");
    private static final Map<String, TestProducer> FOREIGN = new ConcurrentHashMap<>();

    enum Kind { ROTATE, DELIVER_EVENT, DELIVER_ACK, DUPLICATE_ACK, SERVICE_CRASH, HOST_DOWN, HOST_UP, JOIN,
        DECOMMISSION, MIGRATE, FORGE_ACK }

    record Step(Kind kind, int a, int b) {
    }

    @Provide
    Arbitrary<List<Step>> scripts() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(3, Kind.ROTATE), net.jqwik.api.Tuple.of(30, Kind.DELIVER_EVENT),
                net.jqwik.api.Tuple.of(25, Kind.DELIVER_ACK), net.jqwik.api.Tuple.of(4, Kind.DUPLICATE_ACK),
                net.jqwik.api.Tuple.of(3, Kind.SERVICE_CRASH), net.jqwik.api.Tuple.of(4, Kind.HOST_DOWN),
                net.jqwik.api.Tuple.of(5, Kind.HOST_UP), net.jqwik.api.Tuple.of(2, Kind.JOIN),
                net.jqwik.api.Tuple.of(2, Kind.DECOMMISSION), net.jqwik.api.Tuple.of(12, Kind.MIGRATE),
                net.jqwik.api.Tuple.of(5, Kind.FORGE_ACK));
        Arbitrary<Step> step = Combinators.combine(kinds, Arbitraries.integers().between(0, 99),
                Arbitraries.integers().between(0, 99)).as(Step::new);
        return step.list().ofMinSize(20).ofMaxSize(400);
    }

    // each acknowledgement is signed and verified (ECDSA): fewer tries than an unsigned model affords
    @Property(tries = 200)
    void everyClientCredentialIsAcceptedByEveryPeer(@ForAll("scripts") List<Step> script,
            @ForAll("hostCounts") int hosts) {
        World world = new World(hosts);
        for (Step step : script) {
            world.perform(step);
            world.assertInvariant(step);
        }
        // Liveness: with everyone up and every message delivered, the rotation finishes.
        world.drain();
        assertTrue(world.service.state.idle(), "rotation completes once all hosts are up");
    }

    @Provide
    Arbitrary<Integer> hostCounts() {
        return Arbitraries.integers().between(2, 6);
    }

    /** A host as its agent configured it. */
    static final class Host {
        final String id;
        boolean up = true;
        boolean member = true;
        int appliedRank;
        List<String> accepted = List.of();
        String client;
        String rotation;
        int cursor;

        Host(String id) {
            this.id = id;
        }

        boolean configured() {
            return client != null;
        }
    }

    /** An acknowledgement as it travels: the HostConfigured, its headers and signature. */
    record Ack(String hostId, TestProducer.Signed signed) {
        static Ack signedBy(TestProducer identity, String hostId, String rotationId, Stage stage) {
            return new Ack(hostId, identity.sign(FleetEvents.acknowledgement(hostId, "c1", rotationId, stage)));
        }
    }

    /** The service: its persisted state is all that survives a crash. */
    static final class Service {
        RotationState state;
        final Map<String, Integer> acked;

        Service(RotationState state, Map<String, Integer> acked) {
            this.state = state;
            this.acked = acked;
        }

        Service reloaded() {
            return new Service(new RotationState(state.clusterId(), state.rotationId(), state.version(),
                    state.kvVersion(), state.phase(), state.previousVersion(), state.previousKvVersion()),
                    new LinkedHashMap<>(acked));
        }
    }

    static final class World {
        final Map<String, Host> hosts = new LinkedHashMap<>();
        final List<CredentialRotated> bus = new ArrayList<>();
        final List<Ack> acks = new ArrayList<>();
        final List<Ack> delivered = new ArrayList<>();
        Service service;
        int joined;
        int kvVersion = 1;

        World(int n) {
            RotationState v1 = RotationState.empty("c1").initial("rot-1", kvVersion);
            service = new Service(v1, new LinkedHashMap<>());
            CredentialRotated first = v1.toEvent("p");
            for (int i = 0; i < n; i++) {
                Host host = new Host("h" + i);
                apply(host, first);
                hosts.put(host.id, host);
                service.acked.put(host.id, v1.rank());
            }
            bus.add(first);
            hosts.values().forEach(h -> h.cursor = bus.size());
        }

        void perform(Step step) {
            List<Host> all = new ArrayList<>(hosts.values());
            Host a = all.get(step.a() % all.size());
            Host b = all.get(step.b() % all.size());
            switch (step.kind()) {
                case ROTATE -> {
                    if (service.state.idle()) {
                        kvVersion++; // the KV write happens first; a crash before commit leaves it unreferenced
                        if (step.b() % 5 == 0) {
                            return; // crashed between KV write and commit: nothing visible to hosts
                        }
                        service.state = service.state.begin("rot-" + kvVersion, kvVersion);
                        publish(service.state);
                        advance();
                    }
                }
                case DELIVER_EVENT -> deliver(a);
                case DELIVER_ACK -> {
                    if (!acks.isEmpty()) {
                        Ack ack = acks.remove(step.b() % acks.size()); // any order
                        process(ack);
                    }
                }
                case DUPLICATE_ACK -> {
                    if (!delivered.isEmpty()) {
                        acks.add(delivered.get(step.b() % delivered.size()));
                    }
                }
                case SERVICE_CRASH -> {
                    service = service.reloaded();
                    // acks processed but whose offsets were not committed come again
                    int redeliver = Math.min(delivered.size(), step.b() % 4);
                    acks.addAll(delivered.subList(delivered.size() - redeliver, delivered.size()));
                    advance(); // what the reconciler does at start
                }
                case HOST_DOWN -> a.up = false;
                case HOST_UP -> {
                    if (!a.up) {
                        a.up = true;
                        a.cursor = bus.size(); // it missed everything while down (compacted away)
                        acks.add(reportOf(a)); // an agent reports what it has in force when it starts
                    }
                }
                case JOIN -> {
                    if (joined < 3) {
                        Host host = new Host("n" + joined++);
                        hosts.put(host.id, host);
                        service.acked.put(host.id, Stage.NONE);
                        host.cursor = bus.size();
                        if (service.state.hasCredential()) {
                            publish(service.state); // HostEnrolled -> re-announce the current phase
                        }
                    }
                }
                case DECOMMISSION -> {
                    long members = hosts.values().stream().filter(h -> h.member).count();
                    if (a.member && members > 2) {
                        a.member = false;
                        service.acked.remove(a.id);
                        advance();
                    }
                }
                case MIGRATE -> {
                    if (a != b && a.member && b.member && a.configured() && b.configured()) {
                        assertTrue(b.accepted.contains(a.client), () -> "migration " + a.id + " -> " + b.id
                                + " authenticates as " + a.client + " but " + b.id + " accepts " + b.accepted);
                    }
                }
                case FORGE_ACK -> acks.add(forged(a, b, step.b() % 3));
            }
        }

        void deliver(Host host) {
            if (!host.up || !host.member || host.cursor >= bus.size()) {
                return;
            }
            CredentialRotated event = bus.get(host.cursor++);
            int rank = Stage.rank(event.version(), event.phase());
            if (rank > host.appliedRank) {
                apply(host, event);
                acks.add(reportOf(host));
            }
        }

        static void apply(Host host, CredentialRotated event) {
            host.appliedRank = Stage.rank(event.version(), event.phase());
            host.accepted = List.copyOf(event.acceptedUsernames());
            host.client = event.phase() == CredentialPhase.STAGED && event.previousUsername() != null
                    ? event.previousUsername() : event.username();
            host.rotation = event.rotationId();
        }

        Ack reportOf(Host host) {
            return Ack.signedBy(TestTrust.host(host.id), host.id, host.rotation,
                    Stage.ofRank(host.appliedRank).orElse(null));
        }

        /** The rank the service waits for, claimed for {@code victim} without its key. */
        Ack forged(Host victim, Host other, int how) {
            RotationState waitingFor = service.state;
            Stage claimed = waitingFor.hasCredential() ? new Stage(waitingFor.version(), waitingFor.phase()) : null;
            if (how == 0) {
                Ack genuineLooking = Ack.signedBy(TestTrust.host(victim.id), victim.id, waitingFor.rotationId(), claimed);
                return new Ack(victim.id, genuineLooking.signed().withHeader(EventSignatures.SIGNATURE, null));
            }
            if (how == 1 && other != victim) {
                return Ack.signedBy(TestTrust.host(other.id), victim.id, waitingFor.rotationId(), claimed);
            }
            TestProducer foreign = FOREIGN.computeIfAbsent(victim.id,
                    id -> TestProducer.issuedBy(FOREIGN_CA, Producer.host(id)));
            return Ack.signedBy(foreign, victim.id, waitingFor.rotationId(), claimed);
        }

        void process(Ack ack) {
            delivered.add(ack);
            HostConfigured report = CODEC.decode(HostConfigured.class, ack.signed().payload());
            try {
                Producer producer = VERIFIER.verify(ack.signed().envelope(), ack.signed().headers(),
                        ack.signed().payload(), report);
                assertTrue(producer.name().equals(report.hostId()), "the table binds a report to its host");
            } catch (EventRefusedException refused) {
                return; // dead-lettered: never counted
            }
            Integer rank = service.acked.get(report.hostId());
            if (rank == null) {
                return; // not a member (decommissioned)
            }
            RotationMachine.AckOutcome outcome = RotationMachine.acknowledge(service.state, rank,
                    report.credentialRotationId(), report.credentialVersion(), report.credentialPhase());
            service.acked.put(report.hostId(), outcome.ackedRank());
            if (advance().isEmpty() && outcome.behind()) {
                publish(service.state);
            }
        }

        List<RotationState> advance() {
            List<RotationState> entered = RotationMachine.advance(service.state,
                    r -> service.acked.values().stream().filter(x -> x < r).count());
            for (RotationState s : entered) {
                service.state = s;
                publish(s);
            }
            return entered;
        }

        void publish(RotationState state) {
            bus.add(state.toEvent("p"));
        }

        void drain() {
            hosts.values().forEach(h -> {
                if (!h.up) {
                    perform(new Step(Kind.HOST_UP, List.copyOf(hosts.keySet()).indexOf(h.id), 0));
                }
            });
            for (int guard = 0; guard < 10_000; guard++) {
                boolean progressed = false;
                for (Host h : hosts.values()) {
                    if (h.member && h.cursor < bus.size()) {
                        deliver(h);
                        progressed = true;
                    }
                }
                if (!acks.isEmpty()) {
                    process(acks.remove(0));
                    progressed = true;
                }
                assertInvariant(new Step(Kind.DELIVER_EVENT, 0, 0));
                if (!progressed) {
                    return;
                }
            }
        }

        void assertInvariant(Step after) {
            List<Host> configured = hosts.values().stream().filter(h -> h.member && h.configured()).toList();
            for (Host client : configured) {
                for (Host peer : configured) {
                    if (client != peer) {
                        assertTrue(peer.accepted.contains(client.client), () -> "after " + after + ": " + client.id
                                + " (client " + client.client + ") must be accepted by " + peer.id + " (accepts "
                                + peer.accepted + ")");
                    }
                }
            }
            assertTrue(Set.copyOf(configured.stream().map(h -> h.client).toList()).size() <= 2,
                    "at most two client usernames in use at once");
            for (Host host : hosts.values()) {
                Integer counted = service.acked.get(host.id);
                assertTrue(counted == null || counted <= host.appliedRank, () -> "after " + after + ": the service"
                        + " counts rank " + counted + " for " + host.id + ", which applied only " + host.appliedRank);
            }
        }
    }
}
