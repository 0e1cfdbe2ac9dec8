package dev.virtgate.bus;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How virtgate's broker authenticates: SASL/SCRAM-SHA-512 on the client listener (services, agents,
 * the bootstrap), SASL/PLAIN on the broker's own loopback controller listener, KRaft's
 * StandardAuthorizer with {@code allow.everyone.if.no.acl.found=false}. Only {@value #ADMIN} (the
 * broker itself and the bootstrap) is a super user; everyone else has exactly the ACLs of
 * {@link dev.virtgate.contracts.BusAccess}.
 */
public final class BusSecurity {
    public static final String ADMIN = "admin";
    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String CLIENT_LISTENER = "CLIENTS";
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Generated passwords are hex; anything else could break out of the JAAS line it is written into. */
    private static final Pattern SAFE_PASSWORD = Pattern.compile("[A-Za-z0-9_-]{16,128}");

    private BusSecurity() {
    }

    /** Security settings of a Kafka client (producer, consumer, admin) logging in as {@code principal}. */
    public static Map<String, Object> clientConfig(String bootstrapServers, String principal, String password) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.put("security.protocol", "SASL_PLAINTEXT");
        config.put("sasl.mechanism", MECHANISM);
        config.put("sasl.jaas.config", scramJaas(principal, password));
        return config;
    }

    /**
     * The admin logging in with SASL/PLAIN: for a broker whose admin is a static user of its
     * configuration rather than a SCRAM credential made at format time (the compose stack's image).
     */
    public static Map<String, Object> plainAdminConfig(String bootstrapServers, String password) {
        Map<String, Object> config = clientConfig(bootstrapServers, ADMIN, password);
        config.put("sasl.mechanism", "PLAIN");
        config.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + ADMIN + "\" password=\"" + safe(password) + "\";");
        return config;
    }

    /** The broker's security lines (listeners and ports are the caller's). */
    public static List<String> brokerProperties(String adminPassword) {
        String scram = scramJaas(ADMIN, adminPassword);
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + ADMIN
                + "\" password=\"" + safe(adminPassword) + "\" user_" + ADMIN + "=\"" + adminPassword + "\";";
        return List.of(
                "listener.security.protocol.map=" + CONTROLLER_LISTENER + ":SASL_PLAINTEXT," + CLIENT_LISTENER
                        + ":SASL_PLAINTEXT",
                "controller.listener.names=" + CONTROLLER_LISTENER,
                "inter.broker.listener.name=" + CLIENT_LISTENER,
                "sasl.enabled.mechanisms=" + MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + MECHANISM,
                "listener.name.clients.sasl.enabled.mechanisms=" + MECHANISM,
                "listener.name.clients.scram-sha-512.sasl.jaas.config=" + scram,
                "sasl.mechanism.controller.protocol=PLAIN",
                "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
                "listener.name.controller.plain.sasl.jaas.config=" + plain,
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found=false",
                "super.users=User:" + ADMIN);
    }

    /** The storage-format argument that creates the admin's SCRAM credential before the first start. */
    public static String formatScramArgument(String adminPassword) {
        return MECHANISM + "=[name=" + ADMIN + ",password=" + safe(adminPassword) + "]";
    }

    static String scramJaas(String principal, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + principal
                + "\" password=\"" + safe(password) + "\";";
    }

    static String safe(String password) {
        if (password == null || !SAFE_PASSWORD.matcher(password).matches()) {
            throw new IllegalArgumentException("a bus password must be 16-128 characters of [A-Za-z0-9_-]");
        }
        return password;
    }
}
