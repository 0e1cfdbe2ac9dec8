package dev.virtgate.agent.launcher;

import dev.virtgate.testsupport.Net;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After packaging, the application carries a class-data-sharing archive trained by the launcher,
 * and the packaged agent starts through the launcher with it: thousands of its classes are loaded
 * from that archive rather than parsed and verified again.
 */
class LauncherCdsIT {
    static final Path APP = Path.of("target/quarkus-app").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void packagingTrainsAnArchiveThatMapsCleanly() throws Exception {
        Path archive = APP.resolve("host-agent.jsa");
        assertThat(archive).exists();
        assertThat(Files.getLastModifiedTime(archive)).isGreaterThan(Files.getLastModifiedTime(APP.resolve("quarkus-run.jar")));
        Process check = new ProcessBuilder(java(), "-XX:SharedArchiveFile=" + archive, "-Xshare:on",
                "-XX:+VerifySharedSpaces", "-cp", APP.resolve("quarkus-run.jar").toString(), "-version")
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes());
        assertThat(check.waitFor()).as(out).isZero();
    }

    @Test
    void theAgentStartsThroughTheLauncherWithTheArchive() throws Exception {
        Path log = dir.resolve("agent.log");
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", Path.of("src/main/sh/virtgate-agent").toAbsolutePath().toString(),
                "-Xshare:on", "-Xlog:class+load=info:file=" + dir.resolve("classes.log"), "-Dquarkus.http.port=" + Net.freePort(), "-Dkafka.bootstrap.servers=127.0.0.1:9", "-Dvirtgate.bus.password=no-broker-here",
                "-Dvirtgate.agent.libvirt-uri=test:///default", "-Dvirtgate.agent.paths.root=" + dir.resolve("root"),
                "-Dvirtgate.agent.bus.tls-bootstrap-servers=127.0.0.1:9",
                "-Dvirtgate.agent.bus.ca-file=" + dev.virtgate.agent.it.TestAgents.busCaFile(dir),
                "-Dquarkus.log.category.org.apache.kafka.level=OFF"))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("VIRTGATE_AGENT_APP_DIR", APP.toString());
        pb.environment().put("JAVA", java());
        pb.environment().remove("JAVA_OPTS");
        Process agent = pb.start();
        try {
            Awaitility.await("agent started (log " + log + ")").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200)).until(() -> {
                        assertThat(agent.isAlive()).as(() -> read(log)).isTrue();
                        return read(log).contains("started in");
                    });
            // classes came from the trained archive (the "top" layer), not only from the JDK's base archive
            long fromArchive = Files.readAllLines(dir.resolve("classes.log")).stream()
                    .filter(l -> l.endsWith("source: shared objects file (top)")).count();
            assertThat(fromArchive).isGreaterThan(1000);
        } finally {
            agent.destroy();
            if (!agent.waitFor(20, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
