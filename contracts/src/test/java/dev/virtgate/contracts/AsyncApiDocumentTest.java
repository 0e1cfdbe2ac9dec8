package dev.virtgate.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AsyncApiDocumentTest {

    @Test
    void namesEveryChannelAndMessageWithItsSchema() throws Exception {
        JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(new File("asyncapi.yaml"));
        assertEquals("3.0.0", doc.get("asyncapi").asText());
        Set<String> addresses = new HashSet<>();
        doc.get("channels").forEach(c -> addresses.add(c.get("address").asText()));
        Set<String> topics = new HashSet<>();
        for (EventType type : EventType.values()) {
            topics.add(type.topic());
            String name = type.payloadType().getSimpleName();
            JsonNode message = doc.at("/components/messages/" + name);
            assertEquals(type.ceType(), message.get("name").asText(), name);
            String schemaRef = message.at("/payload/schema/$ref").asText();
            assertTrue(Files.exists(Path.of(schemaRef)), schemaRef);
        }
        assertEquals(topics, addresses);
    }
}
