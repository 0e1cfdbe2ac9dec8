package dev.virtgate.agent.deb;

import dev.virtgate.agent.enroll.CaServer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.agent.it.PrivateLibvirtd;
import dev.virtgate.agent.it.TestAgents;
import dev.virtgate.testsupport.DebSandbox;
import dev.virtgate.testsupport.DebSandbox.Result;
import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.Workspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The built {@code target/virtgate-agent.deb}, installed, enrolled, upgraded, removed and purged
 * with the real dpkg and its maintainer scripts, in a {@link DebSandbox}: nothing of it reaches
 * this machine's /usr, /etc or /var. The steps build on each other, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebPackageIT {
    static final Path DEB = Path.of("target/virtgate-agent.deb").toAbsolutePath();
    static final String ENV = "/etc/virtgate/agent.env";
    static final String STATE_KEY = "/var/lib/virtgate-agent/host-key.pem";
    static final String APPLIED = "/etc/libvirt/libvirtd.conf";
    static final String ARCHIVE = "/var/cache/virtgate-agent/host-agent.jsa";
    static final String TOKEN = "vgt_deb_enrollment_token_0123456789ABCDEF";
    static final List<String> INSTALLED = List.of("/usr/bin/virtgate-agent", "/usr/lib/virtgate-agent", ENV,
            "/lib/systemd/system/virtgate-agent.service");
    /** What this machine has of the agent's paths before the test (an agent run from the sources leaves its state). */
    static final List<String> WATCHED = List.of("/usr/bin/virtgate-agent", "/usr/lib/virtgate-agent", "/etc/virtgate",
            "/lib/systemd/system/virtgate-agent.service", "/var/lib/virtgate-agent", "/etc/pki/qemu");
    static DebSandbox sandbox;
    static CaServer pki;
    static List<Boolean> before;

    @BeforeAll
    static void sandbox() throws Exception {
        Assumptions.assumeTrue(DebSandbox.available(), "needs root, unshare and dpkg");
        Assumptions.assumeTrue(Files.exists(DEB), "needs the package (mvn package)");
        Assumptions.assumeTrue(INSTALLED.stream().noneMatch(p -> Files.exists(Path.of(p))),
                "virtgate-agent is installed on this machine for real");
        before = existing();
        sandbox = new DebSandbox(Files.createTempDirectory(Path.of("target"), "deb-sandbox-"));
        pki = new CaServer();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (pki != null) {
            pki.close();
        }
        if (sandbox != null) {
            sandbox.close();
            assertThat(sandbox.dir()).doesNotExist();
            assertThat(existing()).as("what the sandbox installed never reached the machine: " + WATCHED)
                    .isEqualTo(before);
        }
    }

    @Test
    @Order(1)
    void installsItsFilesWithTheirOwnersAndModes() throws Exception {
        Result install = sandbox.run("dpkg", "-i", DEB.toString());
        assertThat(install.exit()).as(install.both()).isZero();

        assertThat(sandbox.stat(ENV)).isEqualTo("600 root:root");
        assertThat(sandbox.stat("/usr/bin/virtgate-agent")).isEqualTo("755 root:root");
        assertThat(sandbox.stat("/lib/systemd/system/virtgate-agent.service")).isEqualTo("644 root:root");
        assertThat(sandbox.stat("/usr/lib/virtgate-agent/quarkus-run.jar")).isEqualTo("644 root:root");
        assertThat(sandbox.stat("/var/lib/virtgate-agent")).as("state: host key, OpenBao token").isEqualTo("700 root:root");
        assertThat(sandbox.stat(ARCHIVE)).as("the CDS archive postinst trained").endsWith("root:root");
        assertThat(sandbox.stat("/usr/lib/virtgate-agent/host-agent.jsa")).as("the build's archive is not shipped").isEqualTo("missing");
        // every directory the unit's ReadWritePaths names exists, or the unit could not start
        for (String dir : List.of("/etc/libvirt", "/etc/pki/CA", "/etc/pki/libvirt", "/etc/pki/qemu", "/etc/sasl2")) {
            assertThat(sandbox.stat(dir)).as(dir).endsWith("root:root");
        }
        assertThat(sandbox.run("dpkg-query", "-W", "-f", "${Conffiles}", "virtgate-agent").out()).contains(ENV);
        assertThat(sandbox.stat("/etc/systemd/system/multi-user.target.wants/virtgate-agent.service"))
                .as("enabled").isNotEqualTo("missing");
    }

    @Test
    @Order(2)
    void systemdAcceptsTheInstalledUnit() throws Exception {
        Result verify = sandbox.run("systemd-analyze", "verify", "/lib/systemd/system/virtgate-agent.service");
        // verify exits 0 on an unknown key too, with a warning: no output at all is the pass
        assertThat(verify.exit()).as(verify.both()).isZero();
        assertThat(verify.both()).isEmpty();
        assertThat(sandbox.read("/lib/systemd/system/virtgate-agent.service")).contains(
                "ExecStart=/usr/bin/virtgate-agent", "EnvironmentFile=" + ENV, "ProtectSystem=strict",
                "NoNewPrivileges=yes", "Restart=on-failure",
                "ReadWritePaths=/etc/libvirt /etc/pki/CA /etc/pki/libvirt /etc/pki/qemu /etc/sasl2 /var/lib/virtgate-agent");
    }

    @Test
    @Order(3)
    void theInstalledEnrollRefusesAForeignCaAndWritesNothing() throws Exception {
        String template = sandbox.read(ENV);
        Result refused = enroll("sha256:" + "0".repeat(64));
        assertThat(refused.exit()).as(refused.both()).isEqualTo(1);
        assertThat(refused.err()).contains("refusing to enroll, nothing written").doesNotContain(TOKEN);
        assertThat(sandbox.read(ENV)).isEqualTo(template);
    }

    @Test
    @Order(4)
    void theInstalledEnrollWritesTheEnvironmentFileForTheUnit() throws Exception {
        Result enrolled = enroll(pki.fingerprint());
        assertThat(enrolled.exit()).as(enrolled.both()).isZero();
        assertThat(enrolled.both()).doesNotContain(TOKEN);
        assertThat(sandbox.stat(ENV)).isEqualTo("600 root:root");
        assertThat(sandbox.stat("/etc/virtgate/bus-ca.pem")).isEqualTo("644 root:root");
        assertThat(sandbox.read(ENV)).contains("VIRTGATE_AGENT_BUS_CA_FILE=\"/etc/virtgate/bus-ca.pem\"",
                "VIRTGATE_AGENT_HOST_ID=\"kvm-deb\"",
                "VIRTGATE_AGENT_ENROLLMENT_TOKEN=\"" + TOKEN + "\"", "VIRTGATE_AGENT_CA_FINGERPRINT=\"" + pki.fingerprint() + "\"");
    }

    @Test
    @Order(5)
    void theInstalledAgentStartsFromItsInstalledPathsLocksLibvirtdDownAndEnrolls() throws Exception {
        Assumptions.assumeTrue(PrivateLibvirtd.available(), "needs libvirtd");
        Path host = Files.createTempDirectory(Path.of("target"), "deb-host-");
        try (PrivateLibvirtd libvirtd = new PrivateLibvirtd(host, "vgdeb-h1")) {
            libvirtd.start();
            Path log = libvirtd.root().resolve("agent.log");
            Map<String, String> settings = TestAgents.forHost(libvirtd, "vgdeb-h1", "vgdeb-h1.lab.virtgate.test");
            settings.put("enrollment-token", TOKEN);
            settings.put("ca-fingerprint", pki.fingerprint());
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/virtgate-agent", "-Dquarkus.http.port=" + Net.freePort(),
                    "-Dkafka.bootstrap.servers=127.0.0.1:" + Net.freePort(), "-Dvirtgate.bus.password=no-broker-here",
                    "-Dquarkus.vault.url=http://127.0.0.1:1", "-Dquarkus.log.category.\"org.apache.kafka\".level=OFF"));
            settings.forEach((k, v) -> cmd.add("-Dvirtgate.agent." + k + "=" + v));
            ProcessBuilder pb = new ProcessBuilder(sandbox.command(cmd.toArray(String[]::new)))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).redirectInput(new File("/dev/null"));
            pb.environment().remove("VIRTGATE_AGENT_APP_DIR");
            pb.environment().put("VIRTGATE_AGENT_CDS_ARCHIVE", ARCHIVE); // as the unit sets it
            pb.environment().remove("JAVA_OPTS");
            Process agent = pb.start(); // unshare and the sandbox exec: this is the agent's JVM
            try {
                await("the installed agent's lock-down and enrollment (" + log + ")").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(250)).until(() -> {
                            assertThat(agent.isAlive()).as(() -> read(log)).isTrue();
                            return read(log).contains("enrolled host vgdeb-h1");
                        });
                assertThat(read(log)).contains("start-up lock-down: closed unauthenticated TCP").doesNotContain(TOKEN)
                        .as("the JVM maps the archive made on this host").doesNotContain("Unable to use shared archive");
                String cmdline = Files.readString(Path.of("/proc/" + agent.pid() + "/cmdline")).replace('\0', ' ');
                assertThat(cmdline).contains("-jar /usr/lib/virtgate-agent/quarkus-run.jar",
                        "-XX:SharedArchiveFile=" + ARCHIVE);
                assertThat(Files.readString(libvirtd.root().resolve("etc/libvirt/libvirtd.conf"))).contains("listen_tcp = 0");
            } finally {
                agent.destroy();
                if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                    agent.destroyForcibly();
                }
            }
        } finally {
            Workspace.deleteTree(host);
        }
    }

    @Test
    @Order(6)
    void anUpgradeKeepsTheEnrolledEnvironmentTheStateAndTheKeys() throws Exception {
        sandbox.write(STATE_KEY, "-----BEGIN PRIVATE KEY-----\nstands in for the host key\n-----END PRIVATE KEY-----\n");
        sandbox.write(APPLIED, "# as the agent last applied it\nlisten_tls = 1\n");
        String env = sandbox.read(ENV);
        Path upgrade = higherVersion("0.1.0+upgrade1");

        Result install = sandbox.run("dpkg", "-i", upgrade.toString());
        assertThat(install.exit()).as(install.both()).isZero();
        assertThat(sandbox.run("dpkg-query", "-W", "-f", "${Version}", "virtgate-agent").out()).isEqualTo("0.1.0+upgrade1");
        assertThat(sandbox.read(ENV)).isEqualTo(env);
        assertThat(sandbox.stat(ENV)).isEqualTo("600 root:root");
        assertThat(sandbox.read(STATE_KEY)).contains("stands in for the host key");
        assertThat(sandbox.run("sh", "-c", "ls /etc/virtgate").out().strip()).as("no .dpkg-new/.dpkg-old")
                .isEqualTo("agent.env\nbus-ca.pem");
    }

    @Test
    @Order(7)
    void removeTakesTheApplicationAndLeavesLibvirtAsTheAgentLastAppliedIt() throws Exception {
        Result remove = sandbox.run("dpkg", "-r", "virtgate-agent");
        assertThat(remove.exit()).as(remove.both()).isZero();

        for (String gone : List.of("/usr/bin/virtgate-agent", "/usr/lib/virtgate-agent", "/lib/systemd/system/virtgate-agent.service",
                "/var/cache/virtgate-agent")) {
            assertThat(sandbox.stat(gone)).as(gone).isEqualTo("missing");
        }
        assertThat(sandbox.read(APPLIED)).isEqualTo("# as the agent last applied it\nlisten_tls = 1\n");
        assertThat(sandbox.read(STATE_KEY)).contains("stands in for the host key");
        assertThat(sandbox.read(ENV)).as("a conffile stays until purge").contains("VIRTGATE_AGENT_HOST_ID=\"kvm-deb\"");
    }

    @Test
    @Order(8)
    void purgeTakesTheEnvironmentFileAndTheState() throws Exception {
        Result purge = sandbox.run("dpkg", "-P", "virtgate-agent");
        assertThat(purge.exit()).as(purge.both()).isZero();

        assertThat(sandbox.stat(ENV)).isEqualTo("missing");
        assertThat(sandbox.stat("/etc/virtgate")).isEqualTo("missing");
        assertThat(sandbox.stat("/var/lib/virtgate-agent")).isEqualTo("missing");
        assertThat(sandbox.read(APPLIED)).isEqualTo("# as the agent last applied it\nlisten_tls = 1\n");
        assertThat(sandbox.run("dpkg-query", "-W", "virtgate-agent").exit()).isNotZero();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static List<Boolean> existing() {
        return WATCHED.stream().map(p -> Files.exists(Path.of(p))).toList();
    }

    private static Result enroll(String caHash) throws Exception {
        Path busCa = Files.writeString(sandbox.dir().resolve("given-bus-ca.pem"), new TestCa("deb-bus-ca").pem());
        return sandbox.run("/usr/bin/virtgate-agent", "enroll", "--server", pki.url(), "--token", TOKEN,
                "--ca-hash", caHash, "--host-id", "kvm-deb", "--cluster", "prod", "--fqdn", "kvm-deb.example.org",
                "--management-address", "192.0.2.10", "--bus-tls", "192.0.2.1:9093", "--bus-ca-file", busCa.toString());
    }

    /** The same package with a higher version: a real upgrade, its maintainer scripts included. */
    private static Path higherVersion(String version) throws Exception {
        Path tree = sandbox.dir().resolve("upgrade-tree");
        Path deb = sandbox.dir().resolve("virtgate-agent_" + version + "_all.deb");
        run("dpkg-deb", "-R", DEB.toString(), tree.toString());
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + version));
        run("dpkg-deb", "-Zgzip", "-z1", "--root-owner-group", "-b", tree.toString(), deb.toString());
        return deb;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }
}
