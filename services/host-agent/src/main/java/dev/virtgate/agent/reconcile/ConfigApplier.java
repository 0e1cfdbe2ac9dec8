package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.libvirt.Processes;
import dev.virtgate.agent.libvirt.SaslDb;
import dev.virtgate.agent.state.AgentState;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Writes the rendered files and makes libvirtd use them. All values are rendered (and validated)
 * before the first write; each file is replaced atomically; the previous versions are kept and
 * put back if libvirtd does not come back healthy. Restarts wait for running migrations (they hold
 * the read side of {@code migrationLock}).
 */
public class ConfigApplier {
    private static final Logger LOG = Logger.getLogger(ConfigApplier.class);

    public record Outcome(boolean changed, boolean restarted, boolean tlsReloaded, List<String> changedFiles,
            String detail) {
    }

    public static class ApplyFailedException extends RuntimeException {
        public ApplyFailedException(String message) {
            super(message);
        }
    }

    public static class LibvirtdUnavailableException extends RuntimeException {
        public LibvirtdUnavailableException(String message) {
            super(message);
        }
    }

    private final AgentConfig config;
    private final AgentPaths paths;
    private final LibvirtdControl libvirtd;
    private final ReadWriteLock migrationLock;

    public ConfigApplier(AgentConfig config, AgentPaths paths, LibvirtdControl libvirtd, ReadWriteLock migrationLock) {
        this.config = config;
        this.paths = paths;
        this.libvirtd = libvirtd;
        this.migrationLock = migrationLock;
    }

    public Outcome apply(AgentState state, List<FileSpec> files, SaslDb saslDb, Map<String, String> saslPasswords) {
        if (!libvirtd.reachable()) {
            throw new LibvirtdUnavailableException("libvirtd does not answer on " + config.libvirtUri()
                    + "; nothing was written");
        }
        Map<String, Optional<byte[]>> previous = new LinkedHashMap<>();
        List<FileSpec> changed = new ArrayList<>();
        for (FileSpec f : files) {
            Optional<byte[]> now = SecureFiles.read(paths.onHost(f.path()));
            if (now.isEmpty() || !java.util.Arrays.equals(now.get(), f.content())) {
                previous.put(f.path(), now);
                changed.add(f);
            }
        }
        syncSaslUsers(state, saslDb, saslPasswords);
        for (Map.Entry<String, Optional<byte[]>> e : previous.entrySet()) {
            e.getValue().ifPresent(b -> SecureFiles.writeAtomically(
                    paths.previousDir().resolve(e.getKey().substring(1)), b, "rw-------", null));
        }
        for (FileSpec f : changed) {
            SecureFiles.writeAtomically(paths.onHost(f.path()), f.content(), f.mode(), f.group());
        }
        boolean needRestart = changed.stream().anyMatch(f -> f.effect() == FileSpec.Effect.RESTART);
        boolean needReload = changed.stream().anyMatch(f -> f.effect() == FileSpec.Effect.RELOAD_TLS);
        boolean restarted = false;
        boolean reloaded = false;
        String detail = "no change";
        if (needRestart) {
            restartOrRollBack(files, previous);
            restarted = true;
            detail = "libvirtd restarted";
        } else if (needReload) {
            Processes.Result r = libvirtd.reloadTls();
            if (r.ok()) {
                reloaded = true;
                detail = "TLS material reloaded without restart";
            } else {
                LOG.warnf("server-update-tls failed (%s); restarting libvirtd instead", r.output().strip());
                restartOrRollBack(files, previous);
                restarted = true;
                detail = "TLS reload failed; libvirtd restarted";
            }
        } else if (!changed.isEmpty()) {
            detail = "files updated; no reload needed";
        }
        for (FileSpec f : files) {
            state.appliedDigests.put(f.path(), SelfProbe.sha256(f.content()));
        }
        return new Outcome(!changed.isEmpty(), restarted, reloaded, changed.stream().map(FileSpec::path).toList(),
                detail);
    }

    private void restartOrRollBack(List<FileSpec> files, Map<String, Optional<byte[]>> previous) {
        var write = migrationLock.writeLock();
        try {
            if (!write.tryLock(config.libvirtd().migrationDrainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                restore(files, previous);
                throw new ApplyFailedException("migrations still running after the drain timeout; change not applied");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            restore(files, previous);
            throw new ApplyFailedException("interrupted while waiting for migrations");
        }
        try {
            if (!libvirtd.awaitNoDomainJobs(config.libvirtd().migrationDrainTimeout())) {
                restore(files, previous);
                throw new ApplyFailedException("incoming migrations still running after the drain timeout; change not applied");
            }
            Processes.Result r = libvirtd.restart();
            if (r.ok() && libvirtd.awaitHealthy(true)) {
                return;
            }
            LOG.errorf("libvirtd not healthy after the change (%s); restoring the previous files", r.output().strip());
            restore(files, previous);
            Processes.Result again = libvirtd.restart();
            boolean back = again.ok() && libvirtd.awaitHealthy(false);
            throw new ApplyFailedException("libvirtd did not come back healthy with the new configuration; previous "
                    + "files restored" + (back ? " and libvirtd is up again" : " but libvirtd is still down"));
        } finally {
            write.unlock();
        }
    }

    private void restore(List<FileSpec> files, Map<String, Optional<byte[]>> previous) {
        for (FileSpec f : files) {
            Optional<byte[]> before = previous.get(f.path());
            if (before == null) {
                continue;
            }
            Path target = paths.onHost(f.path());
            if (before.isPresent()) {
                SecureFiles.writeAtomically(target, before.get(), f.mode(), f.group());
            } else {
                SecureFiles.delete(target);
            }
        }
    }

    /** Adds accepted users (password from the store) and removes users this agent added that are no longer accepted. */
    private void syncSaslUsers(AgentState state, SaslDb db, Map<String, String> passwords) {
        if (state.credential == null) {
            return;
        }
        for (String user : state.credential.acceptedUsernames()) {
            Integer kv = state.credential.kvVersionOf(user);
            String password = passwords.get(user);
            if (kv == null || password == null) {
                continue;
            }
            if (!kv.equals(state.saslUsers.get(user))) {
                db.setPassword(user, password);
                state.saslUsers.put(user, kv);
            }
        }
        for (String user : List.copyOf(state.saslUsers.keySet())) {
            if (!state.credential.acceptedUsernames().contains(user)) {
                db.delete(user);
                state.saslUsers.remove(user);
            }
        }
    }
}
