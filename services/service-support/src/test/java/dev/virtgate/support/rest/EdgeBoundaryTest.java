package dev.virtgate.support.rest;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP stays at the REST edge: outside a {@code rest} (or {@code openapi}) package and the JAX-RS
 * resources, no service class builds a {@code Response} or a problem; they throw the domain
 * exceptions of {@code dev.virtgate.support.error}. Scans the sources of every service module.
 */
class EdgeBoundaryTest {
    private static final Pattern HTTP_TYPES = Pattern.compile(
            "\\bjakarta\\.ws\\.rs\\.core\\.Response\\b|\\bdev\\.virtgate\\.support\\.rest\\.Problem\\w*");
    private static final Pattern RESOURCE = Pattern.compile("^@Path\\(", Pattern.MULTILINE);

    @Test
    void onlyTheRestEdgeUsesResponsesAndProblems() {
        List<Path> sources = serviceSources();
        assertThat(sources).as("service sources found").hasSizeGreaterThan(100);
        List<String> offenders = sources.stream().filter(file -> !atTheEdge(file))
                .filter(file -> HTTP_TYPES.matcher(read(file)).find())
                .map(Path::toString).toList();
        assertThat(offenders).as("classes outside the REST edge that use HTTP types (throw a domain exception "
                + "from dev.virtgate.support.error instead)").isEmpty();
    }

    static boolean atTheEdge(Path file) {
        String path = file.toString().replace('\\', '/');
        return path.contains("/rest/") || path.contains("/openapi/") || RESOURCE.matcher(read(file)).find();
    }

    private static List<Path> serviceSources() {
        Path services = Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
        try (Stream<Path> modules = Files.list(services)) {
            return modules.map(module -> module.resolve("src/main/java")).filter(Files::isDirectory)
                    .flatMap(EdgeBoundaryTest::javaFiles).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<Path> javaFiles(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
