package dev.virtgate.agent.service;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.conf.ConfValue;
import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.conf.LibvirtConf;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.libvirt.CapabilityDiscovery;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.libvirt.MigrationRunner;
import dev.virtgate.agent.libvirt.SaslDb;
import dev.virtgate.agent.pki.Csrs;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.LibvirtDn;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.events.PostureCheck;
import org.jboss.logging.Logger;
import org.libvirt.LibvirtException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The agent's behaviour, independent of Kafka and CDI: the Kafka consumer and the integration
 * tests call the same methods. Configuration changes are serialised by this object's monitor.
 */
public class AgentService {
    private static final Logger LOG = Logger.getLogger(AgentService.class);
    public static final String AGENT_VERSION = "0.1.0";

    private final AgentConfig config;
    private final AgentPaths paths;
    private final EventSink sink;
    private final CredentialSource credentials;
    private final CommandVerifier verifier;
    private final LibvirtdControl libvirtd;
    private final ConfigRenderer renderer;
    private final ConfigApplier applier;
    private final SelfProbe probe;
    private final CapabilityDiscovery discovery;
    private final MigrationRunner migrations;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-retry");
        t.setDaemon(true);
        return t;
    });
    private final AgentState state;
    private HostKey hostKey;
    private ScheduledFuture<?> pendingRetry;
    private int retryAttempt;
    private volatile HostConfigured lastReport;

    public AgentService(AgentConfig config, EventSink sink, CredentialSource credentials, CommandVerifier verifier,
            LibvirtdControl libvirtd) {
        this.config = config;
        this.paths = new AgentPaths(config.paths());
        ConfigValues.hostName("fqdn", config.fqdn());
        ConfigValues.listenAddress("management-address", config.managementAddress());
        this.sink = sink;
        this.credentials = credentials;
        this.verifier = verifier;
        this.libvirtd = libvirtd;
        ReentrantReadWriteLock migrationLock = new ReentrantReadWriteLock(true);
        this.renderer = new ConfigRenderer(config, paths, qemuGroup(config));
        this.applier = new ConfigApplier(config, paths, libvirtd, migrationLock);
        this.probe = new SelfProbe(config, paths, libvirtd);
        this.discovery = new CapabilityDiscovery(config, paths);
        this.migrations = new MigrationRunner(config.libvirtUri(), config.hostId(), sink, migrationLock);
        SecureFiles.createPrivateDirectory(paths.stateDir);
        this.state = AgentState.load(paths.stateFile());
        if (Files.exists(paths.hostKeyFile())) {
            hostKey = HostKey.loadOrCreate(paths.hostKeyFile());
        }
        finishKeyRotation();
    }

    /**
     * A crash between saving a renewed certificate and promoting the key it was issued for leaves
     * the state's certificate matching the next key: promote it now, before anything is rendered.
     */
    private void finishKeyRotation() {
        if (state.certPem == null || !Files.exists(paths.nextHostKeyFile())) {
            return;
        }
        nextKeyFor(Pem.certificate(state.certPem)).ifPresent(next -> {
            promote(next);
            LOG.infof("finished a host key rotation interrupted by a restart (certificate %s)", state.certSerial);
        });
    }

    /** The pending renewal key, when this certificate was issued for it rather than for the current key. */
    private Optional<HostKey> nextKeyFor(X509Certificate cert) {
        if (hostKey != null && hostKey.matches(cert)) {
            return Optional.empty();
        }
        return HostKey.loadIfPresent(paths.nextHostKeyFile()).filter(k -> k.matches(cert));
    }

    private void promote(HostKey next) {
        SecureFiles.replace(paths.nextHostKeyFile(), paths.hostKeyFile());
        hostKey = next;
    }

    /** QEMU's TLS key files: group qemu (Fedora/RHEL), libvirt-qemu (Debian), else root. */
    static String qemuGroup(AgentConfig config) {
        if (config.libvirtd().qemuGroup().isPresent()) {
            return config.libvirtd().qemuGroup().get();
        }
        for (String g : List.of("qemu", "libvirt-qemu")) {
            try {
                if (Files.readAllLines(java.nio.file.Path.of("/etc/group")).stream().anyMatch(l -> l.startsWith(g + ":"))) {
                    return g;
                }
            } catch (java.io.IOException e) {
                break;
            }
        }
        return "root";
    }

    public AgentConfig config() {
        return config;
    }

    public AgentPaths paths() {
        return paths;
    }

    public synchronized AgentState state() {
        return state;
    }

    public HostConfigured lastReport() {
        return lastReport;
    }

    public synchronized HostKey hostKey() {
        if (hostKey == null) {
            hostKey = HostKey.loadOrCreate(paths.hostKeyFile());
        }
        return hostKey;
    }

    // ---- enrollment --------------------------------------------------------------------------

    public synchronized HostEnrolled enroll(String token) throws LibvirtException {
        if (token == null || !token.matches("^[A-Za-z0-9_-]{32,128}$")) {
            throw new ConfigRejectedException("enrollmentToken", "not a valid enrollment token");
        }
        HostCapabilities found = discovery.discover(AGENT_VERSION);
        ensureHostUuid(found.hostUuid()); // the stable host_uuid the agent will keep writing
        HostCapabilities caps = new HostCapabilities(found.libvirtVersion(), found.qemuVersion(),
                found.nativeTlsMigration(), found.tlsReloadSupported(), found.saslMechanisms(), found.listeners(),
                state.hostUuid, found.agentVersion());
        HostKey key = hostKey();
        List<String> dns = new ArrayList<>(List.of(config.fqdn()));
        config.extraNames().orElse(List.of()).forEach(n -> dns.add(ConfigValues.hostName("extra-names", n)));
        List<String> ips = new ArrayList<>(List.of(config.managementAddress()));
        config.migrationAddress().map(a -> ConfigValues.address("migration-address", a))
                .filter(a -> !ips.contains(a)).ifPresent(ips::add);
        var csr = Csrs.build(key.keyPair(), config.clusterId(), config.fqdn(), dns, ips);
        HostEnrolled e = new HostEnrolled(config.hostId(), config.clusterId(), config.fqdn(), Pem.encode(csr), token, caps);
        sink.publish(e);
        state.enrolled = true;
        save();
        return e;
    }

    /** The AppRole credentials arrived: remember the role and where the cluster credential lives. */
    public synchronized void onAccessGranted(String roleId, String kvPath) {
        state.roleId = roleId;
        state.credentialKvPath = kvPath;
        save();
    }

    // ---- configuration events ------------------------------------------------------------------

    public synchronized Optional<HostConfigured> onCertIssued(CertIssued e) {
        if (!config.clusterId().equals(e.clusterId())) {
            return Optional.empty();
        }
        if (!config.hostId().equals(e.hostId())) {
            return onPeerCertIssued(e);
        }
        X509Certificate cert = Pem.certificate(e.certificatePem());
        // a renewal's certificate is for the next key; any other key is refused
        Optional<HostKey> nextKey = nextKeyFor(cert);
        if (nextKey.isEmpty() && (hostKey == null || !hostKey.matches(cert))) {
            LOG.warnf("refusing certificate %s: it does not match this host's key", e.serial());
            return Optional.of(report(List.of(SelfProbe.fail("certificate-matches-key",
                    "refused certificate " + e.serial() + ": public key is not this host's"))));
        }
        List<X509Certificate> cas = e.caBundlePem().stream().flatMap(p -> Pem.certificates(p).stream()).toList();
        if (cas.stream().noneMatch(ca -> signedBy(cert, ca))) {
            return Optional.of(report(List.of(SelfProbe.fail("certificate-matches-key",
                    "refused certificate " + e.serial() + ": not signed by the CA bundle"))));
        }
        String dn = ConfigValues.dn("libvirtDn", LibvirtDn.of(cert));
        if (!dn.equals(e.libvirtDn())) {
            return Optional.of(report(List.of(SelfProbe.fail("certificate-matches-key",
                    "refused certificate " + e.serial() + ": libvirtDn does not match the certificate subject"))));
        }
        state.certPem = e.certificatePem();
        state.chainPem = new ArrayList<>(e.chainPem());
        state.caBundlePem = new ArrayList<>(e.caBundlePem());
        state.certSerial = e.serial().toLowerCase(Locale.ROOT);
        state.certNotAfter = cert.getNotAfter().toInstant();
        state.libvirtDn = dn;
        state.ownCertRevoked = false;
        save();
        nextKey.ifPresent(next -> {
            promote(next);
            LOG.infof("host key rotated with certificate %s", state.certSerial);
        });
        return Optional.of(applyAndReport());
    }

    private Optional<HostConfigured> onPeerCertIssued(CertIssued e) {
        String dn = ConfigValues.dn("peer libvirtDn", e.libvirtDn());
        if (dn.equals(state.peerDns.get(e.hostId()))) {
            state.peerSerials.put(e.hostId(), e.serial());
            save();
            return Optional.empty();
        }
        state.peerDns.put(e.hostId(), dn);
        state.peerSerials.put(e.hostId(), e.serial());
        save();
        return state.certPem == null ? Optional.empty() : Optional.of(applyAndReport());
    }

    public synchronized Optional<HostConfigured> onCertRevoked(CertRevoked e) {
        if (!config.clusterId().equals(e.clusterId())) {
            return Optional.empty();
        }
        if (e.crlPem() != null) {
            X509CRL crl = Pem.crl(e.crlPem());
            boolean trusted = state.caBundlePem.stream().flatMap(p -> Pem.certificates(p).stream()).anyMatch(ca -> {
                try {
                    crl.verify(ca.getPublicKey());
                    return true;
                } catch (Exception ex) {
                    return false;
                }
            });
            if (!trusted && !state.caBundlePem.isEmpty()) {
                return Optional.of(report(List.of(SelfProbe.fail("crl-trusted", "CRL not signed by the cluster CA"))));
            }
            state.crlPem = e.crlPem();
        }
        String serial = e.serial().toLowerCase(Locale.ROOT);
        if (config.hostId().equals(e.hostId())) {
            if (serial.equals(state.certSerial)) {
                state.ownCertRevoked = true;
            }
        } else if (serial.equalsIgnoreCase(state.peerSerials.getOrDefault(e.hostId(), ""))) {
            state.peerDns.remove(e.hostId());
            state.peerSerials.remove(e.hostId());
        }
        save();
        return state.certPem == null ? Optional.empty() : Optional.of(applyAndReport());
    }

    public synchronized Optional<HostConfigured> onCredentialRotated(CredentialRotated e) {
        if (!config.clusterId().equals(e.clusterId())) {
            return Optional.empty();
        }
        e.acceptedUsernames().forEach(u -> ConfigValues.username("acceptedUsernames", u));
        ConfigValues.username("username", e.username());
        state.credential = new AgentState.Credential(e.rotationId(), e.username(), e.version(), e.kvPath(),
                e.kvVersion(), e.phase().name(), e.previousUsername(), e.previousKvVersion(), e.acceptedUsernames());
        save();
        return state.certPem == null ? Optional.empty() : Optional.of(applyAndReport());
    }

    /**
     * Renewal: a CSR for a fresh key (kept in the state directory until its certificate arrives;
     * a second request before then reuses it) and a possession signature by the current key, which
     * is how pki-service knows the request comes from the holder of the current certificate.
     */
    public synchronized Optional<CsrSubmitted> onRenewalRequested(CertRenewalRequested e) {
        if (!config.hostId().equals(e.hostId()) || hostKey == null || state.certSerial == null) {
            return Optional.empty();
        }
        try {
            List<String> ips = new ArrayList<>(List.of(config.managementAddress()));
            config.migrationAddress().filter(a -> !ips.contains(a)).ifPresent(ips::add);
            List<String> dns = new ArrayList<>(List.of(config.fqdn()));
            dns.addAll(config.extraNames().orElse(List.of()));
            HostKey next = HostKey.loadOrCreate(paths.nextHostKeyFile());
            var csr = Csrs.build(next.keyPair(), config.clusterId(), config.fqdn(), dns, ips);
            Signature sig = Signature.getInstance("SHA256withECDSA");
            sig.initSign(hostKey.privateKey());
            sig.update(csr.getEncoded());
            CsrSubmitted out = new CsrSubmitted(config.hostId(), config.clusterId(), Pem.encode(csr), state.certSerial,
                    Base64.getEncoder().encodeToString(sig.sign()));
            sink.publish(out);
            return Optional.of(out);
        } catch (Exception ex) {
            throw new IllegalStateException("cannot build renewal CSR", ex);
        }
    }

    // ---- apply, probe, drift -----------------------------------------------------------------

    /** Renders, validates, writes, reloads or restarts, probes and reports. Retries later when libvirtd is down. */
    public synchronized HostConfigured applyAndReport() {
        if (state.certPem == null) {
            return probeAndReport(false);
        }
        ensureHostUuid();
        List<PostureCheck> extra = new ArrayList<>();
        try {
            Map<String, String> passwords = saslPasswords();
            List<FileSpec> files = renderer.render(state, hostKey().privateKeyPem(), credentials);
            ConfigApplier.Outcome outcome = applier.apply(state, files, new SaslDb(config.libvirtd().saslpasswd2(),
                    paths.onHost(paths.sasldb()), renderer.realm()), passwords);
            save();
            cancelRetry();
            extra.add(SelfProbe.pass("apply", outcome.detail()));
        } catch (ConfigApplier.LibvirtdUnavailableException e) {
            scheduleRetry();
            extra.add(SelfProbe.fail("apply", e.getMessage()));
        } catch (ConfigRejectedException e) {
            extra.add(SelfProbe.fail("apply", "rejected before writing: " + e.getMessage()));
        } catch (ConfigApplier.ApplyFailedException e) {
            extra.add(SelfProbe.fail("apply", e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("apply failed", e);
            extra.add(SelfProbe.fail("apply", "agent error: " + e.getClass().getSimpleName()));
        }
        return report(extra);
    }

    /** Periodic self-probe; repairs drift when the policy says so. */
    public synchronized HostConfigured probeAndReport(boolean mayRepair) {
        if (mayRepair && config.repairDrift() && state.certPem != null && !probe.drifted(state).isEmpty()) {
            LOG.warnf("configuration drift in %s: repairing", probe.drifted(state));
            HostConfigured before = report(List.of(SelfProbe.fail("drift-detected",
                    "changed by hand: " + String.join(", ", probe.drifted(state)))));
            HostConfigured after = applyAndReport();
            return after != null ? after : before;
        }
        return report(List.of());
    }

    private HostConfigured report(List<PostureCheck> extra) {
        List<PostureCheck> checks = new ArrayList<>(extra);
        String password = null;
        if (state.credential != null) {
            try {
                password = credentials.password(state.credential.kvPath(), state.credential.clientKvVersion());
            } catch (RuntimeException e) {
                checks.add(SelfProbe.fail("credential-readable", e.getMessage()));
            }
        }
        checks.addAll(probe.run(state, password));
        List<String> listeners = discovery.listeners();
        boolean tls = listeners.stream().anyMatch(l -> l.startsWith("tls://"));
        boolean sasl = listeners.stream().anyMatch(l -> l.startsWith("tcp://") && l.endsWith("auth=sasl"));
        boolean nativeTls = false;
        try (var c = new AutoCloseableConnect(config.libvirtUri())) {
            nativeTls = CapabilityDiscovery.nativeTls(c.conn.getLibVersion(), c.conn.getVersion());
        } catch (Exception e) {
            LOG.debug("libvirtd unreachable for the capability check");
        }
        String digest = state.appliedDigests.isEmpty() ? null
                : SelfProbe.sha256(state.appliedDigests.toString().getBytes(StandardCharsets.UTF_8));
        AgentState.Credential c = state.credential;
        HostConfigured out = new HostConfigured(config.hostId(), config.clusterId(), state.certSerial,
                state.certNotAfter, c == null ? null : c.rotationId(), c == null ? null : c.version(),
                c == null ? null : CredentialPhase.valueOf(c.phase()), tls, sasl, nativeTls, checks, digest,
                Instant.now());
        lastReport = out;
        sink.publish(out);
        if (checks.stream().anyMatch(ch -> ch.status() == CheckStatus.FAIL)) {
            LOG.warnf("posture: %s", checks.stream().filter(ch -> ch.status() == CheckStatus.FAIL)
                    .map(PostureCheck::name).toList());
        }
        return out;
    }

    private Map<String, String> saslPasswords() {
        Map<String, String> out = new HashMap<>();
        if (state.credential != null) {
            for (String user : state.credential.acceptedUsernames()) {
                Integer kv = state.credential.kvVersionOf(user);
                if (kv != null) {
                    out.put(user, credentials.password(state.credential.kvPath(), kv));
                }
            }
        }
        return out;
    }

    /** A stable host_uuid: the one already configured, else the one libvirtd reports, else a new one. */
    private void ensureHostUuid() {
        ensureHostUuid(null);
    }

    private void ensureHostUuid(String discovered) {
        if (state.hostUuid != null) {
            return;
        }
        String existing = SecureFiles.read(paths.onHost(paths.libvirtdConf()))
                .map(b -> LibvirtConf.parse(new String(b, StandardCharsets.UTF_8)))
                .flatMap(c -> c.get("host_uuid")).filter(v -> v instanceof ConfValue.Str)
                .map(v -> ((ConfValue.Str) v).value()).orElse(null);
        if (existing == null || !existing.matches("^[0-9a-f-]{36}$")) {
            existing = discovered != null && discovered.matches("^[0-9a-f-]{36}$") ? discovered : null;
        }
        state.hostUuid = existing != null ? existing : UUID.randomUUID().toString();
        save();
    }

    private void scheduleRetry() {
        if (pendingRetry != null && !pendingRetry.isDone()) {
            return;
        }
        long delay = Math.min(60, 1L << Math.min(retryAttempt, 6));
        retryAttempt++;
        LOG.warnf("libvirtd unavailable; retrying the apply in %d s", delay);
        pendingRetry = retries.schedule(this::applyAndReport, delay, TimeUnit.SECONDS);
    }

    private void cancelRetry() {
        retryAttempt = 0;
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
            pendingRetry = null;
        }
    }

    public synchronized boolean retryPending() {
        return pendingRetry != null && !pendingRetry.isDone();
    }

    // ---- migrations ----------------------------------------------------------------------------

    public void onMigrationRequested(MigrationRequested r) {
        if (!config.hostId().equals(r.sourceHostId())) {
            return;
        }
        synchronized (this) {
            if (!state.seenMigrations.add(r.migrationId())) {
                return; // redelivery
            }
            save();
        }
        String refusal = refusal(r);
        if (refusal != null) {
            LOG.warnf("refusing migration %s: %s", r.migrationId(), refusal);
            sink.publish(MigrationRunner.failed(r, "refused: " + refusal, null, null, false));
            return;
        }
        migrations.start(r);
    }

    String refusal(MigrationRequested r) {
        if (r.signature() == null || r.signature().isBlank()) {
            return "unsigned command";
        }
        if (!config.openbao().migrationSigningKey().equals(r.signingKey())) {
            return "signed with a key other than " + config.openbao().migrationSigningKey();
        }
        if (r.notAfter() == null || r.notAfter().isBefore(Instant.now())) {
            return "command expired (notAfter)";
        }
        if (!config.clusterId().equals(r.clusterId())) {
            return "command for another cluster";
        }
        boolean valid;
        try {
            valid = verifier.verify(r.signingPayload(), r.signature());
        } catch (RuntimeException e) {
            return "signature could not be verified: " + e.getMessage();
        }
        return valid ? null : "signature does not verify with " + config.openbao().migrationSigningKey();
    }

    public void onMigrationCancelRequested(MigrationCancelRequested c) {
        if (!config.hostId().equals(c.sourceHostId())) {
            return;
        }
        if (c.signature() == null || !config.openbao().migrationSigningKey().equals(c.signingKey())) {
            LOG.warnf("ignoring unsigned cancel for %s", c.migrationId());
            return;
        }
        try {
            if (!verifier.verify(c.signingPayload(), c.signature())) {
                LOG.warnf("ignoring cancel for %s: bad signature", c.migrationId());
                return;
            }
        } catch (RuntimeException e) {
            LOG.warnf("cannot verify cancel for %s: %s", c.migrationId(), e.getMessage());
            return;
        }
        migrations.cancel(c.migrationId());
    }

    public int runningMigrations() {
        return migrations.runningCount();
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate ca) {
        try {
            cert.verify(ca.getPublicKey());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private void save() {
        state.save(paths.stateFile());
    }

    public static Duration probeInterval(AgentConfig config) {
        return config.probeInterval();
    }

    private static final class AutoCloseableConnect implements AutoCloseable {
        final org.libvirt.Connect conn;

        AutoCloseableConnect(String uri) throws LibvirtException {
            conn = dev.virtgate.agent.libvirt.LibvirtClient.open(uri);
        }

        @Override
        public void close() throws LibvirtException {
            conn.close();
        }
    }
}
