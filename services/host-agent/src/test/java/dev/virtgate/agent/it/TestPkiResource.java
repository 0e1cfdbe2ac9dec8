package dev.virtgate.agent.it;

import dev.virtgate.testsupport.KafkaServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.eclipse.microprofile.config.ConfigProvider;

import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * virtgate's CA for a {@code @QuarkusTest}: made before the agent starts, so the agent's pinned
 * fingerprint ({@code virtgate.agent.ca-fingerprint}, as the enrollment bundle gives it) names it.
 * The CA travels to the test through a directory under target/ (the test runs in another class
 * loader); {@link #pki()} reads it back. The broker's mTLS listener trusts it, as pki-service makes it
 * trust virtgate's CA bundle.
 */
public class TestPkiResource implements QuarkusTestResourceLifecycleManager {
    static final String DIR = "virtgate.test.pki-dir";

    @Override
    public Map<String, String> start() {
        TestPki pki = new TestPki("virtgate-qt");
        Path dir = Path.of("target", "test-pki", UUID.randomUUID().toString()).toAbsolutePath();
        pki.save(dir);
        // as pki-service does: the broker's mTLS listener for hosts accepts certificates of this CA
        KafkaServer.shared().trustHostCa(pki.caPem());
        return Map.of("virtgate.agent.ca-fingerprint", pki.fingerprint(), DIR, dir.toString());
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
