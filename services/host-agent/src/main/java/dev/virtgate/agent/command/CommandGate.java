package dev.virtgate.agent.command;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.libvirt.MigrationReports;
import dev.virtgate.agent.libvirt.MigrationRunner;
import dev.virtgate.agent.service.EventSink;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.MigrationRequested;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The one check every migration command for this host passes before it acts on it, requested or cancel,
 * on top of the event signature the intake verified: the command's own Transit signature by the
 * migration-signing key, its cluster and its expiry. A refused request is answered with
 * MigrationFailed; a refused cancel is only logged (there is nothing to answer).
 */
public final class CommandGate {
    private static final Logger LOG = Logger.getLogger(CommandGate.class);

    /** What both commands have in common for the check; a cancel has no cluster and no expiry. */
    record Command(byte[] signedBytes, String signature, String signingKey, String clusterId, Instant notAfter,
            boolean expires) {
    }

    private final AgentConfig config;
    private final CommandVerifier verifier;
    private final MigrationRunner migrations;
    private final EventSink sink;
    private final Clock clock;
    private final Predicate<String> firstDelivery;

    /** {@code firstDelivery} records a migration id and says whether it is new (a redelivery is ignored). */
    public CommandGate(AgentConfig config, CommandVerifier verifier, MigrationRunner migrations, EventSink sink,
            Clock clock, Predicate<String> firstDelivery) {
        this.config = config;
        this.verifier = verifier;
        this.migrations = migrations;
        this.sink = sink;
        this.clock = clock;
        this.firstDelivery = firstDelivery;
    }

    public void onRequested(MigrationRequested r) {
        if (!config.hostId().equals(r.sourceHostId()) || !firstDelivery.test(r.migrationId())) {
            return;
        }
        Optional<String> refusal = refusal(new Command(r.signingPayload(), r.signature(), r.signingKey(),
                r.clusterId(), r.notAfter(), true));
        if (refusal.isPresent()) {
            LOG.warnf("refusing migration %s: %s", r.migrationId(), refusal.get());
            sink.publish(MigrationReports.failed(r, "refused: " + refusal.get(), null, null, false));
            return;
        }
        migrations.start(r);
    }

    public void onCancelRequested(MigrationCancelRequested c) {
        if (!config.hostId().equals(c.sourceHostId())) {
            return;
        }
        Optional<String> refusal = refusal(new Command(c.signingPayload(), c.signature(), c.signingKey(),
                null, null, false));
        if (refusal.isPresent()) {
            LOG.warnf("ignoring cancel for %s: %s", c.migrationId(), refusal.get());
            return;
        }
        migrations.cancel(c.migrationId());
    }

    Optional<String> refusal(Command c) {
        String key = config.openbao().migrationSigningKey();
        if (c.signature() == null || c.signature().isBlank()) {
            return Optional.of("unsigned command");
        }
        if (!key.equals(c.signingKey())) {
            return Optional.of("signed with a key other than " + key);
        }
        if (c.expires() && (c.notAfter() == null || c.notAfter().isBefore(clock.instant()))) {
            return Optional.of("command expired (notAfter)");
        }
        if (c.clusterId() != null && !config.clusterId().equals(c.clusterId())) {
            return Optional.of("command for another cluster");
        }
        try {
            return verifier.verify(c.signedBytes(), c.signature()) ? Optional.empty()
                    : Optional.of("signature does not verify with " + key);
        } catch (RuntimeException e) {
            return Optional.of("signature could not be verified: " + e.getMessage());
        }
    }
}
