package dev.virtgate.e2e;

import dev.virtgate.testsupport.Workspace;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * shellcheck (installed by {@code ./virtgate install}) over every script of the repository: the
 * launcher, CI's entry point, {@code deploy/} and the services' scripts, with the repository's
 * {@code .shellcheckrc}. Any finding, of any severity, fails the build with shellcheck's own words.
 */
class ShellScriptsTest {
    private static final Set<String> SKIPPED_DIRS = Set.of("target", ".virtgate", ".git", "node_modules");

    @Test
    void everyScriptPassesShellcheck() throws IOException, InterruptedException {
        Path root = Workspace.repositoryRoot();
        List<String> scripts = scripts(root);
        assertTrue(scripts.contains("virtgate") && scripts.contains(".ci/run")
                && scripts.contains("deploy/local/commands.sh"), "scripts found: " + scripts);

        List<String> command = new ArrayList<>(List.of("shellcheck", "--format=gcc"));
        command.addAll(scripts);
        Process shellcheck = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
        String findings = new String(shellcheck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(shellcheck.waitFor(5, TimeUnit.MINUTES), "shellcheck did not finish");
        assertEquals(0, shellcheck.exitValue(), "shellcheck over " + scripts.size() + " scripts:\n" + findings);
    }

    private static List<String> scripts(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return SKIPPED_DIRS.contains(dir.getFileName().toString()) ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String relative = root.relativize(file).toString();
                if (relative.endsWith(".sh") || relative.equals("virtgate") || relative.equals(".ci/run")) {
                    found.add(relative);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        found.sort(null);
        return found;
    }
}
