package dev.virtgate.support.error;

/** A field of a request (a body property, a parameter, a header) and why it is refused. */
public record InvalidField(String field, String reason) {
}
