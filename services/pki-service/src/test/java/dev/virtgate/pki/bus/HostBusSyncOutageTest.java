package dev.virtgate.pki.bus;

import dev.virtgate.bus.HostBusAccess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker away: the sync gives up after its request timeout, throws nothing, and says so once. */
class HostBusSyncOutageTest {

    @Test
    void aBrokerThatDoesNotAnswerNeitherThrowsNorBlocks() {
        HostBusSync sync = new HostBusSync();
        sync.config = config(Duration.ofMillis(1500));
        BusAdmin admin = new BusAdmin();
        admin.bootstrapServers = "127.0.0.1:1"; // nothing listens there
        admin.password = "0123456789abcdef0123";
        admin.config = sync.config;
        sync.admin = admin;
        sync.state = new HostAccessState() {
            @Override
            public Optional<String> trustedCas() {
                return Optional.of("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
            }

            @Override
            public List<HostBusAccess.Host> allowed() {
                return List.of(new HostBusAccess.Host("h1.lab.example", "lab", "h1"));
            }
        };
        try {
            assertFalse(sync.failing());
            assertTimeoutPreemptively(Duration.ofSeconds(20), sync::reconcile);
            assertTrue(sync.failing(), "the outage is noticed (one warning), retried by the next round");
            assertTimeoutPreemptively(Duration.ofSeconds(20), sync::reconcile);
        } finally {
            admin.close();
        }
    }

    private static BusConfig config(Duration timeout) {
        return new BusConfig() {
            @Override
            public boolean manageHostAccess() {
                return true;
            }

            @Override
            public String reconcileInterval() {
                return "60s";
            }

            @Override
            public Duration requestTimeout() {
                return timeout;
            }
        };
    }
}
