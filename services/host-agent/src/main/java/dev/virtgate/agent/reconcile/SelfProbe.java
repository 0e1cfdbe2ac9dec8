package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.libvirt.LibvirtClient;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.MiniCa;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.policy.ClusterPolicy;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.PostureCheck;
import org.bouncycastle.asn1.x500.X500Name;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The host attacks itself: an unauthenticated TCP client and a client with a certificate from a
 * foreign CA must be refused, its own credentials must work, and the managed files must be what it
 * last wrote. A foreign CA is trusted by the probe CLIENT (bundle of both CAs) so that the refusal
 * is the server's, as it would be for a real attacker.
 */
public final class SelfProbe {
    public static final String LIBVIRTD = "libvirtd-reachable";
    public static final String UNAUTH_TCP = "unauthenticated-tcp-refused";
    public static final String FOREIGN_CA = "foreign-ca-tls-refused";
    public static final String OWN_TLS = "own-tls-accepted";
    public static final String OWN_SASL = "own-sasl-accepted";
    public static final String CONFIG = "config-matches-applied";
    public static final String CERT = "certificate-valid";

    private final AgentConfig config;
    private final AgentPaths paths;
    private final LibvirtdControl libvirtd;
    /** Made on the first probe, not at start-up: key generation and signing cost a few hundred ms. */
    private record ForeignIdentity(MiniCa ca, KeyPair key) {
    }

    private ForeignIdentity foreign;

    public SelfProbe(AgentConfig config, AgentPaths paths, LibvirtdControl libvirtd) {
        this.config = config;
        this.paths = paths;
        this.libvirtd = libvirtd;
    }

    public List<PostureCheck> run(AgentState state, String clientPassword) {
        List<PostureCheck> checks = new ArrayList<>();
        if (!libvirtd.reachable()) {
            checks.add(fail(LIBVIRTD, "libvirtd does not answer on " + config.libvirtUri()));
        } else {
            checks.add(pass(LIBVIRTD, null));
        }
        checks.add(certificate(state));
        // An empty auth file: the host's own /etc/libvirt/auth.conf (peer migration credentials)
        // must not make this "no credentials" client authenticate.
        LibvirtClient.Attempt unauth = LibvirtClient.attempt(LibvirtClient.withAuthFile(tcpUri(), emptyAuthFile()));
        checks.add(unauth.connected() ? fail(UNAUTH_TCP, "a client without credentials connected over TCP")
                : pass(UNAUTH_TCP, shorten(unauth.error())));
        // The host's own SASL credential: for SASL over TCP, and over TLS when auth_tls is sasl.
        Path ownSasl = state.credential == null || clientPassword == null ? null
                : ownSaslAuthFile(state.credential.clientUsername(), clientPassword);
        try {
            tlsChecks(state, ownSasl, checks);
            if (ownSasl == null) {
                checks.add(skipped(OWN_SASL, "no SASL credential yet"));
            } else if (!ConfigRenderer.tcpEnabled(state, Instant.now())) {
                checks.add(skipped(OWN_SASL, "TCP closed by the cluster policy " + ClusterPolicy.of(state).mode()));
            } else {
                LibvirtClient.Attempt own = LibvirtClient.attempt(LibvirtClient.withAuthFile(tcpUri(), ownSasl),
                        LibvirtClient.fromAuthFileOnly());
                checks.add(own.connected() ? pass(OWN_SASL, null) : fail(OWN_SASL, shorten(own.error())));
            }
        } finally {
            if (ownSasl != null) {
                SecureFiles.delete(ownSasl);
            }
        }
        checks.add(configMatches(state));
        return checks;
    }

    /** Both with the own SASL credential when there is one: the foreign certificate's refusal is its own. */
    private void tlsChecks(AgentState state, Path ownSasl, List<PostureCheck> checks) {
        if (state.certPem == null) {
            checks.add(skipped(FOREIGN_CA, "no certificate yet"));
            checks.add(skipped(OWN_TLS, "no certificate yet"));
            return;
        }
        Path credential = ownSasl != null ? ownSasl : emptyAuthFile();
        LibvirtClient.Attempt foreign = LibvirtClient.attempt(
                LibvirtClient.withAuthFile(tlsUri(foreignPkiDir(state)), credential), LibvirtClient.fromAuthFileOnly());
        checks.add(foreign.connected() ? fail(FOREIGN_CA, "a certificate from a foreign CA was accepted")
                : pass(FOREIGN_CA, shorten(foreign.error())));
        if (state.ownCertRevoked) {
            checks.add(skipped(OWN_TLS, "own certificate revoked"));
        } else if (ownSasl == null && ConfigRenderer.saslOnTls(state)) {
            // not TLS-ready: its libvirtd lets no TLS client in, and it cannot log in to its peers either
            checks.add(fail(OWN_TLS, "auth_tls is sasl and the cluster's SASL credential has not arrived yet"));
        } else {
            LibvirtClient.Attempt own = LibvirtClient.attempt(
                    LibvirtClient.withAuthFile(tlsUri(ownPkiDir()), credential), LibvirtClient.fromAuthFileOnly());
            checks.add(own.connected() ? pass(OWN_TLS, null) : fail(OWN_TLS, shorten(own.error())));
        }
    }

    PostureCheck certificate(AgentState state) {
        if (state.certPem == null) {
            return skipped(CERT, "no certificate yet");
        }
        if (state.ownCertRevoked) {
            // The host's TLS identity is withdrawn and its own DN left the allowed list: TLS is not
            // offered (the control plane knows from CertRevoked), which is no lockdown failure.
            return skipped(CERT, "certificate revoked: no TLS identity until a new certificate is issued");
        }
        if (state.certNotAfter != null && state.certNotAfter.isBefore(Instant.now())) {
            return fail(CERT, "certificate expired");
        }
        return pass(CERT, null);
    }

    public PostureCheck configMatches(AgentState state) {
        if (state.appliedDigests.isEmpty()) {
            return skipped(CONFIG, "nothing applied yet");
        }
        List<String> drifted = drifted(state);
        return drifted.isEmpty() ? pass(CONFIG, null) : fail(CONFIG, "changed by hand: " + String.join(", ", drifted));
    }

    public List<String> drifted(AgentState state) {
        List<String> drifted = new ArrayList<>();
        for (Map.Entry<String, String> e : state.appliedDigests.entrySet()) {
            String now = SecureFiles.read(paths.onHost(e.getKey())).map(SelfProbe::sha256).orElse("missing");
            if (!now.equals(e.getValue())) {
                drifted.add(e.getKey());
            }
        }
        return drifted;
    }

    public String tcpUri() {
        return "qemu+tcp://" + host(config.managementAddress()) + ":" + config.tcpPort() + "/system";
    }

    public String tlsUri(Path pkiDir) {
        return "qemu+tls://" + host(config.managementAddress()) + ":" + config.tlsPort() + "/system?pkipath=" + pkiDir;
    }

    Path emptyAuthFile() {
        SecureFiles.createPrivateDirectory(paths.probeDir());
        Path file = paths.probeDir().resolve("auth-none.conf");
        write(file, "# no credentials: the self-probe's unauthenticated client\n");
        return file;
    }

    /** The probe's own SASL client credential, 0600, removed after the probe. */
    Path ownSaslAuthFile(String username, String password) {
        SecureFiles.createPrivateDirectory(paths.probeDir());
        Path file = paths.probeDir().resolve("auth-own.conf");
        SecureFiles.writeAtomically(file, dev.virtgate.agent.conf.AuthConf.render("", username, password)
                .getBytes(StandardCharsets.UTF_8), "rw-------", null);
        return file;
    }

    /** libvirt's client wants cacert.pem, clientcert.pem and clientkey.pem in one directory. */
    public Path ownPkiDir() {
        Path dir = paths.probeDir().resolve("own");
        SecureFiles.createPrivateDirectory(paths.probeDir());
        SecureFiles.createPrivateDirectory(dir);
        copy(paths.caCert(), dir.resolve("cacert.pem"));
        copy(paths.clientCert(), dir.resolve("clientcert.pem"));
        copy(paths.clientKey(), dir.resolve("clientkey.pem"));
        return dir;
    }

    Path foreignPkiDir(AgentState state) {
        Path dir = paths.probeDir().resolve("foreign");
        SecureFiles.createPrivateDirectory(paths.probeDir());
        SecureFiles.createPrivateDirectory(dir);
        ForeignIdentity foreign = foreignIdentity();
        MiniCa foreignCa = foreign.ca();
        KeyPair foreignKey = foreign.key();
        var cert = foreignCa.issue(foreignKey.getPublic(), new X500Name("O=virtgate,OU=" + config.clusterId()
                + ",CN=" + config.fqdn()), List.of(config.fqdn()), List.of(), Duration.ofHours(1));
        String bundle = String.join("", state.caBundlePem.stream().map(p -> p.strip() + "\n").toList())
                + foreignCa.certificatePem();
        write(dir.resolve("cacert.pem"), bundle);
        write(dir.resolve("clientcert.pem"), Pem.encode(cert));
        write(dir.resolve("clientkey.pem"), Pem.encode(foreignKey.getPrivate()));
        return dir;
    }

    private synchronized ForeignIdentity foreignIdentity() {
        if (foreign == null) {
            foreign = new ForeignIdentity(new MiniCa("virtgate-probe-foreign"), HostKey.generate());
        }
        return foreign;
    }

    private void copy(String logical, Path to) {
        SecureFiles.read(paths.onHost(logical)).ifPresent(b -> SecureFiles.writeAtomically(to, b, "rw-------", null));
    }

    private static void write(Path to, String content) {
        SecureFiles.writeAtomically(to, content.getBytes(StandardCharsets.US_ASCII), "rw-------", null);
    }

    private static String host(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }

    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String shorten(String s) {
        if (s == null) {
            return null;
        }
        String one = s.replaceAll("[\\r\\n]+", " ");
        return one.length() > 300 ? one.substring(0, 300) : one;
    }

    static PostureCheck pass(String name, String detail) {
        return new PostureCheck(name, CheckStatus.PASS, detail);
    }

    static PostureCheck fail(String name, String detail) {
        return new PostureCheck(name, CheckStatus.FAIL, detail);
    }

    static PostureCheck skipped(String name, String detail) {
        return new PostureCheck(name, CheckStatus.SKIPPED, detail);
    }
}
