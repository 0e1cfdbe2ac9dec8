package dev.virtgate.agent.it;

import dev.virtgate.agent.libvirt.LibvirtClient;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.agent.trust.SignedEvent;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.testsupport.trust.TestProducer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One test hypervisor: a real private libvirtd ({@link PrivateLibvirtd}) and the agent that locks it
 * down, pinned to {@code pki}'s CA. Events reach the agent only through its verifying entry point
 * ({@link AgentService#receive}), signed as their producer signs them; what the agent publishes is
 * kept, signed, in {@link #published}. Passwords come from a map standing in for OpenBao.
 */
final class TestHost implements AutoCloseable {
    final String hostId;
    final String fqdn;
    final TestPki pki;
    final PrivateLibvirtd libvirtd;
    final Map<String, String> settings;
    final List<SignedEvent> published = new CopyOnWriteArrayList<>();
    final Map<String, String> passwords = new ConcurrentHashMap<>();
    private final AtomicLong policyRevision = new AtomicLong();
    AgentService agent;

    private TestHost(String hostId, String fqdn, TestPki pki, PrivateLibvirtd libvirtd) {
        this.hostId = hostId;
        this.fqdn = fqdn;
        this.pki = pki;
        this.libvirtd = libvirtd;
        this.settings = TestAgents.forHost(libvirtd, hostId, fqdn);
        settings.put("ca-fingerprint", pki.fingerprint());
    }

    static TestHost start(String hostId, String fqdn, TestPki pki) throws Exception {
        Path root = Files.createTempDirectory(Path.of("target"), "it-host-");
        TestHost host = new TestHost(hostId, fqdn, pki, new PrivateLibvirtd(root, hostId).start());
        host.agent = host.newAgent(host.settings);
        return host;
    }

    AgentService newAgent(Map<String, String> values) {
        var config = TestAgents.config(values);
        return new AgentService(config, published::add, (path, v) -> {
            String p = passwords.get(path + "#" + v);
            if (p == null) {
                throw new IllegalStateException("no password for version " + v);
            }
            return p;
        }, (payload, sig) -> false, (grant, key) -> { }, new LibvirtdControl(config));
    }

    /** Hands a signed event to the agent as the consumer does. */
    Optional<Event> receive(TestProducer.Signed event) {
        return agent.receive(event.headers(), event.payload());
    }

    /** The posture report the agent answered {@code event} with. */
    HostConfigured configured(TestProducer.Signed event) {
        return (HostConfigured) receive(event).orElseThrow(() -> new AssertionError("no report for " + event));
    }

    /** The cluster's next policy revision, signed as migration-service signs it; the agent's answer. */
    Optional<Event> policy(PolicyMode mode, Instant windowExpiresAt, boolean saslOnTls) {
        return receive(pki.migrationService().sign(new ClusterPolicyChanged("lab", mode, windowExpiresAt, saslOnTls,
                policyRevision.incrementAndGet(), Instant.now())));
    }

    Path file(String rel) {
        return libvirtd.root().resolve(rel);
    }

    byte[] bytes(String rel) {
        try {
            return Files.readAllBytes(file(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String mode(String rel) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file(rel)));
    }

    /**
     * Whether libvirtd accepts a TLS client with this CA bundle, certificate and key, and the SASL
     * credential the agent itself presents to peers (none before it has one): with auth_tls = "sasl"
     * a certificate alone is not enough, and a refusal here is the certificate's.
     */
    boolean tlsAccepts(String name, String caPem, String certPem, String keyPem) throws IOException {
        return tlsAccepts(name, caPem, certPem, keyPem, clusterCredential("tls-" + name));
    }

    /** As above, with the SASL credential in {@code authFile}. */
    boolean tlsAccepts(String name, String caPem, String certPem, String keyPem, Path authFile) throws IOException {
        return LibvirtClient.attempt(LibvirtClient.withAuthFile(tlsUri(pkiDir(name, caPem, certPem, keyPem)), authFile),
                LibvirtClient.fromAuthFileOnly()).connected();
    }

    String tlsUri(Path pkiDir) {
        return "qemu+tls://127.0.0.1:" + libvirtd.tlsPort() + "/system?pkipath=" + pkiDir;
    }

    /** An auth file with the SASL credential the agent presents to peers; without one, no credential. */
    Path clusterCredential(String name) {
        AgentState.Credential c = agent.state().credential;
        return c == null ? authFile(name, null, null)
                : authFile(name, c.clientUsername(), passwords.get(c.kvPath() + "#" + c.clientKvVersion()));
    }

    Path pkiDir(String name, String ca, String cert, String key) throws IOException {
        Path dir = libvirtd.root().resolve("client-" + name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cacert.pem"), ca, StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("clientcert.pem"), cert, StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("clientkey.pem"), key, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(dir.resolve("clientkey.pem"), PosixFilePermissions.fromString("rw-------"));
        return dir;
    }

    /**
     * Client credentials come from a libvirt auth file, never from a JNA callback: libvirt-java
     * hands libvirt Java-owned strings as callback results and libvirt later frees them (a crash).
     */
    static Path authFile(String name, String username, String password) {
        try {
            Path dir = Path.of("target", "it-auth").toAbsolutePath();
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".conf");
            Files.writeString(file, username == null ? "# no credentials\n"
                    : dev.virtgate.agent.conf.AuthConf.render("", username, password));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether libvirtd lets this user in over SASL on its TCP port. */
    boolean saslAccepts(String name, String username, String password) {
        String tcp = "qemu+tcp://127.0.0.1:" + libvirtd.tcpPort() + "/system";
        return LibvirtClient.attempt(LibvirtClient.withAuthFile(tcp, authFile(name, username, password)),
                LibvirtClient.fromAuthFileOnly()).connected();
    }

    static PostureCheck check(HostConfigured r, String name) {
        return r.posture().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + r.posture()));
    }

    @Override
    public void close() throws Exception {
        libvirtd.close();
    }
}
