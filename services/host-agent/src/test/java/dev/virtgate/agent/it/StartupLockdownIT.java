package dev.virtgate.agent.it;

import dev.virtgate.testsupport.Net;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
 * The packaged agent, started through its launcher on a host whose libvirtd lets anyone in over TCP
 * (listen_tcp = 1, auth_tcp = "none", the {@link PrivateLibvirtd} baseline), closes that port before
 * anything else: with an enrollment token nobody issued, no pki-service, no broker and no OpenBao,
 * an unauthenticated {@code virsh -c qemu+tcp://…/system} that worked before fails within one
 * probe interval, and the operator's other lines of libvirtd.conf are still there.
 */
class StartupLockdownIT {
    static final Path APP = Path.of("target/quarkus-app").toAbsolutePath();
    static final String HOST = "vgsl-h1";
    static final String INVALID_TOKEN = "tok_never-issued-by-anyone-" + "Z".repeat(20);
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(30);
    static final String CLOSED = "start-up lock-down: closed unauthenticated TCP";
    static PrivateLibvirtd libvirtd;

    @BeforeAll
    static void insecureHost() throws Exception {
        Assumptions.assumeTrue(PrivateLibvirtd.available(), "needs root, unshare and libvirtd");
        Assumptions.assumeTrue(Files.exists(APP.resolve("quarkus-run.jar")), "needs the packaged agent");
        libvirtd = new PrivateLibvirtd(Files.createTempDirectory(Path.of("target"), "it-host-"), HOST).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (libvirtd != null) {
            libvirtd.close();
        }
    }

    @Test
    void anAgentWithAnInvalidTokenClosesUnauthenticatedTcpBeforeAnythingElse() throws Exception {
        Path conf = libvirtd.root().resolve("etc/libvirt/libvirtd.conf");
        List<String> operatorLines = Files.readAllLines(conf);
        assertThat(operatorLines).contains("listen_tcp = 1", "auth_tcp = \"none\"");
        assertThat(unauthenticatedVirsh()).as("before the agent: anyone gets in over TCP").isTrue();
        String pidBefore = libvirtd.ctl("pid");

        Path log = libvirtd.root().resolve("agent.log");
        Process agent = startAgent(log);
        try {
            await("unauthenticated qemu+tcp refused (agent log " + log + ")").atMost(PROBE_INTERVAL)
                    .pollInterval(Duration.ofMillis(250)).until(() -> {
                        assertThat(agent.isAlive()).as(() -> read(log)).isTrue();
                        return !unauthenticatedVirsh();
                    });
            await().atMost(Duration.ofSeconds(30)).until(() -> read(log).contains(CLOSED));

            // only listen_tcp changed: every other line the operator wrote is still there
            String after = Files.readString(conf);
            assertThat(after).contains("listen_tcp = 0").doesNotContain("listen_tcp = 1");
            operatorLines.stream().filter(l -> !l.equals("listen_tcp = 1"))
                    .forEach(l -> assertThat(after).contains(l + "\n"));
            assertThat(libvirtd.ctl("pid")).as("libvirtd restarted with the closed port").isNotEqualTo(pidBefore);

            List<String> lines = read(log).lines().toList();
            assertThat(lines.stream().filter(l -> l.contains("start-up lock-down")))
                    .singleElement().asString().contains("libvirtd restarted", "/etc/libvirt/libvirtd.conf");
            int lockdown = indexOf(lines, CLOSED);
            assertThat(indexOf(lines, "agent-in")).as("the Kafka consumer starts after the lock-down")
                    .isGreaterThan(lockdown);
            // enrollment then proceeds as before the lock-down existed (its proof goes to a broker that is down)
            await().atMost(Duration.ofSeconds(60)).until(() -> read(log).contains("enrolled host " + HOST));
            assertThat(indexOf(read(log).lines().toList(), "enrolled host " + HOST)).isGreaterThan(lockdown);
            assertThat(read(log)).doesNotContain(INVALID_TOKEN);
        } finally {
            agent.destroy();
            if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
    }

    /** The packaged agent through its launcher; pki-service, the broker and OpenBao are all unreachable. */
    static Process startAgent(Path log) throws IOException {
        Map<String, String> settings = TestAgents.forHost(libvirtd, HOST, HOST + ".lab.virtgate.test");
        settings.put("enrollment-token", INVALID_TOKEN);
        settings.put("ca-fingerprint", new TestPki("virtgate-test").fingerprint());
        settings.put("probe-interval", PROBE_INTERVAL.toSeconds() + "s");
        List<String> cmd = new ArrayList<>(List.of("bash", Path.of("src/main/sh/virtgate-agent").toAbsolutePath().toString(),
                "-Dquarkus.http.port=" + Net.freePort(), "-Dkafka.bootstrap.servers=127.0.0.1:" + Net.freePort(), "-Dvirtgate.bus.password=no-broker-here",
                "-Dquarkus.vault.url=http://127.0.0.1:1", "-Dquarkus.log.category.\"org.apache.kafka\".level=OFF"));
        settings.forEach((k, v) -> cmd.add("-Dvirtgate.agent." + k + "=" + v));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(new File("/dev/null"));
        pb.environment().put("VIRTGATE_AGENT_APP_DIR", APP.toString());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().remove("JAVA_OPTS");
        return pb.start();
    }

    /** {@code virsh -c qemu+tcp://127.0.0.1:<port>/system version} with no credentials at all. */
    static boolean unauthenticatedVirsh() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("virsh", "-q", "-c", "qemu+tcp://127.0.0.1:" + libvirtd.tcpPort()
                + "/system", "version").redirectErrorStream(true).redirectInput(new File("/dev/null"));
        pb.environment().put("LIBVIRT_AUTH_FILE", TestHost.authFile("virsh-none", null, null).toString());
        Process virsh = pb.start();
        virsh.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!virsh.waitFor(20, TimeUnit.SECONDS)) {
            virsh.destroyForcibly();
            return false;
        }
        return virsh.exitValue() == 0;
    }

    static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }
}
