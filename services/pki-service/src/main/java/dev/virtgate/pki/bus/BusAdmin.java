package dev.virtgate.pki.bus;

import dev.virtgate.bus.BusSecurity;
import dev.virtgate.contracts.trust.EventAuthorization;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Map;

/** One Kafka admin client, logged in as pki-service's own principal, made on first use. */
@ApplicationScoped
public class BusAdmin {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "virtgate.bus.password")
    String password;

    @Inject
    BusConfig config;

    private Admin admin;

    public synchronized Admin get() {
        if (admin == null) {
            Map<String, Object> settings = new java.util.HashMap<>(
                    BusSecurity.clientConfig(bootstrapServers, EventAuthorization.PKI_SERVICE, password));
            int timeout = (int) config.requestTimeout().toMillis();
            settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeout);
            settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout);
            settings.put(AdminClientConfig.CLIENT_ID_CONFIG, "pki-service-host-access");
            admin = Admin.create(settings);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(5));
        }
    }
}
