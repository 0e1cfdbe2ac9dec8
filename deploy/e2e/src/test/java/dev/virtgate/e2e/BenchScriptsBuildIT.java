package dev.virtgate.e2e;

import dev.virtgate.testsupport.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The build step of every benchmark script the README names, as on a fresh clone: run from a copy
 * of the sources (no {@code target/}) against a local Maven repository that holds every third-party
 * artifact this machine has but none of virtgate's own. A script that builds its module without the
 * modules it needs fails here with "Could not find artifact dev.virtgate:...".
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BenchScriptsBuildIT {
    private static final Set<String> NOT_COPIED = Set.of("target", ".virtgate", ".git", "node_modules");
    private static Path clone;
    private static Path repository;

    @BeforeAll
    static void freshCloneAndRepository() throws IOException {
        Path work = Path.of("target", "bench-build").toAbsolutePath();
        deleteTree(work);
        clone = Files.createDirectories(work.resolve("clone"));
        copySources(Workspace.repositoryRoot(), clone);
        repository = withoutVirtgate(Path.of(System.getProperty("virtgate.maven.repo",
                System.getProperty("user.home") + "/.m2/repository")), work.resolve("m2"));
    }

    @Test
    @Order(1)
    void contracts() throws Exception {
        buildStepOf("contracts/bench.sh");
    }

    @Test
    @Order(2)
    void pkiService() throws Exception {
        buildStepOf("services/pki-service/bench.sh");
    }

    @Test
    @Order(3)
    void credentialService() throws Exception {
        buildStepOf("services/credential-service/bench.sh");
    }

    @Test
    @Order(4)
    void migrationService() throws Exception {
        buildStepOf("services/migration-service/bench.sh");
    }

    private static void buildStepOf(String script) throws IOException, InterruptedException {
        Path log = clone.resolveSibling(script.replace('/', '_') + ".log");
        ProcessBuilder build = new ProcessBuilder("bash", script).directory(clone.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        build.environment().put("BENCH_BUILD_ONLY", "1");
        build.environment().put("MAVEN_OPTS", "-Dmaven.repo.local=" + repository);
        Process process = build.start();
        boolean ended = process.waitFor(10, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(ended, script + " did not finish its build step in 10 min:\n" + output);
        assertEquals(0, process.exitValue(), script + " failed its build step:\n" + tail(output));
        assertTrue(output.contains("bench build of"), output);
        Path module = clone.resolve(script).getParent();
        assertTrue(Files.size(module.resolve("target/bench.classpath")) > 0, "no bench classpath for " + script);
    }

    /** A local repository of symbolic links to every group of {@code real} except {@code dev/virtgate}. */
    private static Path withoutVirtgate(Path real, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> groups = Files.list(real)) {
            for (Path group : groups.toList()) {
                if (group.getFileName().toString().equals("dev")) {
                    Path dev = Files.createDirectories(target.resolve("dev"));
                    try (Stream<Path> children = Files.list(group)) {
                        for (Path child : children.filter(c -> !c.getFileName().toString().equals("virtgate")).toList()) {
                            Files.createSymbolicLink(dev.resolve(child.getFileName()), child);
                        }
                    }
                } else {
                    Files.createSymbolicLink(target.resolve(group.getFileName()), group);
                }
            }
        }
        assertTrue(Files.notExists(target.resolve("dev/virtgate")));
        return target;
    }

    private static void copySources(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(from) && NOT_COPIED.contains(dir.getFileName().toString())) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.notExists(dir)) {
            return;
        }
        // symbolic links into the real repository are removed as links, never followed
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String tail(String output) {
        return output.length() <= 6000 ? output : output.substring(output.length() - 6000);
    }
}
