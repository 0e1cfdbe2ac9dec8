package dev.virtgate.agent.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.eclipse.microprofile.config.ConfigProvider;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * virtgate's CA for a {@code @QuarkusTest}: made before the agent starts, so the agent's pinned
 * fingerprint ({@code virtgate.agent.ca-fingerprint}, as the enrollment bundle gives it) names it.
 * The CA travels to the test through a directory under target/ (the test runs in another class
 * loader); {@link #pki()} reads it back.
 */
public class TestPkiResource implements QuarkusTestResourceLifecycleManager {
    static final String DIR = "virtgate.test.pki-dir";

    @Override
    public Map<String, String> start() {
        TestPki pki = new TestPki("virtgate-qt");
        Path dir = Path.of("target", "test-pki", UUID.randomUUID().toString()).toAbsolutePath();
        pki.save(dir);
        return Map.of("virtgate.agent.ca-fingerprint", pki.fingerprint(), DIR, dir.toString(),
                "virtgate.agent.bus.ca-file", TestAgents.busCaFile(dir).toString(),
                "virtgate.agent.bus.tls-bootstrap-servers", "127.0.0.1:9");
    }

    @Override
    public void stop() {
        // the directory stays under target/ with the test's other output
    }

    /** The CA the running agent pinned. */
    public static TestPki pki() {
        return TestPki.load(Path.of(ConfigProvider.getConfig().getValue(DIR, String.class)));
    }
}
