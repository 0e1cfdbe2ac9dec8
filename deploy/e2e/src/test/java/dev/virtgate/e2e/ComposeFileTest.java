package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.virtgate.testsupport.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * This machine cannot run Docker, so the compose file is checked statically: every service is
 * there, every environment variable it sets is a configuration property that service declares,
 * and every depends_on target exists.
 */
class ComposeFileTest {
    private static final List<String> SERVICES = List.of("pki-service", "credential-service", "migration-service",
            "host-agent");
    private static JsonNode compose;
    private static Path root;

    @BeforeAll
    static void load() throws IOException {
        root = Workspace.repositoryRoot();
        compose = new ObjectMapper(new YAMLFactory()).readTree(root.resolve("deploy/compose/docker-compose.yml").toFile());
    }

    @Test
    void everyServiceIsPresentWithAHealthCheckAndADockerfile() {
        for (String service : SERVICES) {
            JsonNode definition = compose.at("/services/" + service);
            assertTrue(definition.isObject(), service + " missing from docker-compose.yml");
            assertTrue(definition.has("healthcheck"), service + " has no healthcheck");
            String dockerfile = definition.at("/build/dockerfile").asText();
            assertTrue(Files.isRegularFile(root.resolve("services").resolve(service).resolve(dockerfile)),
                    service + ": " + dockerfile);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pki-service", "credential-service", "migration-service", "host-agent"})
    void everyEnvironmentVariableMapsToAPropertyTheServiceReads(String service) throws IOException {
        Set<String> declared = declaredEnvNames(service);
        List<String> unknown = new ArrayList<>();
        Iterator<String> names = compose.at("/services/" + service + "/environment").fieldNames();
        while (names.hasNext()) {
            String env = names.next();
            // QUARKUS_PROFILE selects the profile (quarkus.profile), read by Quarkus itself.
            if (!env.equals("QUARKUS_PROFILE") && !declared.contains(env)) {
                unknown.add(env);
            }
        }
        assertEquals(List.of(), unknown, service + ": variables that map to no property in its application.properties");
    }

    /** As ./virtgate up: one role per service, owner of its own database only, its password not in the file. */
    @ParameterizedTest
    @ValueSource(strings = {"pki", "credential", "migration"})
    void everyServiceLogsInToPostgresWithItsOwnRole(String name) throws IOException {
        JsonNode env = compose.at("/services/" + name + "-service/environment");
        assertEquals("jdbc:postgresql://postgres:5432/virtgate_" + name, env.path("QUARKUS_DATASOURCE_JDBC_URL").asText());
        assertEquals("virtgate_" + name, env.path("QUARKUS_DATASOURCE_USERNAME").asText());
        String password = "${VIRTGATE_PG_" + name.toUpperCase() + "_PASSWORD:?";
        assertTrue(env.path("QUARKUS_DATASOURCE_PASSWORD").asText().startsWith(password),
                "the password comes from the environment: " + password);
        assertTrue(compose.at("/services/postgres/environment/VIRTGATE_PG_" + name.toUpperCase() + "_PASSWORD").asText()
                .startsWith(password), "postgres/init.sh sets the same password");
        String init = Files.readString(root.resolve("deploy/compose/postgres/init.sh"));
        assertTrue(init.contains("CREATE DATABASE virtgate_$name OWNER virtgate_$name;")
                && init.contains("REVOKE ALL ON DATABASE virtgate_$name FROM PUBLIC;"), "init.sh: owner and CONNECT");
        assertTrue(compose.at("/services/postgres/volumes").toString().contains("./postgres/init.sh:"), "init.sh mounted");
    }

    /** As ./virtgate up: no anonymous listener, ACLs enforced, each component its own bus principal. */
    @Test
    void theBusIsAuthenticatedAndEachComponentLogsInAsItself() {
        JsonNode kafka = compose.at("/services/kafka/environment");
        assertEquals("org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                kafka.path("KAFKA_AUTHORIZER_CLASS_NAME").asText());
        assertEquals("false", kafka.path("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND").asText());
        assertEquals("User:admin", kafka.path("KAFKA_SUPER_USERS").asText());
        for (String listener : kafka.path("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").asText().split(",")) {
            assertTrue(listener.endsWith(":SASL_PLAINTEXT") || listener.equals("HOSTS:SSL"), "an anonymous listener: " + listener);
        }
        // the agents' listener: TLS with a client certificate, always
        assertEquals("required", kafka.path("KAFKA_LISTENER_NAME_HOSTS_SSL_CLIENT_AUTH").asText());
        JsonNode init = compose.at("/services/bus-init");
        assertTrue(init.path("entrypoint").toString().contains("dev.virtgate.bus.BusTool"), "bus-init runs the bus tool");
        for (String service : SERVICES) {
            // an agent logs in as the enrollment principal until it has its host certificate
            String principal = service.equals("host-agent") ? "host-enrollment" : service;
            String variable = "VIRTGATE_BUS_" + principal.toUpperCase().replace('-', '_') + "_PASSWORD";
            assertTrue(compose.at("/services/" + service + "/environment/VIRTGATE_BUS_PASSWORD").asText()
                    .startsWith("${" + variable + ":?"), service + ": its own bus password from " + variable);
            assertTrue(init.at("/environment/" + variable).asText().startsWith("${" + variable + ":?"),
                    "bus-init creates the principal of " + service);
            assertEquals("service_completed_successfully",
                    compose.at("/services/" + service + "/depends_on/bus-init/condition").asText(), service);
        }
    }

    @Test
    void everyDependsOnTargetExists() {
        Set<String> defined = new HashSet<>();
        compose.get("services").fieldNames().forEachRemaining(defined::add);
        compose.get("services").fields().forEachRemaining(entry -> {
            JsonNode dependsOn = entry.getValue().get("depends_on");
            if (dependsOn != null) {
                Iterable<String> targets = dependsOn.isArray()
                        ? () -> dependsOn.elements().hasNext() ? toText(dependsOn) : List.<String>of().iterator()
                        : dependsOn::fieldNames;
                targets.forEach(target -> assertTrue(defined.contains(target),
                        entry.getKey() + " depends on undefined " + target));
            }
        });
    }

    private static Iterator<String> toText(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out.iterator();
    }

    /** The environment-variable form of every property the service declares, in any profile. */
    private static Set<String> declaredEnvNames(String service) throws IOException {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(
                root.resolve("services").resolve(service).resolve("src/main/resources/application.properties"))) {
            props.load(in);
        }
        Set<String> names = new HashSet<>();
        for (String key : props.stringPropertyNames()) {
            String property = key.startsWith("%") ? key.substring(key.indexOf('.') + 1) : key;
            names.add(property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase());
        }
        return names;
    }
}
