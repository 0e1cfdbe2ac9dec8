package dev.virtgate.support.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import java.io.IOException;

/**
 * Every JSON string read into a request record (lists of strings too) must be text PostgreSQL can
 * store; otherwise the body is refused as 400 naming the field (see {@link ProblemMappers}).
 */
public class StorableStringDeserializer extends StringDeserializer {

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        String value = super.deserialize(p, ctxt);
        if (!StorableText.storable(value)) {
            throw new UnstorableTextException(p);
        }
        return value;
    }

    /** A JSON string holding a NUL character. */
    public static class UnstorableTextException extends MismatchedInputException {
        UnstorableTextException(JsonParser p) {
            super(p, "string " + StorableText.REASON, String.class);
        }
    }
}
