package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.conf.AuthConf;
import dev.virtgate.agent.conf.ConfValue;
import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.conf.LibvirtConf;
import dev.virtgate.agent.conf.SaslConf;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.policy.ClusterPolicy;
import dev.virtgate.agent.proxy.MigrationProxy;
import dev.virtgate.agent.service.CredentialSource;
import dev.virtgate.agent.state.AgentState;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Computes the complete desired content of every managed file from the agent's state and the
 * files currently on disk (to keep their unmanaged lines). Every value is validated here, so a
 * rejected value aborts the apply before a single file is written.
 */
public final class ConfigRenderer {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ConfigRenderer.class);
    public static final Set<String> LIBVIRTD_KEYS = Set.of("listen_tls", "listen_tcp", "listen_addr", "tcp_port",
            "tls_port", "auth_tcp", "auth_tls", "key_file", "cert_file", "ca_file", "crl_file",
            "tls_no_verify_certificate", "tls_no_sanity_certificate", "tls_allowed_dn_list",
            "sasl_allowed_username_list", "host_uuid");
    public static final Set<String> QEMU_KEYS = Set.of("migrate_tls_x509_cert_dir", "migrate_tls_x509_verify",
            "migrate_tls_force", "migration_address", "migration_port_min", "migration_port_max");

    private final AgentConfig config;
    private final AgentPaths paths;
    private final String qemuGroup;
    private final Clock clock;

    public ConfigRenderer(AgentConfig config, AgentPaths paths, String qemuGroup) {
        this(config, paths, qemuGroup, Clock.systemUTC());
    }

    public ConfigRenderer(AgentConfig config, AgentPaths paths, String qemuGroup, Clock clock) {
        this.config = config;
        this.paths = paths;
        this.qemuGroup = qemuGroup;
        this.clock = clock;
    }

    public String realm() {
        return ConfigValues.realm("sasl-realm", config.saslRealm()
                .orElse(config.fqdn()).toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Whether libvirtd listens on plain TCP (SASL DIGEST-MD5): only while the cluster's policy allows
     * it (ALLOW_SASL_FALLBACK, or an UPGRADE_WINDOW not yet expired) and with a credential to
     * authenticate with, and never while the broker refuses this host (revoked or decommissioned:
     * it could no longer learn that the policy or the credential changed, so it fails closed).
     */
    public static boolean tcpEnabled(AgentState state, Instant now) {
        return state.credential != null && !state.busAccessLost && ClusterPolicy.of(state).tcpAllowed(now);
    }

    /** auth_tls = "sasl" (SCRAM-SHA-256 on top of the client certificate) when the policy says so, else "none". */
    public static boolean saslOnTls(AgentState state) {
        return ClusterPolicy.of(state).saslOnTls();
    }

    public List<FileSpec> render(AgentState state, String hostKeyPem, CredentialSource credentials) {
        if (state.certPem == null || state.caBundlePem.isEmpty()) {
            throw new IllegalStateException("no certificate yet: nothing to apply");
        }
        List<FileSpec> files = new ArrayList<>();
        String cert = state.certPem.strip() + "\n" + String.join("", state.chainPem.stream().map(p -> p.strip() + "\n").toList());
        String ca = String.join("", state.caBundlePem.stream().map(p -> p.strip() + "\n").toList());
        files.add(new FileSpec(paths.caCert(), ascii(ca), "rw-r--r--", null, FileSpec.Effect.RELOAD_TLS));
        files.add(new FileSpec(paths.serverCert(), ascii(cert), "rw-r--r--", null, FileSpec.Effect.RELOAD_TLS));
        files.add(new FileSpec(paths.clientCert(), ascii(cert), "rw-r--r--", null, FileSpec.Effect.RELOAD_TLS));
        files.add(new FileSpec(paths.serverKey(), ascii(hostKeyPem), "rw-------", null, FileSpec.Effect.RELOAD_TLS));
        files.add(new FileSpec(paths.clientKey(), ascii(hostKeyPem), "rw-------", null, FileSpec.Effect.RELOAD_TLS));
        String q = paths.qemuTlsDir;
        files.add(new FileSpec(q + "/ca-cert.pem", ascii(ca), "rw-r--r--", null, FileSpec.Effect.NONE));
        files.add(new FileSpec(q + "/server-cert.pem", ascii(cert), "rw-r--r--", null, FileSpec.Effect.NONE));
        files.add(new FileSpec(q + "/client-cert.pem", ascii(cert), "rw-r--r--", null, FileSpec.Effect.NONE));
        files.add(new FileSpec(q + "/server-key.pem", ascii(hostKeyPem), "rw-r-----", qemuGroup, FileSpec.Effect.NONE));
        files.add(new FileSpec(q + "/client-key.pem", ascii(hostKeyPem), "rw-r-----", qemuGroup, FileSpec.Effect.NONE));
        if (state.crlPem != null) {
            files.add(new FileSpec(paths.crl(), ascii(state.crlPem), "rw-r--r--", null, FileSpec.Effect.RELOAD_TLS));
            files.add(new FileSpec(q + "/ca-crl.pem", ascii(state.crlPem), "rw-r--r--", null, FileSpec.Effect.NONE));
        }
        String password = readablePassword(state, credentials);
        // fail closed: a host that cannot read the cluster credential (its access was withdrawn, or
        // OpenBao is away) keeps TCP shut, and every other file (policy, CRL, certificates) still applies
        boolean tcp = tcpEnabled(state, clock.instant()) && password != null;
        files.add(new FileSpec(paths.libvirtdConf(), utf8(libvirtdConf(state, tcp)), "rw-r--r--", null,
                FileSpec.Effect.RESTART));
        files.add(new FileSpec(paths.qemuConf(), utf8(qemuConf(state)), "rw-------", null, FileSpec.Effect.RESTART));
        files.add(new FileSpec(paths.saslConf(), utf8(saslConf(state, tcp)), "rw-r--r--", null, FileSpec.Effect.RESTART));
        if (password != null) {
            files.add(new FileSpec(paths.authConf(), utf8(AuthConf.render(current(paths.authConf()),
                    state.credential.clientUsername(), password)), "rw-------", null, FileSpec.Effect.NONE));
        }
        return files;
    }

    /** The client password of the current credential, or null when there is none or it cannot be read. */
    private static String readablePassword(AgentState state, CredentialSource credentials) {
        if (state.credential == null) {
            return null;
        }
        AgentState.Credential c = state.credential;
        try {
            return credentials.password(c.kvPath(), c.clientKvVersion());
        } catch (RuntimeException e) {
            LOG.warnf("the cluster credential is not readable (%s): auth.conf kept as it is, TCP port kept closed",
                    e.getMessage());
            return null;
        }
    }

    String libvirtdConf(AgentState state) {
        return libvirtdConf(state, tcpEnabled(state, clock.instant()));
    }

    private String libvirtdConf(AgentState state, boolean tcp) {
        Map<String, ConfValue> v = new LinkedHashMap<>();
        boolean saslTls = saslOnTls(state);
        v.put("listen_tls", ConfValue.of(1));
        v.put("listen_tcp", ConfValue.of(tcp ? 1 : 0));
        v.put("listen_addr", ConfValue.of(ConfigValues.listenAddress("management-address", config.managementAddress())));
        v.put("tls_port", ConfValue.of(Integer.toString(ConfigValues.port("tls-port", config.tlsPort()))));
        v.put("tcp_port", ConfValue.of(Integer.toString(ConfigValues.port("tcp-port", config.tcpPort()))));
        v.put("auth_tcp", ConfValue.of("sasl"));
        v.put("auth_tls", ConfValue.of(saslTls ? "sasl" : "none"));
        v.put("key_file", ConfValue.of(ConfigValues.path("key_file", paths.serverKey())));
        v.put("cert_file", ConfValue.of(ConfigValues.path("cert_file", paths.serverCert())));
        v.put("ca_file", ConfValue.of(ConfigValues.path("ca_file", paths.caCert())));
        if (state.crlPem != null) {
            v.put("crl_file", ConfValue.of(ConfigValues.path("crl_file", paths.crl())));
        }
        v.put("tls_no_verify_certificate", ConfValue.of(0));
        v.put("tls_no_sanity_certificate", ConfValue.of(0));
        v.put("tls_allowed_dn_list", ConfValue.of(allowedDns(state)));
        if (tcp || saslTls) { // empty (no credential yet): libvirtd lets no SASL user in
            v.put("sasl_allowed_username_list", ConfValue.of(allowedUsers(state)));
        }
        v.put("host_uuid", ConfValue.of(ConfigValues.uuid("host_uuid", state.hostUuid)));
        return LibvirtConf.parse(current(paths.libvirtdConf())).render(LIBVIRTD_KEYS, v);
    }

    /** Own DN and the DNs of the cluster's peers, in virt-pki-query-dn order, sorted for a stable file. */
    static List<String> allowedDns(AgentState state) {
        TreeSet<String> dns = new TreeSet<>();
        if (state.libvirtDn != null && !state.ownCertRevoked) {
            dns.add(ConfigValues.dn("libvirtDn", state.libvirtDn));
        }
        state.peerDns.forEach((host, dn) -> dns.add(ConfigValues.dn("peer " + host + " libvirtDn", dn)));
        return List.copyOf(dns);
    }

    /**
     * The versioned cluster usernames (prefix-v1, prefix-v2, ...) are allowed by one wildcard
     * pattern, so that a rotation does not change libvirtd.conf: that would restart libvirtd and
     * break migrations in flight. Who can log in is decided by the SASL database, which the agent
     * changes in place (new user staged, old user removed when retired).
     */
    List<String> allowedUsers(AgentState state) {
        List<String> users = new ArrayList<>();
        if (state.credential != null) {
            String realm = realm();
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            for (String u : state.credential.acceptedUsernames()) {
                ConfigValues.username("acceptedUsernames", u);
                java.util.regex.Matcher m = VERSIONED_USER.matcher(u);
                names.add(m.matches() ? m.group(1) + "*" : u);
            }
            for (String u : names) {
                users.add(u);
                users.add(u + "@" + realm);
            }
        }
        return users;
    }

    private static final java.util.regex.Pattern VERSIONED_USER = java.util.regex.Pattern.compile("^([a-z][a-z0-9-]*-v)[0-9]+$");

    String qemuConf(AgentState state) {
        Map<String, ConfValue> v = new LinkedHashMap<>();
        v.put("migrate_tls_x509_cert_dir", ConfValue.of(ConfigValues.path("qemu-tls-dir", paths.qemuTlsDir)));
        v.put("migrate_tls_x509_verify", ConfValue.of(1));
        boolean proxied = MigrationProxy.inForce(config.migrationProxy(), ClusterPolicy.of(state));
        v.put("migrate_tls_force", ConfValue.of(config.requireTls() && !proxied ? 1 : 0));
        String migrationAddress = ConfigValues.listenAddress("migration-address",
                config.migrationAddress().orElse(config.managementAddress()));
        if (ConfigValues.isLoopback("migration-address", migrationAddress)) {
            // libvirt refuses to start: "migration_address must not be the address of the local machine"
            throw new ConfigRejectedException("migration-address", "loopback address refused by libvirt");
        }
        v.put("migration_address", ConfValue.of(migrationAddress));
        int min = ConfigValues.port("migration-port-min", config.migrationPortMin());
        int max = ConfigValues.port("migration-port-max", config.migrationPortMax());
        if (min > max) {
            throw new ConfigRejectedException("migration-port-min", "greater than migration-port-max");
        }
        v.put("migration_port_min", ConfValue.of(min));
        v.put("migration_port_max", ConfValue.of(max));
        return LibvirtConf.parse(current(paths.qemuConf())).render(QEMU_KEYS, v);
    }

    String saslConf(AgentState state) {
        return saslConf(state, tcpEnabled(state, clock.instant()));
    }

    private String saslConf(AgentState state, boolean tcp) {
        List<String> mechs = new ArrayList<>();
        if (tcp) {
            mechs.add("digest-md5"); // plain TCP needs a SASL security layer (SSF >= 56): no scram there
        }
        if (saslOnTls(state) || mechs.isEmpty()) {
            mechs.add("scram-sha-256"); // over TLS; never an empty mech_list (Cyrus would offer every plugin)
        }
        mechs.forEach(m -> ConfigValues.mechanism("mech_list", m));
        Map<String, String> v = new LinkedHashMap<>();
        v.put("mech_list", String.join(" ", mechs));
        v.put("sasldb_path", ConfigValues.path("sasldb_path", paths.sasldb()));
        return SaslConf.parse(current(paths.saslConf())).render(v);
    }

    private String current(String logical) {
        return SecureFiles.read(paths.onHost(logical)).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
