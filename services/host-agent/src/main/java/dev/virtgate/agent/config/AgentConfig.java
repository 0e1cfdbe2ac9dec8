package dev.virtgate.agent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the agent needs to know about its host. Every file it writes lives under
 * {@link Paths#root()} + a logical path; the logical path (what libvirtd sees) is what goes into
 * the configuration files, so the agent can run outside the mount namespace of its libvirtd.
 */
@ConfigMapping(prefix = "virtgate.agent")
public interface AgentConfig {

    String hostId();

    String clusterId();

    String fqdn();

    /** Address libvirtd listens on (listen_addr) and the IP SAN of the certificate. */
    String managementAddress();

    /** Address QEMU listens on for incoming migrations; defaults to the management address. */
    Optional<String> migrationAddress();

    /** Further DNS names for the certificate. */
    Optional<List<String>> extraNames();

    @WithDefault("qemu:///system")
    String libvirtUri();

    @WithDefault("libvirtd:///system")
    String adminUri();

    @WithDefault("16509")
    int tcpPort();

    @WithDefault("16514")
    int tlsPort();

    /** SASL realm libvirtd uses: its canonical host name (measured: the FQDN). Defaults to the lower-cased fqdn. */
    Optional<String> saslRealm();

    /** Single-use enrollment token; when set and the host is not enrolled yet, the agent enrolls at start. */
    Optional<String> enrollmentToken();

    /**
     * The SHA-256 fingerprint of virtgate's CA certificate ({@code sha256:<64 hex>}), from the same
     * enrollment bundle as the token; required to enroll. The agent trusts that CA and the CAs it
     * signs, and nothing an event merely carries (kept in the state once enrolled).
     */
    Optional<String> caFingerprint();

    /** How far in the future an event's time or a certificate's notBefore may be before it is refused. */
    @WithDefault("5m")
    Duration clockSkew();

    /** Cluster requires TLS for migration data (qemu.conf migrate_tls_force = 1). */
    @WithDefault("true")
    boolean requireTls();

    /** Policy: rewrite files that someone changed by hand. */
    @WithDefault("false")
    boolean repairDrift();

    @WithDefault("60s")
    Duration probeInterval();

    @WithDefault("49152")
    int migrationPortMin();

    @WithDefault("49215")
    int migrationPortMax();

    Paths paths();

    Libvirtd libvirtd();

    MigrationProxy migrationProxy();

    /**
     * TLS_AGENT_PROXY: the agent terminates TLS for migration streams (host certificates both ways);
     * QEMU's stream is in clear only on this host's loopback.
     */
    interface MigrationProxy {
        /**
         * Offer the mode at all (the listener runs only once the host has a certificate). Off by default:
         * while its cluster is opted in the host runs libvirt without migrate_tls_force, and the JVM
         * needs its full JIT for the encryption (the launcher gives it that when this is true).
         */
        @WithDefault("false")
        boolean enabled();

        /** TCP port of the listener that peers' agents dial (0: any free port, for tests). */
        @WithDefault("16516")
        int port();

        /** Address of that listener; default: all addresses. */
        Optional<String> listenAddress();

        /** Where QEMU's clear stream lives on this host: the relay's and QEMU's incoming sockets. */
        @WithDefault("127.0.0.1")
        String loopbackAddress();

        /** Ports (first-last) for those loopback sockets; not libvirt's own 49152-49215. */
        @WithDefault("49300-49363")
        String loopbackPorts();

        /** Incoming streams carried at once; more are closed at once. */
        @WithDefault("4")
        int maxStreams();
    }

    /** The cloud whose own migration settings the agent also manages; none by default. */
    @WithDefault("none")
    Integration integration();

    Nova nova();

    enum Integration {
        NONE, NOVA;
    }

    /** OpenStack Nova: a drop-in for nova-compute's [libvirt] section (virtgate.agent.integration=nova). */
    interface Nova {
        /** The drop-in nova-compute reads (a logical path, under {@link Paths#root()}). */
        @WithDefault("/etc/nova/nova.conf.d/virtgate.conf")
        String dropIn();

        /**
         * Written when the drop-in changed, for deployment tooling that restarts nova-compute on a
         * file (a systemd path unit, Kolla or OpenStack-Ansible handlers); nova-compute reads its
         * configuration only at start.
         */
        @WithDefault("/var/lib/virtgate-agent/nova-restart-required")
        String restartMarker();

        /** Group that may read the drop-in (nova-compute's); default: nova, else root. */
        Optional<String> group();
    }

    OpenBao openbao();

    Bus bus();

    /**
     * The bus once the host has a certificate: the broker's mTLS listener for hosts, where the agent
     * logs in with its host certificate. Before that it logs in as the enrollment principal on
     * {@code kafka.bootstrap.servers} with {@code virtgate.bus.password}.
     */
    interface Bus {
        /** The broker's HOSTS listener, host:port[,host:port...] (VIRTGATE_AGENT_BUS_TLS_BOOTSTRAP_SERVERS). */
        String tlsBootstrapServers();

        /** PEM of the CA that signed the broker's HOSTS listener certificate (VIRTGATE_AGENT_BUS_CA_FILE). */
        String caFile();
    }

    interface Paths {
        /** Prefix under which the agent reads and writes every file below ("/" in production). */
        @WithDefault("/")
        String root();

        @WithDefault("/etc/libvirt")
        String libvirtDir();

        @WithDefault("/etc/pki")
        String pkiDir();

        @WithDefault("/etc/pki/qemu")
        String qemuTlsDir();

        @WithDefault("/etc/sasl2")
        String saslDir();

        /** Host key, applied-state digests, previous file versions. */
        @WithDefault("/var/lib/virtgate-agent")
        String stateDir();

        /** Where the Cyrus SASL plugins are installed (read-only discovery). */
        @WithDefault("/usr/lib/x86_64-linux-gnu/sasl2")
        String saslPluginDir();
    }

    interface Libvirtd {
        /** Command that restarts libvirtd (no systemd here); unset = the agent cannot restart. */
        Optional<List<String>> restartCommand();

        @WithDefault("30s")
        Duration healthTimeout();

        @WithDefault("virt-admin")
        String virtAdmin();

        @WithDefault("saslpasswd2")
        String saslpasswd2();

        /** Group owning QEMU's TLS files; default: qemu, else libvirt-qemu, else root. */
        Optional<String> qemuGroup();

        /** Longest wait for running migrations before a restart. */
        @WithDefault("30m")
        Duration migrationDrainTimeout();
    }

    interface OpenBao {
        @WithDefault("${quarkus.vault.url:http://127.0.0.1:8200}")
        String url();

        @WithDefault("secret")
        String kvMount();

        @WithDefault("virtgate-migration-commands")
        String migrationSigningKey();

        @WithDefault("transit")
        String transitMount();

        /**
         * How often an idle agent checks whether its OpenBao token is due for renewal (half its
         * lease): the host role's tokens are periodic, and one not renewed within its period lapses.
         */
        @WithDefault("1m")
        Duration renewCheck();
    }
}
