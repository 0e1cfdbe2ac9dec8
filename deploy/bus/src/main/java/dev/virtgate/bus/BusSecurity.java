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
 * <p>
 * Hypervisor agents log in on a third listener, {@value #HOSTS_LISTENER}: TLS with a required client
 * certificate. The broker presents a certificate of the bus CA ({@link BusListenerCert}); it trusts
 * client certificates of virtgate's CA bundle, which pki-service keeps current at runtime
 * ({@link HostBusAccess#trust}); until then the bus CA itself (which signs no client) is the
 * placeholder. The principal is the certificate's subject in RFC 2253 form (Kafka's default
 * principal builder), {@code CN=<fqdn>,OU=<clusterId>,O=virtgate}.
 */
public final class BusSecurity {
    public static final String ADMIN = "admin";
    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String CLIENT_LISTENER = "CLIENTS";
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** The agents' mTLS listener. */
    public static final String HOSTS_LISTENER = "HOSTS";
    /** The dynamic broker setting holding the CA bundle that signs host certificates. */
    public static final String HOSTS_TRUSTSTORE = "listener.name.hosts.ssl.truststore.certificates";
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
     * Settings of an agent logging in on {@value #HOSTS_LISTENER} with its host certificate: its key
     * (unencrypted PKCS#8 PEM), its certificate chain (PEM, leaf first) and the bus CA (PEM).
     */
    public static Map<String, Object> hostClientConfig(String bootstrapServers, String keyPem, String chainPem,
            String busCaPem) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.put("security.protocol", "SSL");
        config.put("ssl.keystore.type", "PEM");
        config.put("ssl.keystore.key", requirePem("key", keyPem));
        config.put("ssl.keystore.certificate.chain", requirePem("certificate chain", chainPem));
        config.put("ssl.truststore.type", "PEM");
        config.put("ssl.truststore.certificates", requirePem("bus CA", busCaPem));
        return config;
    }

    /** Settings of an agent before its first certificate: the SCRAM principal {@code host-enrollment}. */
    public static Map<String, Object> enrollmentClientConfig(String bootstrapServers, String password) {
        return clientConfig(bootstrapServers, dev.virtgate.contracts.BusAccess.HOST_ENROLLMENT, password);
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

    /**
     * The broker's security lines (listeners and ports are the caller's; the {@value #HOSTS_LISTENER}
     * listener's address too). {@code listener} is the broker's certificate on that listener; its bus CA
     * is the listener's first client trust, replaced by virtgate's CA bundle at runtime.
     */
    public static List<String> brokerProperties(String adminPassword, BusListenerCert listener) {
        String scram = scramJaas(ADMIN, adminPassword);
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + ADMIN
                + "\" password=\"" + safe(adminPassword) + "\" user_" + ADMIN + "=\"" + adminPassword + "\";";
        return List.of(
                "listener.security.protocol.map=" + CONTROLLER_LISTENER + ":SASL_PLAINTEXT," + CLIENT_LISTENER
                        + ":SASL_PLAINTEXT," + HOSTS_LISTENER + ":SSL",
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
                "listener.name.hosts.ssl.client.auth=required",
                "listener.name.hosts.ssl.principal.mapping.rules=DEFAULT",
                "listener.name.hosts.ssl.keystore.type=PEM",
                "listener.name.hosts.ssl.keystore.key=" + property(requirePem("listener key", listener.keyPem())),
                "listener.name.hosts.ssl.keystore.certificate.chain="
                        + property(requirePem("listener chain", listener.chainPem())),
                "listener.name.hosts.ssl.truststore.type=PEM",
                HOSTS_TRUSTSTORE + "=" + property(requirePem("bus CA", listener.caPem())),
                "allow.everyone.if.no.acl.found=false",
                "super.users=User:" + ADMIN);
    }

    /** A PEM block as one properties-file value: line breaks escaped (backslash, n). */
    static String property(String pem) {
        return pem.strip().replace("\r", "").replace("\n", "\\n");
    }

    /** Only base64 PEM blocks: nothing that could end the properties line or the JAAS value. */
    static String requirePem(String what, String pem) {
        if (pem == null || !pem.strip().startsWith("-----BEGIN ")
                || !pem.matches("[A-Za-z0-9+/=\\s-]+")) {
            throw new IllegalArgumentException("the " + what + " must be PEM");
        }
        return pem;
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
