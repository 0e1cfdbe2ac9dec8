package dev.virtgate.support.error;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Input refused field by field: {@link Kind#MALFORMED} when it cannot be read as what it should be
 * (missing, wrong syntax), {@link Kind#UNPROCESSABLE} when it reads well but is not acceptable.
 */
public class InvalidInputException extends DomainException {
    public enum Kind { MALFORMED, UNPROCESSABLE }

    private final Kind kind;
    private final List<InvalidField> fields;

    public InvalidInputException(Kind kind, List<InvalidField> fields) {
        super(fields.stream().map(f -> f.field() + ": " + f.reason()).collect(Collectors.joining("; ")));
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("an invalid input names at least one field");
        }
        this.kind = kind;
        this.fields = List.copyOf(fields);
    }

    public static InvalidInputException malformed(String field, String reason) {
        return new InvalidInputException(Kind.MALFORMED, List.of(new InvalidField(field, reason)));
    }

    public static InvalidInputException unprocessable(String field, String reason) {
        return new InvalidInputException(Kind.UNPROCESSABLE, List.of(new InvalidField(field, reason)));
    }

    public Kind kind() {
        return kind;
    }

    public List<InvalidField> fields() {
        return fields;
    }
}
