package dev.virtgate.agent.nova;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Keeps Nova's drop-in in line with the cluster (virtgate.agent.integration=nova): written
 * atomically, readable by nova-compute's group only, never over a file the agent did not write,
 * and a restart marker whenever its content changes.
 */
public class NovaIntegration {
    private static final Logger LOG = Logger.getLogger(NovaIntegration.class);

    public enum Outcome { DISABLED, UNCHANGED, WRITTEN, REFUSED, FAILED }

    private final AgentConfig config;
    private final Path dropIn;
    private final Path restartMarker;

    public NovaIntegration(AgentConfig config, AgentPaths paths) {
        this.config = config;
        this.dropIn = paths.onHost(config.nova().dropIn());
        this.restartMarker = paths.onHost(config.nova().restartMarker());
    }

    /**
     * A newer answer for this host's cluster is kept in the state and applied; an older one, or one
     * for another cluster, changes nothing (returns empty).
     */
    public synchronized Optional<Outcome> follow(AgentState state, ClusterTlsReadinessChanged event) {
        if (!config.clusterId().equals(event.clusterId())
                || (state.tlsReadiness != null && state.tlsReadiness.revision() >= event.revision())) {
            return Optional.empty();
        }
        state.tlsReadiness = event;
        state.save();
        return Optional.of(apply(event));
    }

    /** Never throws: a file the agent cannot write is logged with its path, and tried again with the next answer. */
    public synchronized Outcome apply(ClusterTlsReadinessChanged readiness) {
        if (config.integration() != AgentConfig.Integration.NOVA) {
            return Outcome.DISABLED;
        }
        try {
            return write(readiness);
        } catch (ConfigRejectedException | UncheckedIOException e) {
            LOG.errorf("Nova integration: cannot write %s: %s", dropIn, e.getMessage());
            return Outcome.FAILED;
        }
    }

    private Outcome write(ClusterTlsReadinessChanged readiness) {
        String wanted = NovaDropIn.render(config.clusterId(), readiness,
                config.migrationAddress().orElse(config.managementAddress()));
        Optional<String> existing = SecureFiles.read(dropIn).map(b -> new String(b, StandardCharsets.UTF_8));
        if (existing.isPresent() && !NovaDropIn.isOurs(existing.get())) {
            LOG.warnf("Nova integration: not writing %s: the file exists and virtgate-agent did not write it"
                    + " (its first line is not the agent's marker); move it away or set virtgate.agent.nova.drop-in",
                    dropIn);
            return Outcome.REFUSED;
        }
        if (existing.isPresent() && existing.get().equals(wanted)) {
            return Outcome.UNCHANGED;
        }
        SecureFiles.writeAtomically(dropIn, wanted.getBytes(StandardCharsets.UTF_8), "rw-r-----", group());
        boolean nativeTls = readiness != null && readiness.nativeTlsEverywhere();
        SecureFiles.writeAtomically(restartMarker, ("nova-compute must restart: " + dropIn + " changed at "
                + Instant.now() + " (live_migration_with_native_tls = " + nativeTls + ")\n")
                .getBytes(StandardCharsets.UTF_8), "rw-r--r--", null);
        LOG.infof("Nova integration: wrote %s (live_migration_with_native_tls = %s); nova-compute must restart (%s)",
                dropIn, nativeTls, restartMarker);
        return Outcome.WRITTEN;
    }

    private String group() {
        if (config.nova().group().isPresent()) {
            return config.nova().group().get();
        }
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName("nova");
            return "nova";
        } catch (IOException e) {
            return "root";
        }
    }
}
