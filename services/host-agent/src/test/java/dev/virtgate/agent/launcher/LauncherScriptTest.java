package dev.virtgate.agent.launcher;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's launcher ({@code src/main/sh/virtgate-agent}) decides the JVM's command line: the
 * recommended flags and the class-data-sharing archive only when it is newer than the application.
 * A stand-in {@code java} records the arguments it was exec'ed with.
 */
class LauncherScriptTest {
    static final Path LAUNCHER = Path.of("src/main/sh/virtgate-agent").toAbsolutePath();

    @TempDir
    Path dir;
    Path app;
    Path jar;
    Path archive;
    Path fakeJava;
    Path recorded;

    @BeforeEach
    void layout() throws IOException {
        app = Files.createDirectories(dir.resolve("quarkus-app"));
        jar = Files.writeString(app.resolve("quarkus-run.jar"), "not really a jar");
        archive = app.resolve("host-agent.jsa");
        recorded = dir.resolve("args");
        fakeJava = dir.resolve("java");
        Files.writeString(fakeJava, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > '" + recorded + "'\n"
                + "echo \"pid=$$\" >> '" + recorded + "'\n");
        fakeJava.toFile().setExecutable(true);
    }

    @Test
    void withoutAnArchiveTheAgentStartsWithTheRecommendedFlagsAndNoCdsFlag() throws Exception {
        List<String> args = launch(Map.of(), "-Dquarkus.http.port=9999");
        assertThat(args).contains("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");
        assertThat(args).noneMatch(a -> a.contains("SharedArchiveFile") || a.contains("ArchiveClassesAtExit"));
        assertThat(args.subList(args.size() - 3, args.size()))
                .containsExactly("-Dquarkus.http.port=9999", "-jar", jar.toString());
    }

    @Test
    void anArchiveNewerThanTheApplicationIsUsed() throws Exception {
        Files.writeString(archive, "archive");
        age(jar, 60);
        List<String> args = launch(Map.of());
        assertThat(args).contains("-XX:SharedArchiveFile=" + archive);
    }

    @Test
    void anArchiveOlderThanTheApplicationIsNotUsed() throws Exception {
        Files.writeString(archive, "archive");
        age(archive, 60);
        assertThat(launch(Map.of())).noneMatch(a -> a.contains("SharedArchiveFile"));
    }

    @Test
    void anArchiveWithTheApplicationsTimeStampIsUsed() throws Exception {
        // dpkg gives every file of the package the time stamp jdeb gave it: the same second
        Files.writeString(archive, "archive");
        FileTime packaged = FileTime.from(Instant.now().minusSeconds(3600));
        Files.setLastModifiedTime(jar, packaged);
        Files.setLastModifiedTime(archive, packaged);
        assertThat(launch(Map.of())).contains("-XX:SharedArchiveFile=" + archive);
    }

    @Test
    void installedAsTheDebInstallsItTheLauncherFindsTheApplication() throws Exception {
        // /usr/bin/virtgate-agent and /usr/lib/virtgate-agent/quarkus-run.jar
        Path usr = Files.createDirectories(dir.resolve("usr"));
        Path bin = Files.createDirectories(usr.resolve("bin"));
        Files.createDirectories(usr.resolve("lib"));
        Files.move(app, usr.resolve("lib/virtgate-agent"));
        Files.copy(LAUNCHER, bin.resolve("virtgate-agent"));
        ProcessBuilder pb = new ProcessBuilder("bash", bin.resolve("virtgate-agent").toString());
        pb.environment().remove("VIRTGATE_AGENT_APP_DIR");
        pb.environment().put("JAVA", fakeJava.toString());
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(Files.readAllLines(recorded)).contains(usr.resolve("lib/virtgate-agent/quarkus-run.jar").toString());
    }

    @Test
    void enrollRunsTheEnrollMainOnTheApplicationsClassPathWithoutQuarkus() throws Exception {
        List<String> args = launch(Map.of(), "enroll", "--help");
        assertThat(args).contains("-cp", app + "/app/*:" + app + "/lib/main/*", "dev.virtgate.agent.enroll.EnrollCommand")
                .doesNotContain("-jar");
        assertThat(args.subList(args.size() - 2, args.size())).containsExactly("dev.virtgate.agent.enroll.EnrollCommand", "--help");
    }

    @Test
    void anEmptyArchiveSettingTurnsCdsOff() throws Exception {
        Files.writeString(archive, "archive");
        age(jar, 60);
        assertThat(launch(Map.of("VIRTGATE_AGENT_CDS_ARCHIVE", ""))).noneMatch(a -> a.contains("SharedArchiveFile"));
    }

    /** C1 alone runs JSSE's AES-GCM at a fourteenth of C2's speed: the proxy would crawl. */
    @Test
    void aHostWithTheMigrationProxyGetsTheFullJit() throws Exception {
        List<String> args = launch(Map.of("VIRTGATE_AGENT_MIGRATION_PROXY_ENABLED", "true"));
        assertThat(args).contains("-Xmx64m", "-XX:+UseSerialGC", "-XX:ReservedCodeCacheSize=64m", "-XX:CICompilerCount=2")
                .doesNotContain("-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=32m");
        assertThat(launch(Map.of("VIRTGATE_AGENT_MIGRATION_PROXY_ENABLED", "false"))).contains("-XX:TieredStopAtLevel=1");
    }

    @Test
    void javaOptsReplaceTheRecommendedFlags() throws Exception {
        List<String> args = launch(Map.of("JAVA_OPTS", "-Xmx256m -XX:+UseG1GC"));
        assertThat(args).contains("-Xmx256m", "-XX:+UseG1GC").doesNotContain("-Xmx64m", "-XX:+UseSerialGC");
    }

    @Test
    void theLauncherExecsTheJvmSoItsPidIsTheAgents() throws Exception {
        ProcessBuilder pb = command(Map.of());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readAllLines(recorded)).contains("pid=" + p.pid());
    }

    @Test
    void noApplicationIsAClearError() throws Exception {
        Files.delete(jar);
        Process p = command(Map.of()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(out).contains("no quarkus-run.jar");
    }

    private List<String> launch(Map<String, String> env, String... extra) throws Exception {
        Process p = command(env, extra).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return Files.readAllLines(recorded).stream().filter(l -> !l.startsWith("pid=")).toList();
    }

    private ProcessBuilder command(Map<String, String> env, String... extra) {
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", LAUNCHER.toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = new HashMap<>(env);
        e.put("VIRTGATE_AGENT_APP_DIR", app.toString());
        e.put("JAVA", fakeJava.toString());
        pb.environment().remove("JAVA_OPTS");
        pb.environment().putAll(e);
        return pb;
    }

    private static void age(Path file, long seconds) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(seconds)));
    }
}
