package dev.virtgate.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON encoding of event payloads, validated against the event's JSON Schema in both directions:
 * a producer cannot emit, and a consumer does not accept, an event that breaks its contract.
 * Thread-safe; create one and share it.
 */
public final class EventCodec {
    private final ObjectMapper mapper;
    private final Map<EventType, JsonSchema> schemas = new EnumMap<>(EventType.class);

    public EventCodec() {
        this.mapper = newObjectMapper();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true)
                .pathType(com.networknt.schema.PathType.JSON_PATH).build();
        for (EventType type : EventType.values()) {
            try (InputStream in = EventCodec.class.getResourceAsStream(type.schemaResource())) {
                if (in == null) {
                    throw new IllegalStateException("missing schema " + type.schemaResource());
                }
                schemas.put(type, factory.getSchema(in, config));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The mapper used for payloads: ISO-8601 instants, tolerant of nothing the schema forbids. */
    public static ObjectMapper newObjectMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public byte[] encode(Event event) {
        EventType type = EventType.of(event.getClass());
        JsonNode tree = mapper.valueToTree(event);
        validate(type, tree);
        try {
            return mapper.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + type.ceType(), e);
        }
    }

    public Event decode(String ceType, byte[] json) {
        EventType type = EventType.ofCeType(ceType)
                .orElseThrow(() -> new InvalidEventException("unknown ce_type '" + safe(ceType) + "'",
                        List.of("ce_type")));
        return decode(type, json);
    }

    public <T extends Event> T decode(Class<T> payloadType, byte[] json) {
        return payloadType.cast(decode(EventType.of(payloadType), json));
    }

    public Event decode(EventType type, byte[] json) {
        if (json == null || json.length == 0) {
            throw new InvalidEventException(type.ceType() + ": empty payload", List.of("$"));
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (IOException e) {
            throw new InvalidEventException(type.ceType() + ": payload is not JSON", List.of("$"));
        }
        if (tree == null || tree.isMissingNode()) {
            throw new InvalidEventException(type.ceType() + ": empty payload", List.of("$"));
        }
        validate(type, tree);
        try {
            return mapper.treeToValue(tree, type.payloadType());
        } catch (JsonProcessingException e) {
            String path = e instanceof com.fasterxml.jackson.databind.JsonMappingException m
                    ? m.getPathReference() : "$";
            throw new InvalidEventException(type.ceType() + ": cannot map field " + path, List.of(path));
        }
    }

    /** Validates a JSON tree against the event's schema; the exception names each failing field. */
    public void validate(EventType type, JsonNode tree) {
        Set<ValidationMessage> errors;
        try {
            errors = schemas.get(type).validate(tree);
        } catch (IllegalArgumentException e) {
            // the validator cannot write a JSON path to a property whose name is empty
            throw new InvalidEventException(type.ceType() + " breaks its schema: a property it cannot name", List.of("$"));
        }
        if (!errors.isEmpty()) {
            List<String> fields = errors.stream().map(EventCodec::fieldOf).distinct().sorted().toList();
            List<String> reasons = errors.stream().map(EventCodec::describe).distinct().sorted().toList();
            throw new InvalidEventException(type.ceType() + " breaks its schema: " + String.join("; ", reasons),
                    fields);
        }
    }

    private static String fieldOf(ValidationMessage m) {
        String path = m.getInstanceLocation().toString();
        if ("required".equals(m.getType()) && m.getProperty() != null) {
            return path.equals("$") ? "$." + m.getProperty() : path + "." + m.getProperty();
        }
        if ("additionalProperties".equals(m.getType()) && m.getProperty() != null) {
            return path.equals("$") ? "$." + m.getProperty() : path + "." + m.getProperty();
        }
        return path;
    }

    /** Field and rule only: the failing value is never copied into the message. */
    private static String describe(ValidationMessage m) {
        return fieldOf(m) + " violates '" + m.getType() + "'";
    }

    private static String safe(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > 80 ? s.substring(0, 80) : s;
        return cut.replaceAll("[^A-Za-z0-9._-]", "?");
    }
}
